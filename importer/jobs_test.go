package importer

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

var (
	jobsKey = func() []byte {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		return k
	}()
	jobSeq atomic.Int64
)

// jobEnv is an import service on the package database with a tenant and
// a published customer table.
type jobEnv struct {
	t      *testing.T
	db     *bun.DB
	ts     *tables.Service
	s      *Service
	tenant int64
	table  *tables.Table
}

// customerFields: an encrypted, masked phone index; an encrypted name; a
// plain phone-like string; a level dictionary; a number; a date.
var customerFields = []tables.FieldInput{
	{Name: "手机", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
	{Name: "姓名", Encrypted: true, Mandatory: true, Type: tables.TypeString, Masked: true, MaskStyle: tables.MaskFirstFour},
	{Name: "备用电话", Type: tables.TypeString, Length: 20},
	{Name: "等级", Type: tables.TypeDict, DictItems: []tables.DictItem{{Key: "1", Value: "普通"}, {Key: "2", Value: "VIP"}}},
	{Name: "积分", Type: tables.TypeNumber},
	{Name: "生日", Type: tables.TypeDate},
}

var customerHeader = []string{"手机", "姓名", "备用电话", "等级", "积分", "生日"}

func newJobEnv(t *testing.T) *jobEnv {
	t.Helper()
	return newJobEnvWith(t, customerFields)
}

// newJobEnvWith is newJobEnv with a table of the given fields.
func newJobEnvWith(t *testing.T, fields []tables.FieldInput) *jobEnv {
	t.Helper()
	ctx := context.Background()
	db := testkit.DB(t)
	keys, err := tables.NewKeyring(db, jobsKey)
	must(t, err)
	ts := tables.NewService(db, keys, tables.FixedLimits{Tables: 5})
	tn, err := accounts.New(db).CreateTenant(ctx, accounts.NewTenant{Slug: "imp" + strconv.FormatInt(jobSeq.Add(1), 10), Name: "T"})
	must(t, err)
	tb, err := ts.CreateTable(ctx, tn.ID, tables.TableInput{Name: "客户" + strconv.FormatInt(jobSeq.Add(1), 10)})
	must(t, err)
	for _, f := range fields {
		_, err := ts.AddField(ctx, tn.ID, tb.ID, f)
		must(t, err)
	}
	_, err = ts.Publish(ctx, tn.ID, tb.ID)
	must(t, err)
	tb, err = ts.GetTable(ctx, tn.ID, tb.ID)
	must(t, err)
	return &jobEnv{t: t, db: db, ts: ts, s: NewService(db, ts, FixedLimits{FileSize: DefaultMaxFileSize}), tenant: tn.ID, table: tb}
}

// start runs workers for the rest of the test.
func (e *jobEnv) start(o Options) {
	e.t.Helper()
	o.SweepInterval = max(o.SweepInterval, 200*time.Millisecond)
	o.PollInterval = 50 * time.Millisecond
	w, err := e.s.Start(context.Background(), o)
	must(e.t, err)
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Stop(ctx)
	})
}

func (e *jobEnv) upload(name string, data []byte, mode Mode) Upload {
	return Upload{TenantID: e.tenant, TableID: e.table.ID, Source: SourceAPI, FileName: name, Mode: mode, Data: data}
}

// importFile queues a file and waits for its job to end.
func (e *jobEnv) importFile(name string, data []byte, mode Mode) *Job {
	e.t.Helper()
	job, err := e.s.Create(context.Background(), e.upload(name, data, mode))
	if err != nil {
		e.t.Fatalf("create import: %v", err)
	}
	return e.wait(job.ID)
}

func (e *jobEnv) wait(id int64) *Job {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		job, err := e.s.Get(context.Background(), e.tenant, id)
		must(e.t, err)
		if job.Status.Finished() {
			return job
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import %d still %s after 30 s", id, job.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// record finds a record by index value and returns its values by field name.
func (e *jobEnv) record(index string) map[string]string {
	e.t.Helper()
	sc, r, err := e.ts.FindByIndex(context.Background(), e.tenant, e.table.ID, index)
	must(e.t, err)
	if r == nil {
		return nil
	}
	out := map[string]string{}
	for _, f := range sc.Fields {
		out[f.Name] = r.Values[f.ID]
	}
	return out
}

func (e *jobEnv) count() int {
	e.t.Helper()
	n, err := e.db.NewSelect().Table("base_records").Where("tenant_id = ? AND table_id = ?", e.tenant, e.table.ID).Count(context.Background())
	must(e.t, err)
	return int(n)
}

func (e *jobEnv) jobRows() int {
	e.t.Helper()
	n, err := e.db.NewSelect().Table("import_jobs").Where("tenant_id = ?", e.tenant).Count(context.Background())
	must(e.t, err)
	return int(n)
}

func (e *jobEnv) issues(id int64) []Issue {
	e.t.Helper()
	var out []Issue
	must(e.t, e.s.Issues(context.Background(), e.tenant, id, func(is Issue) error {
		out = append(out, is)
		return nil
	}))
	return out
}

func csvText(rows ...[]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	return b.String()
}

func wantDone(t *testing.T, j *Job, inserted, updated, rejected int) {
	t.Helper()
	if j.Status != StatusDone || j.Inserted != inserted || j.Updated != updated || j.Rejected != rejected {
		msg := ""
		if m := j.Failure(); m != nil {
			msg = m.In(i18n.English)
		}
		t.Fatalf("job %s %q: inserted %d updated %d rejected %d; want done %d/%d/%d", j.Status, msg, j.Inserted, j.Updated, j.Rejected, inserted, updated, rejected)
	}
}

// Files as Excel on Chinese Windows writes them: GBK, UTF-8 with a BOM,
// UTF-16 with a BOM (tab-separated "Unicode Text") all import, Chinese
// headers and values intact, and the file is gone once the job ends.
func TestImportEncodings(t *testing.T) {
	e := newJobEnv(t)
	e.start(Options{})
	text := csvText(customerHeader,
		[]string{"13800138000", "张三", "013900139000", "VIP", "100", "1990-01-15"},
		[]string{"+86 139-1234-5678", "李四", "", "普通", "", "1985/3/5"})
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	must(t, err)
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(text, ",", "\t"))
	must(t, err)
	for i, tt := range []struct {
		name, file string
		enc        Encoding
	}{
		{"客户_GBK.csv", gbk, GB18030},
		{"客户_BOM.csv", "\uFEFF" + text, UTF8BOM},
		{"客户_UTF16.csv", utf16, UTF16LE},
	} {
		t.Run(string(tt.enc), func(t *testing.T) {
			job := e.importFile(tt.name, []byte(tt.file), ModeSkip)
			if i == 0 {
				wantDone(t, job, 2, 0, 0)
			} else {
				wantDone(t, job, 0, 0, 0) // the same rows again: nothing changes
				if job.Unchanged != 2 {
					t.Fatalf("unchanged %d, want 2", job.Unchanged)
				}
			}
			if job.Encoding != string(tt.enc) {
				t.Errorf("encoding %q, want %q", job.Encoding, tt.enc)
			}
			zhang := e.record("13800138000")
			if zhang["姓名"] != "张三" || zhang["备用电话"] != "013900139000" || zhang["等级"] != "2" || zhang["生日"] != "1990-01-15" {
				t.Errorf("张三 stored as %v", zhang)
			}
			if li := e.record("13912345678"); li["姓名"] != "李四" || li["生日"] != "1985-03-05" {
				t.Errorf("李四 stored as %v", li)
			}
			var file []byte
			must(t, e.db.NewSelect().Table("import_jobs").Column("file").Where("id = ?", job.ID).Scan(context.Background(), &file))
			if file != nil {
				t.Errorf("the stored file is still there after the job (%d bytes)", len(file))
			}
		})
	}
	if n := e.count(); n != 2 {
		t.Fatalf("%d records after three imports of the same two rows", n)
	}
}

// An XLSX whose phone columns are text keeps their leading zeros.
func TestImportXLSXLeadingZero(t *testing.T) {
	e := newJobEnv(t)
	e.start(Options{})
	file := buildXLSX(t, func(f *excelize.File) {
		text, _ := f.NewStyle(&excelize.Style{NumFmt: 49})
		_ = f.SetColStyle("Sheet1", "A", text)
		_ = f.SetColStyle("Sheet1", "C", text)
		_ = f.SetSheetRow("Sheet1", "A1", &[]any{"手机", "姓名", "备用电话", "等级", "积分", "生日"})
		_ = f.SetSheetRow("Sheet1", "A2", &[]any{"01065529988", "王五", "0755-12345678", "VIP", 12.5, "2000-02-29"})
		_ = f.SetCellStr("Sheet1", "A3", "+8613700137000")
		_ = f.SetSheetRow("Sheet1", "B3", &[]any{"赵六", "", "1"})
	})
	job := e.importFile("名单.xlsx", file, ModeSkip)
	wantDone(t, job, 2, 0, 0)
	r := e.record("01065529988") // a landline: 0 + Beijing's 10 (013800138000 is a mobile, stored 13800138000)
	if r == nil || r["手机"] != "01065529988" || r["备用电话"] != "0755-12345678" || r["积分"] != "12.5" {
		t.Fatalf("stored %v; want the leading zeros kept", r)
	}
	if r := e.record("13700137000"); r == nil || r["姓名"] != "赵六" {
		t.Fatalf("+86 phone stored as %v", r)
	}
}

// Files that are wrong as a whole are refused before anything is stored:
// no job row, no file bytes.
func TestImportRefusals(t *testing.T) {
	e := newJobEnv(t)
	ctx := context.Background()
	e.s = NewService(e.db, e.ts, FixedLimits{FileSize: 1 << 20})
	good := []byte("\uFEFF" + csvText(customerHeader, []string{"13800138000", "张三", "", "", "", ""}))

	mismatch := []byte(csvText([]string{"手机", "名字", "等级", "积分", "生日", "备注"}, []string{"1", "2", "3", "4", "5", "6"}))
	_, err := e.s.Create(ctx, e.upload("名单.csv", mismatch, ModeSkip))
	ae, ok := apperr.As(err)
	if !ok || ae.Key != "import.header_mismatch" {
		t.Fatalf("header mismatch: %v", err)
	}
	msg := ae.Error()
	for _, want := range []string{"Missing columns: 姓名, 备用电话", "Unexpected columns: 名字, 备注"} {
		if !strings.Contains(msg, want) {
			t.Errorf("header message %q lacks %q", msg, want)
		}
	}

	big := append(append([]byte{}, good...), bytes.Repeat([]byte("13800138001,张三,,,,\r\n"), 60_000)...)
	_, err = e.s.Create(ctx, e.upload("名单.csv", big, ModeSkip))
	if !apperr.Is(err, apperr.TooLarge) || !strings.Contains(err.Error(), "larger than 1 MB") {
		t.Fatalf("over-size file: %v", err)
	}

	for _, name := range []string{"客户 名单.csv", "a-b.csv", "名单.xls", "名单.txt", ".csv"} {
		if _, err := e.s.Create(ctx, e.upload(name, good, ModeSkip)); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("file name %q: %v, want refused", name, err)
		}
	}

	bomb := bombXLSX(t, 300, 0)
	_, err = e.s.Create(ctx, e.upload("炸弹.xlsx", bomb, ModeSkip))
	if ae, ok := apperr.As(err); !ok || ae.Key != "import.zip_bomb" {
		t.Fatalf("zip bomb: %v", err)
	}

	if n := e.jobRows(); n != 0 {
		t.Fatalf("%d job rows after refusals, want none", n)
	}
	if n := e.count(); n != 0 {
		t.Fatalf("%d records after refusals", n)
	}
}

// Rows with the same index value: the last one wins, the others are
// reported with the winner's line; re-importing changes nothing.
func TestImportDuplicates(t *testing.T) {
	e := newJobEnv(t)
	e.start(Options{})
	file := []byte(csvText(customerHeader,
		[]string{"13800138000", "第一", "", "", "1", ""},   // line 2: superseded
		[]string{"13900139000", "别人", "", "", "", ""},    // line 3
		[]string{"138-0013-8000", "第二", "", "", "2", ""}, // line 4: same customer, superseded
		[]string{"13800138000", "最后", "", "", "3", ""},   // line 5: wins
	))
	job := e.importFile("重复.csv", file, ModeSkip)
	wantDone(t, job, 2, 0, 0)
	if job.Duplicates != 2 {
		t.Fatalf("duplicates %d, want 2", job.Duplicates)
	}
	if r := e.record("13800138000"); r["姓名"] != "最后" || r["积分"] != "3" {
		t.Fatalf("stored %v, want the last row", r)
	}
	is := e.issues(job.ID)
	if len(is) != 2 || is[0].Line != 2 || is[1].Line != 4 || is[0].Column != "手机" ||
		is[0].Message.In(i18n.English) != "Same index value as line 5, which is imported instead." {
		t.Fatalf("issues %+v", is)
	}
	again := e.importFile("重复.csv", file, ModeSkip)
	wantDone(t, again, 0, 0, 0)
	if again.Unchanged != 2 {
		t.Fatalf("second import: %+v", again)
	}
}

// thousandRows is a file of 1,000 customers, three of them bad.
func thousandRows() ([]byte, map[int]string) {
	rows := [][]string{customerHeader}
	bad := map[int]string{} // line → column at fault
	for i := range 1000 {
		line := i + 2
		r := []string{fmt.Sprintf("139%08d", i), "客户" + strconv.Itoa(i), "", "普通", strconv.Itoa(i), "2001-01-01"}
		switch i {
		case 100:
			r[4], bad[line] = "很多", "积分" // not a number
		case 500:
			r[3], bad[line] = "钻石", "等级" // not in the dictionary
		case 900:
			r[1], bad[line] = "", "姓名" // mandatory
		}
		rows = append(rows, r)
	}
	return []byte("\uFEFF" + csvText(rows...)), bad
}

// Three bad rows among 1,000: 997 stored and the three reported with line
// and column (skip mode); nothing stored in all-or-nothing mode. The
// report never holds a cell value.
func TestImportBadRows(t *testing.T) {
	file, bad := thousandRows()
	t.Run("all-or-nothing", func(t *testing.T) {
		e := newJobEnv(t)
		e.start(Options{BatchSize: 100})
		job := e.importFile("名单.csv", file, ModeAll)
		if job.Status != StatusFailed || job.Rejected != 3 || job.Inserted != 0 || job.Failure().Key != "import.all_or_nothing" {
			t.Fatalf("all-or-nothing job %+v", job)
		}
		if n := e.count(); n != 0 {
			t.Fatalf("%d records stored in all-or-nothing mode", n)
		}
		if is := e.issues(job.ID); len(is) != 3 {
			t.Fatalf("issues %+v", is)
		}
	})
	t.Run("skip", func(t *testing.T) {
		e := newJobEnv(t)
		e.start(Options{BatchSize: 100})
		job := e.importFile("名单.csv", file, ModeSkip)
		wantDone(t, job, 997, 0, 3)
		if job.TotalRows != 1000 || job.RowsDone != 1000 {
			t.Fatalf("rows %d/%d", job.RowsDone, job.TotalRows)
		}
		if n := e.count(); n != 997 {
			t.Fatalf("%d records, want 997", n)
		}
		is := e.issues(job.ID)
		if len(is) != 3 {
			t.Fatalf("issues %+v", is)
		}
		for _, x := range is {
			if bad[x.Line] != x.Column {
				t.Errorf("issue at line %d column %q, want column %q", x.Line, x.Column, bad[x.Line])
			}
		}
		var report bytes.Buffer
		must(t, e.s.WriteReport(context.Background(), &report, e.tenant, job.ID, i18n.Chinese))
		for _, v := range []string{"很多", "钻石"} {
			if strings.Contains(report.String(), v) {
				t.Errorf("the report quotes the cell value %q", v)
			}
		}
		if !strings.Contains(report.String(), "102,积分,") {
			t.Errorf("report:\n%s", report.String())
		}
		again := e.importFile("名单.csv", file, ModeSkip)
		if again.Inserted != 0 || again.Updated != 0 || again.Unchanged != 997 {
			t.Fatalf("re-import %+v", again)
		}
	})
}

// The stored file is sealed: the plaintext of encrypted fields is nowhere
// in the job row, and a cancelled job drops it at once.
func TestStoredFileIsSealed(t *testing.T) {
	e := newJobEnv(t)
	ctx := context.Background()
	file := []byte(csvText(customerHeader, []string{"13812345678", "欧阳锋", "", "", "", ""}))
	job, err := e.s.Create(ctx, e.upload("名单.csv", file, ModeSkip)) // no workers: it stays queued
	must(t, err)
	var stored []byte
	must(t, e.db.NewSelect().Table("import_jobs").Column("file").Where("id = ?", job.ID).Scan(ctx, &stored))
	if len(stored) == 0 || bytes.Contains(stored, []byte("13812345678")) || bytes.Contains(stored, []byte("欧阳锋")) {
		t.Fatalf("stored file (%d bytes) is not sealed", len(stored))
	}
	// Bound to its job: as another job's file it does not open.
	if _, err := e.s.keys.Open(ctx, e.tenant, stored, fileAD(e.tenant, job.ID+1, job.FileCodec)); err == nil {
		t.Fatal("the sealed file opens for another job")
	}
	c, err := e.s.Cancel(ctx, e.tenant, job.ID)
	must(t, err)
	if c.Status != StatusCancelled {
		t.Fatalf("status %s", c.Status)
	}
	must(t, e.db.NewSelect().Table("import_jobs").Column("file").Where("id = ?", job.ID).Scan(ctx, &stored))
	if stored != nil {
		t.Fatal("a cancelled job keeps its file")
	}
	if _, err := e.s.Cancel(ctx, e.tenant, job.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second cancel: %v", err)
	}
	e.start(Options{})
	time.Sleep(300 * time.Millisecond)
	if n := e.count(); n != 0 {
		t.Fatalf("a cancelled import stored %d records", n)
	}
}

// A dry run shows the first rows as stored (masked) and every error, and
// stores nothing at all.
func TestDryRun(t *testing.T) {
	e := newJobEnv(t)
	file, bad := thousandRows()
	res, err := e.s.DryRun(context.Background(), e.upload("名单.csv", file, ModeSkip))
	must(t, err)
	if res.TotalRows != 1000 || res.Good != 997 || res.Rejected != 3 || len(res.Issues) != 3 || len(res.Preview) != PreviewRows {
		t.Fatalf("dry run %d/%d/%d, %d issues, %d preview rows", res.TotalRows, res.Good, res.Rejected, len(res.Issues), len(res.Preview))
	}
	for _, is := range res.Issues {
		if bad[is.Line] != is.Column {
			t.Errorf("issue %+v", is)
		}
	}
	first := res.Preview[0]
	if p := first.Field("手机"); p.Value != "*******0000" || !p.Masked {
		t.Errorf("phone shown as %+v, want masked", p)
	}
	if l := first.Field("等级"); l.Value != "普通" {
		t.Errorf("level shown as %+v", l)
	}
	if e.count() != 0 || e.jobRows() != 0 {
		t.Fatal("a dry run stored something")
	}
}

// Exports: masked unless revealed, formulas neutralised in CSV, phone
// numbers text in XLSX; templates for a published table.
func TestExportAndTemplates(t *testing.T) {
	e := newJobEnv(t)
	ctx := context.Background()
	for _, in := range []map[string]string{
		{"手机": "+8613800138000", "姓名": "=HYPERLINK(\"http://x\")", "备用电话": "+8613900139000", "等级": "2", "积分": "-12.5"},
		{"手机": "01065529988", "姓名": "@SUM(A1)", "备用电话": "=1+2"},
	} {
		_, err := e.ts.CreateRecord(ctx, e.tenant, e.table.ID, in)
		must(t, err)
	}
	var buf bytes.Buffer
	n, err := e.s.export(ctx, &buf, e.tenant, e.table.ID, FormatCSV, false)
	must(t, err)
	got := buf.String()
	if n != 2 || !strings.HasPrefix(got, "\uFEFF手机,姓名,备用电话,等级,积分,生日\r\n") {
		t.Fatalf("export of %d:\n%s", n, got)
	}
	for _, want := range []string{"*******8000", "+8613900139000", "'=1+2", ",VIP,-12.5,"} {
		if !strings.Contains(got, want) {
			t.Errorf("CSV export lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "HYPERLINK") || strings.Contains(got, "SUM(A1)") {
		t.Errorf("masked names leaked:\n%s", got)
	}
	buf.Reset()
	_, err = e.s.export(ctx, &buf, e.tenant, e.table.ID, FormatCSV, true)
	must(t, err)
	if !strings.Contains(buf.String(), `"'=HYPERLINK(""http://x"")"`) || !strings.Contains(buf.String(), "'@SUM(A1)") {
		t.Errorf("revealed export:\n%s", buf.String())
	}

	buf.Reset()
	_, err = e.s.export(ctx, &buf, e.tenant, e.table.ID, FormatXLSX, true)
	must(t, err)
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer f.Close()
	for cell, want := range map[string]string{"A2": "13800138000", "C2": "+8613900139000", "A3": "01065529988", "C3": "=1+2"} {
		v, _ := f.GetCellValue("Sheet1", cell)
		typ, _ := f.GetCellType("Sheet1", cell)
		formula, _ := f.GetCellFormula("Sheet1", cell)
		if v != want || formula != "" || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
			t.Errorf("%s = %q (type %v, formula %q), want text %q", cell, v, typ, formula, want)
		}
	}

	buf.Reset()
	must(t, e.s.Template(ctx, &buf, e.tenant, e.table.ID, FormatCSV))
	// The header, then the example row: each column's format (issue 14).
	if buf.String() != "\uFEFF手机,姓名,备用电话,等级,积分,生日\r\n13800138000,张三,13800138000,普通,100,2024-03-05\r\n" {
		t.Errorf("CSV template %q", buf.String())
	}
	buf.Reset()
	must(t, e.s.Template(ctx, &buf, e.tenant, e.table.ID, FormatXLSX))
	tf, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer tf.Close()
	dvs, err := tf.GetDataValidations("Sheet1")
	must(t, err)
	if len(dvs) != 1 || !strings.Contains(dvs[0].Formula1, "普通") {
		t.Errorf("drop-downs %+v", dvs)
	}
	for col, text := range map[string]bool{"A": true, "C": true, "D": false, "F": false} {
		id, _ := tf.GetColStyle("Sheet1", col)
		st, _ := tf.GetStyle(id)
		if (st != nil && st.NumFmt == textNumFmt) != text {
			t.Errorf("column %s text format %v, want %v", col, st != nil && st.NumFmt == textNumFmt, text)
		}
	}
}
