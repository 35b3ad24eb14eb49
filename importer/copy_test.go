package importer

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/screenpop/screenpop/testkit"
)

// batchesCopied reads the batches_copied of each import's "rows written"
// line, in order.
func batchesCopied(t *testing.T, log string) []int {
	t.Helper()
	var out []int
	for _, m := range regexp.MustCompile(`rows written.*batches_copied=(\d+)`).FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

func logTo(e *jobEnv) *testkit.LogBuffer {
	buf := &testkit.LogBuffer{}
	e.s.SetLogger(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return buf
}

// A first import into an empty table copies its rows in; importing the
// file again upserts (every row is stored) and changes nothing.
func TestImportCopiesIntoAnEmptyTable(t *testing.T) {
	e := newJobEnv(t)
	log := logTo(e)
	e.start(Options{BatchSize: 100})
	file, bad := thousandRows()
	job := e.importFile("千人.csv", file, ModeSkip)
	wantDone(t, job, 1000-len(bad), 0, len(bad))
	again := e.importFile("千人.csv", file, ModeSkip)
	wantDone(t, again, 0, 0, len(bad))
	if again.Unchanged != 1000-len(bad) {
		t.Fatalf("second import: %+v", again)
	}
	if got := batchesCopied(t, log.String()); len(got) != 2 || got[0] != 10 || got[1] != 0 {
		t.Fatalf("batches copied %v, want [10 0]", got)
	}
	if n, err := e.ts.RecordCount(context.Background(), e.table.ID); err != nil || n != e.count() || n != 1000-len(bad) {
		t.Fatalf("maintained count %d (%v), %d records", n, err, e.count())
	}
	if r := e.record("13900000042"); r["姓名"] != "客户42" || r["积分"] != "42" {
		t.Fatalf("a copied record reads back as %v", r)
	}
}

// A record another writer adds while an import copies rows in: the batch
// that holds its index value is upserted instead (the file's row wins, as
// it would have), and so is every batch after it.
func TestImportCopyMeetsAnotherWriter(t *testing.T) {
	e := newJobEnv(t)
	log := logTo(e)
	e.start(Options{BatchSize: 10, Writers: 1, BatchDelay: 100 * time.Millisecond})
	rows := [][]string{customerHeader}
	for i := range 100 {
		rows = append(rows, []string{fmt.Sprintf("139%08d", i), "客户" + strconv.Itoa(i), "", "", "", ""})
	}
	ctx := context.Background()
	job, err := e.s.Create(ctx, e.upload("名单.csv", []byte(csvText(rows...)), ModeSkip))
	must(t, err)
	for {
		got, err := e.s.Get(ctx, e.tenant, job.ID)
		must(t, err)
		if got.RowsDone >= 20 {
			if got.RowsDone >= 90 || got.Status.Finished() {
				t.Fatalf("the import passed line 90 before the other writer came (%d rows done)", got.RowsDone)
			}
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err = e.ts.CreateRecord(ctx, e.tenant, e.table.ID, map[string]string{"手机": "13900000095", "姓名": "别人"})
	must(t, err)
	done := e.wait(job.ID)
	wantDone(t, done, 99, 1, 0)
	if r := e.record("13900000095"); r["姓名"] != "客户95" {
		t.Fatalf("the file's row did not win: %v", r)
	}
	if got := batchesCopied(t, log.String()); len(got) != 1 || got[0] < 2 || got[0] > 9 {
		t.Fatalf("batches copied %v, want those before line 90 only", got)
	}
	if n := e.count(); n != 100 {
		t.Fatalf("%d records, want 100", n)
	}
}

// A CSV is stored packed (S2) and sealed; an XLSX, already a zip, as it
// came. A job stored before packing existed (no codec) still runs.
func TestStoredUploadPacked(t *testing.T) {
	e := newJobEnv(t)
	ctx := context.Background()
	file, bad := thousandRows()
	job, err := e.s.Create(ctx, e.upload("千人.csv", file, ModeSkip))
	must(t, err)
	var codec string
	var stored int
	must(t, e.db.NewRaw("SELECT file_codec, octet_length(file) FROM import_jobs WHERE id = ?", job.ID).Scan(ctx, &codec, &stored))
	if codec != "s2" || stored >= len(file)/2 {
		t.Fatalf("CSV stored as %q, %d bytes of %d", codec, stored, len(file))
	}
	// The codec is bound to the sealed bytes: a worker that would take a
	// packed file as it came (the previous version's) cannot open it.
	var sealedFile []byte
	must(t, e.db.NewRaw("SELECT file FROM import_jobs WHERE id = ?", job.ID).Scan(ctx, &sealedFile))
	if _, err := e.s.keys.Open(ctx, e.tenant, sealedFile, fileAD(e.tenant, job.ID, "")); err == nil {
		t.Fatal("a packed file opened as an unpacked one")
	}
	if _, err := e.s.keys.Open(ctx, e.tenant, sealedFile, fileAD(e.tenant, job.ID, "s2")); err != nil {
		t.Fatalf("a packed file does not open with its codec: %v", err)
	}
	book := buildXLSX(t, func(f *excelize.File) {
		_ = f.SetSheetRow("Sheet1", "A1", &[]any{"手机", "姓名", "备用电话", "等级", "积分", "生日"})
		_ = f.SetSheetRow("Sheet1", "A2", &[]any{"13700137000", "王五", "", "VIP", 12.5, "2000-02-29"})
	})
	xlsx, err := e.s.Create(ctx, e.upload("客户.xlsx", book, ModeSkip))
	must(t, err)
	must(t, e.db.NewRaw("SELECT file_codec FROM import_jobs WHERE id = ?", xlsx.ID).Scan(ctx, &codec))
	if codec != "" {
		t.Fatalf("XLSX stored as %q", codec)
	}

	// As a job queued by the previous version left it.
	sealed, err := e.s.keys.Seal(ctx, e.tenant, file, fileAD(e.tenant, job.ID, ""))
	must(t, err)
	_, err = e.db.NewUpdate().Table("import_jobs").Set("file = ?", sealed).Set("file_codec = ''").Where("id = ?", job.ID).Exec(ctx)
	must(t, err)
	e.start(Options{})
	wantDone(t, e.wait(job.ID), 1000-len(bad), 0, len(bad))
	e.wait(xlsx.ID)

	// Unpacking checks the size it was told.
	packed, codec := packFile(FormatCSV, file)
	if _, err := unpackFile(packed, codec, int64(len(file))+1); err == nil {
		t.Fatal("unpacked to a size other than the upload's")
	}
	if got, err := unpackFile(packed, codec, int64(len(file))); err != nil || !bytes.Equal(got, file) {
		t.Fatalf("round trip: %v", err)
	}
}
