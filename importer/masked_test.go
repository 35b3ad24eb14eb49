package importer

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

// plainIndexFields: an unmasked phone index, then masked fields, encrypted
// and plain, one of them mandatory.
var plainIndexFields = []tables.FieldInput{
	{Name: "手机", IsIndex: true, Type: tables.TypeString, Length: 20},
	{Name: "姓名", Encrypted: true, Mandatory: true, Type: tables.TypeString, Masked: true, MaskStyle: tables.MaskFirstFour},
	{Name: "证件号", Encrypted: true, Type: tables.TypeString, Length: 18, Masked: true, MaskStyle: tables.MaskLastFour},
	{Name: "卡号", Type: tables.TypeNumber, Masked: true, MaskStyle: tables.MaskLastFour},
	{Name: "备注", Type: tables.TypeString},
}

// A masked export imported again changes nothing: masked cells keep the
// stored values (counted in Masked), unmasked edits still apply, and a
// masked index rejects its row instead of creating a customer.
func TestMaskedExportReimport(t *testing.T) {
	ctx := context.Background()
	for _, format := range []Format{FormatCSV, FormatXLSX} {
		t.Run(string(format)+"/kept", func(t *testing.T) {
			e := newJobEnvWith(t, plainIndexFields)
			e.start(Options{})
			seed := []map[string]string{
				{"手机": "13800138000", "姓名": "欧阳娜娜", "证件号": "110101199003071421", "卡号": "6222020200112233", "备注": "a"},
				{"手机": "13900139000", "姓名": "张三丰和他的徒弟", "证件号": "11010119900307142X", "卡号": "12", "备注": "b"},
				{"手机": "13700137000", "姓名": "李四", "备注": "c"},
			}
			for _, in := range seed {
				_, err := e.ts.CreateRecord(ctx, e.tenant, e.table.ID, in)
				must(t, err)
			}
			var buf bytes.Buffer
			_, err := e.s.export(ctx, &buf, e.tenant, e.table.ID, format, false)
			must(t, err)
			if format == FormatCSV && !strings.Contains(buf.String(), "**************1421") {
				t.Fatalf("export is not masked:\n%s", buf.String())
			}
			name := ExportFileName("客户", format, false, i18n.Chinese)
			job := e.importFile(name, buf.Bytes(), ModeSkip)
			if job.Status != StatusDone || job.Inserted != 0 || job.Updated != 0 || job.Unchanged != 3 || job.Masked != 3 || job.Rejected != 0 {
				t.Fatalf("re-import: %+v", job)
			}
			if n := e.count(); n != 3 {
				t.Fatalf("%d records, want 3", n)
			}
			for _, in := range seed {
				want := map[string]string{"手机": "", "姓名": "", "证件号": "", "卡号": "", "备注": ""}
				maps.Copy(want, in)
				if got := e.record(in["手机"]); !maps.Equal(got, want) {
					t.Errorf("record %s = %v, want %v", in["手机"], got, want)
				}
			}

			// An edit of an unmasked cell in the masked file applies; the
			// masked cells beside it stay.
			if format == FormatCSV {
				edited := strings.Replace(buf.String(), ",a\r\n", ",edited\r\n", 1)
				job = e.importFile(name, []byte(edited), ModeSkip)
				if job.Updated != 1 || job.Unchanged != 2 || job.Masked != 3 {
					t.Fatalf("edited re-import: %+v", job)
				}
				if got := e.record("13800138000"); got["备注"] != "edited" || got["姓名"] != "欧阳娜娜" || got["证件号"] != "110101199003071421" {
					t.Errorf("edited record %v", got)
				}
			}
		})
	}

	t.Run("masked index", func(t *testing.T) {
		e := newJobEnv(t) // its index 手机 is masked
		e.start(Options{})
		for _, in := range []map[string]string{{"手机": "13800138000", "姓名": "王五"}, {"手机": "13900139000", "姓名": "赵六"}} {
			_, err := e.ts.CreateRecord(ctx, e.tenant, e.table.ID, in)
			must(t, err)
		}
		var buf bytes.Buffer
		_, err := e.s.export(ctx, &buf, e.tenant, e.table.ID, FormatCSV, false)
		must(t, err)
		job := e.importFile("客户_已脱敏.csv", buf.Bytes(), ModeSkip)
		if job.Status != StatusDone || job.Inserted != 0 || job.Rejected != 2 {
			t.Fatalf("masked index re-import: %+v", job)
		}
		if n := e.count(); n != 2 {
			t.Fatalf("%d records, want 2", n)
		}
		issues := e.issues(job.ID)
		if len(issues) != 2 || issues[0].Message.Key != "value.masked_index" || issues[0].Column != "手机" || issues[0].Line != 2 {
			t.Fatalf("issues %+v", issues)
		}
	})

	t.Run("masked mandatory without stored value", func(t *testing.T) {
		e := newJobEnvWith(t, plainIndexFields)
		e.start(Options{})
		file := csvText([]string{"手机", "姓名", "证件号", "卡号", "备注"},
			[]string{"13800138000", "****", "", "", ""},
			[]string{"13900139000", "钱七", "**************1421", "", ""})
		job := e.importFile("a.csv", []byte(file), ModeSkip)
		if job.Inserted != 1 || job.Rejected != 1 || job.Masked != 1 {
			t.Fatalf("job %+v", job)
		}
		if got := e.record("13900139000"); got["证件号"] != "" || got["姓名"] != "钱七" {
			t.Errorf("record %v", got)
		}
		issues := e.issues(job.ID)
		if len(issues) != 1 || issues[0].Message.Key != "import.masked_no_value" || issues[0].Line != 2 {
			t.Fatalf("issues %+v", issues)
		}
	})
}

func TestExportFileName(t *testing.T) {
	for _, c := range []struct {
		reveal bool
		lang   string
		format Format
		want   string
	}{
		{false, i18n.Chinese, FormatCSV, "客户_已脱敏.csv"},
		{false, i18n.English, FormatXLSX, "客户_masked.xlsx"},
		{true, i18n.Chinese, FormatCSV, "客户.csv"},
	} {
		got := ExportFileName("客户", c.format, c.reveal, c.lang)
		if got != c.want {
			t.Errorf("ExportFileName(%v, %s) = %q, want %q", c.reveal, c.lang, got, c.want)
		}
		if err := ValidateFileName(got); err != nil {
			t.Errorf("%q does not pass the name check: %v", got, err)
		}
	}
}
