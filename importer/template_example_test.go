package importer

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/screenpop/screenpop/internal/i18n"
)

// The template carries an example row and each column's format: in the
// CSV, the second row; in the XLSX, the second row, a note on every header
// cell and an instructions sheet after the data sheet (issue 14).
func TestTemplateExampleAndHelp(t *testing.T) {
	e := newJobEnv(t)
	ctx := context.Background()
	wantExample := []string{"13800138000", "张三", "13800138000", "普通", "100", "2024-03-05"}

	var csvBuf bytes.Buffer
	must(t, e.s.Template(ctx, &csvBuf, e.tenant, e.table.ID, FormatCSV))
	rr, err := OpenCSV(bytes.NewReader(csvBuf.Bytes()))
	must(t, err)
	rows, errs := readAll(t, rr)
	if len(rows) != 1 || len(errs) != 0 || !slices.Equal(rows[0].Cells, wantExample) {
		t.Fatalf("CSV example row %v (%v)", rows, errs)
	}

	var xlsxBuf bytes.Buffer
	must(t, e.s.Template(ctx, &xlsxBuf, e.tenant, e.table.ID, FormatXLSX))
	f, err := excelize.OpenReader(bytes.NewReader(xlsxBuf.Bytes()))
	must(t, err)
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{sheetName, instructionsSheet}) {
		t.Fatalf("sheets %q", got)
	}
	data, err := f.GetRows(sheetName)
	must(t, err)
	if len(data) != 2 || !slices.Equal(data[0], customerHeader) || !slices.Equal(data[1], wantExample) {
		t.Fatalf("data sheet %q", data)
	}
	comments, err := f.GetComments(sheetName)
	must(t, err)
	notes := map[string]string{}
	for _, c := range comments {
		var b strings.Builder
		for _, r := range c.Paragraph {
			b.WriteString(r.Text)
		}
		notes[c.Cell] = b.String() + c.Text
	}
	noteTests := []struct {
		cell string
		want []string
	}{
		{"A1", []string{"必填（索引", "Required (the index", "电话号码", "加密存储，脱敏显示", "Stored encrypted, shown masked"}},
		{"B1", []string{"必填 · 文本，最多 256 个字符", "Required · Text, at most 256 characters", "Stored encrypted"}},
		{"C1", []string{"选填 · 文本，最多 20 个字符", "Optional · Text, at most 20 characters"}},
		{"D1", []string{"选填 · 从可选值", "普通, VIP", "One of the allowed values"}},
		{"E1", []string{"数字，可带正负号", "Digits"}},
		{"F1", []string{"日期，写作 2024-03-05", "A date as 2024-03-05"}},
	}
	for _, tt := range noteTests {
		for _, w := range tt.want {
			if !strings.Contains(notes[tt.cell], w) {
				t.Errorf("note of %s lacks %q: %q", tt.cell, w, notes[tt.cell])
			}
		}
	}
	if len(notes) != len(customerHeader) {
		t.Errorf("%d header notes, want one a column", len(notes))
	}

	help, err := f.GetRows(instructionsSheet)
	must(t, err)
	if len(help) < len(customerHeader)+1 || help[0][0] != "列名 / Column" || help[0][4] != "可选值 / Allowed values" {
		t.Fatalf("instructions %q", help)
	}
	level := help[4] // the header, then 手机, 姓名, 备用电话, 等级
	if level[0] != "等级" || level[1] != "字典\nDictionary" || level[2] != "选填\nOptional" || level[4] != "普通\nVIP" || level[5] != "普通" {
		t.Errorf("instructions row of 等级 %q", level)
	}
	if phone := help[1]; phone[6] != "加密存储，脱敏显示\nStored encrypted, shown masked" {
		t.Errorf("instructions row of 手机 %q", phone)
	}
	if last := help[len(help)-1]; !strings.Contains(last[0], "第 2 行") || !strings.Contains(last[0], "skipped on import") {
		t.Errorf("instructions end with %q", last)
	}

	// The page's list says the same, in one language.
	sc, err := e.ts.Schema(ctx, e.tenant, e.table.ID)
	must(t, err)
	cols := DescribeColumns(sc, i18n.English)
	if len(cols) != 6 || cols[5].Format != "A date as 2024-03-05 (2024/3/5 and 2024年3月5日 are read too)." ||
		!slices.Equal(cols[3].Choices, []string{"普通", "VIP"}) || cols[1].Required != "Required" || cols[2].Required != "Optional" {
		t.Errorf("described columns %+v", cols)
	}
}

// Importing the template as downloaded stores nothing and says the example
// row was skipped; an edited example row imports as any row; the example
// is recognised only as the first data row; an XLSX template is read from
// its data sheet, not the instructions.
func TestImportTemplateExampleRow(t *testing.T) {
	e := newJobEnv(t)
	e.start(Options{})
	ctx := context.Background()
	template := func(format Format) []byte {
		var buf bytes.Buffer
		must(t, e.s.Template(ctx, &buf, e.tenant, e.table.ID, format))
		return buf.Bytes()
	}
	csvTemplate := string(template(FormatCSV))
	editXLSX := func(rows ...[]any) []byte {
		f, err := excelize.OpenReader(bytes.NewReader(template(FormatXLSX)))
		must(t, err)
		defer f.Close()
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			must(t, f.SetSheetRow(sheetName, cell, &r))
		}
		var buf bytes.Buffer
		must(t, f.Write(&buf))
		return buf.Bytes()
	}
	tests := []struct {
		name        string
		file        string
		data        []byte
		wantTotal   int
		wantSkipped bool
		wantPhone   string // a record that must exist afterwards ("" none)
	}{
		{"unchanged CSV template", "模板.csv", []byte(csvTemplate), 0, true, ""},
		{"unchanged XLSX template", "模板.xlsx", template(FormatXLSX), 0, true, ""},
		{"CSV example row edited", "客户.csv", []byte(strings.Replace(csvTemplate, "张三", "李四", 1)), 1, false, "13800138000"},
		{"XLSX example row edited", "客户.xlsx", editXLSX([]any{"13900000001", "王五", "", "VIP", "7", "2024-01-02"}), 1, false, "13900000001"},
		{"CSV example then a customer", "客户.csv", []byte(csvTemplate + "13900000002,赵六,,VIP,1,\r\n"), 1, true, "13900000002"},
		{"XLSX example then a customer", "客户.xlsx",
			editXLSX([]any{"13800138000", "张三", "13800138000", "普通", "100", "2024-03-05"}, []any{"13900000003", "钱七", "", "普通", "", ""}), 1, true, "13900000003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clear()
			dry, err := e.s.DryRun(ctx, e.upload(tt.file, tt.data, ModeSkip))
			must(t, err)
			if dry.TotalRows != tt.wantTotal || dry.ExampleSkipped != tt.wantSkipped || dry.Good != tt.wantTotal {
				t.Fatalf("dry run: %d rows, %d good, example skipped %v", dry.TotalRows, dry.Good, dry.ExampleSkipped)
			}
			j := e.importFile(tt.file, tt.data, ModeSkip)
			wantDone(t, j, tt.wantTotal, 0, 0)
			if j.TotalRows != tt.wantTotal || j.RowsDone != tt.wantTotal || j.ExampleSkipped != tt.wantSkipped {
				t.Fatalf("job: %d of %d rows, example skipped %v", j.RowsDone, j.TotalRows, j.ExampleSkipped)
			}
			if strings.HasSuffix(tt.file, ".xlsx") && j.Sheet != sheetName {
				t.Errorf("read sheet %q", j.Sheet)
			}
			if n := e.count(); n != tt.wantTotal {
				t.Fatalf("%d records stored", n)
			}
			if tt.wantPhone != "" && e.record(tt.wantPhone) == nil {
				t.Fatalf("no record %s", tt.wantPhone)
			}
		})
	}

	// The example anywhere but first is an ordinary row.
	e.clear()
	lines := strings.SplitAfter(csvTemplate, "\r\n")
	second := lines[0] + "13900000004,孙八,,普通,,\r\n" + lines[1]
	j := e.importFile("客户.csv", []byte(second), ModeSkip)
	wantDone(t, j, 2, 0, 0)
	if j.ExampleSkipped {
		t.Errorf("an example row after a customer was skipped")
	}
}

// clear deletes the table's records.
func (e *jobEnv) clear() {
	e.t.Helper()
	_, err := e.db.ExecContext(context.Background(), "DELETE FROM base_records WHERE table_id = ?", e.table.ID)
	must(e.t, err)
}
