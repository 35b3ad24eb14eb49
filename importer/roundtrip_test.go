package importer

import (
	"bytes"
	"context"
	"maps"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/screenpop/screenpop/tables"
)

// roundTripFields hold what a round trip must carry unchanged: formulas
// (neutralised in CSV), a value that already starts with an apostrophe,
// multiline text, signs, leading zeros, long digit runs, numbers, dates.
var roundTripFields = []tables.FieldInput{
	{Name: "手机", IsIndex: true, Type: tables.TypeString, Length: 20},
	{Name: "备注", Type: tables.TypeString},
	{Name: "证件号", Encrypted: true, Type: tables.TypeString, Length: 18},
	{Name: "金额", Type: tables.TypeNumber},
	{Name: "生日", Type: tables.TypeDate},
	{Name: "时间", Type: tables.TypeTime},
	{Name: "等级", Type: tables.TypeDict, DictItems: []tables.DictItem{{Key: "1", Value: "普通"}, {Key: "2", Value: "VIP"}}},
}

// Export (revealed) → import changes nothing, for CSV and XLSX.
func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	records := []map[string]string{
		{"手机": "13800138000", "备注": `=HYPERLINK("http://x","y")`, "证件号": "110101199003071421", "金额": "62744.60", "生日": "2024-03-05", "时间": "09:30", "等级": "2"},
		{"手机": "+8613900139000", "备注": "第一行\n第二行\n", "证件号": "01234", "金额": "-12.5", "时间": "2024-03-05 10:00:00", "等级": "1"},
		{"手机": "013700137000", "备注": "'=1+2", "金额": "1234567890123456789"},
		{"手机": "13600136000", "备注": "@SUM(A1)", "金额": "0.5"},
		{"手机": "13500135000", "备注": "-1+2", "金额": "100"},
		{"手机": "13400134000", "备注": "'plain quote", "金额": "+3"},
	}
	for _, format := range []Format{FormatCSV, FormatXLSX} {
		t.Run(string(format), func(t *testing.T) {
			e := newJobEnvWith(t, roundTripFields)
			e.start(Options{})
			want := map[string]map[string]string{}
			for _, in := range records {
				r, err := e.ts.CreateRecord(ctx, e.tenant, e.table.ID, in)
				must(t, err)
				sc, err := e.ts.Schema(ctx, e.tenant, e.table.ID)
				must(t, err)
				got := map[string]string{}
				for _, f := range sc.Fields {
					got[f.Name] = r.Values[f.ID]
				}
				want[got["手机"]] = got
			}
			var buf bytes.Buffer
			_, err := e.s.export(ctx, &buf, e.tenant, e.table.ID, format, true)
			must(t, err)
			if format == FormatCSV && (!bytes.Contains(buf.Bytes(), []byte("第一行\n第二行\"")) || bytes.Contains(buf.Bytes(), []byte("第一行\r\n"))) {
				t.Errorf("a multiline cell's LF is not kept:\n%q", buf.String())
			}
			if format == FormatXLSX {
				xlsxTyped(t, buf.Bytes())
			}
			job := e.importFile(ExportFileName("客户", format, true, "zh-CN"), buf.Bytes(), ModeSkip)
			if job.Status != StatusDone || job.Unchanged != len(records) || job.Updated != 0 || job.Inserted != 0 || job.Rejected != 0 {
				for _, is := range e.issues(job.ID) {
					t.Logf("line %d %s: %s", is.Line, is.Column, is.Message.In("en"))
				}
				t.Errorf("round trip: %+v", job)
			}
			for index, w := range want {
				if got := e.record(index); !maps.Equal(got, w) {
					t.Errorf("%s: %q, want %q", index, got, w)
				}
			}
		})
	}
}

// xlsxTyped checks that an XLSX export holds numbers and dates as Excel's
// numbers (so Excel sums and sorts them) and phone and ID numbers as text.
func xlsxTyped(t *testing.T, file []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(file))
	must(t, err)
	defer f.Close()
	for cell, want := range map[string]string{"D2": "62744.6", "E2": "45356", "A2": "13800138000", "C2": "110101199003071421", "D4": "1234567890123456789"} {
		raw, err := f.GetCellValue("Sheet1", cell, excelize.Options{RawCellValue: true})
		must(t, err)
		typ, err := f.GetCellType("Sheet1", cell)
		must(t, err)
		text := typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString
		if raw != want || text != (cell[0] == 'A' || cell[0] == 'C' || cell == "D4") {
			t.Errorf("%s = %q (type %v), want %q", cell, raw, typ, want)
		}
	}
	shown, _ := f.GetCellValue("Sheet1", "D2")
	date, _ := f.GetCellValue("Sheet1", "E2")
	if shown != "62744.60" || date != "2024-03-05" {
		t.Errorf("Excel shows %q and %q", shown, date)
	}
}
