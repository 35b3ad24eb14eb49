package importer

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// A workbook with several sheets: the dry run and the job say which sheet
// they read, another can be chosen, and a wrong name lists the sheets.
func TestImportSheetChoice(t *testing.T) {
	e := newJobEnv(t)
	e.start(Options{})
	file := buildXLSX(t, func(f *excelize.File) {
		must(t, f.SetSheetName("Sheet1", "说明"))
		must(t, f.SetCellStr("说明", "A1", "请在“客户”表中填写"))
		_, err := f.NewSheet("客户")
		must(t, err)
		must(t, f.SetSheetRow("客户", "A1", &[]any{"手机", "姓名", "备用电话", "等级", "积分", "生日"}))
		must(t, f.SetSheetRow("客户", "A2", &[]any{"13800138000", "张三"}))
	})
	ctx := context.Background()
	_, err := e.s.DryRun(ctx, e.upload("名单.xlsx", file, ModeSkip))
	if ae, ok := apperr.As(err); !ok || ae.Message.Key != "import.no_header" {
		t.Fatalf("first sheet: %v", err)
	}
	up := e.upload("名单.xlsx", file, ModeSkip)
	up.Sheet = "客户"
	dry, err := e.s.DryRun(ctx, up)
	must(t, err)
	if dry.Sheet != "客户" || strings.Join(dry.Sheets, ",") != "说明,客户" || dry.Good != 1 {
		t.Fatalf("dry run %+v", dry)
	}
	job, err := e.s.Create(ctx, up)
	must(t, err)
	job = e.wait(job.ID)
	if job.Sheet != "客户" || job.Inserted != 1 {
		t.Fatalf("job %+v", job)
	}
	up.Sheet = "Sheet9"
	_, err = e.s.Create(ctx, up)
	ae, ok := apperr.As(err)
	if !ok || len(ae.Fields) == 0 || !strings.Contains(ae.Fields[0].In(i18n.English), "说明, 客户") {
		t.Fatalf("wrong sheet: %v", err)
	}
}

// openQuote's double-quote fast path against the quote-by-quote rule
// (openQuoteEach), on tags with one kind of quote, both, and neither.
func TestOpenQuoteAgreesWithQuoteByQuote(t *testing.T) {
	pieces := []string{`c`, ` r="A1"`, ` t='s'`, `"`, `'`, ` s="1`, `x='"'`, `y="'"`, `>`, ` `}
	rng := rand.New(rand.NewPCG(5, 8))
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if tag := []byte(b.String()); openQuote(tag) != openQuoteEach(tag) {
			t.Fatalf("openQuote(%q) = %v, want %v", tag, openQuote(tag), openQuoteEach(tag))
		}
	}
}
