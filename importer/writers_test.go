package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/tables"
)

// Two batches are written at once, yet they commit in file order and the
// job's rows_done always counts exactly the records committed, and they
// are the file's first rows (what a resumed job skips): looked at in one
// snapshot at any moment, and after a cancel cuts the import short.
func TestImportWritersCommitInOrder(t *testing.T) {
	e := newJobEnv(t)
	ctx := context.Background()
	const rows, batch = 2000, 20
	var b strings.Builder
	b.WriteString(csvText(customerHeader))
	for i := range rows {
		fmt.Fprintf(&b, "139%08d,客户%d,%d,,,\r\n", i, i, i) // 备用电话 (plain) holds the row's number
	}
	e.start(Options{BatchSize: batch, BatchDelay: 5 * time.Millisecond})
	job, err := e.s.Create(ctx, e.upload("名单.csv", []byte(b.String()), ModeSkip))
	must(t, err)

	var seqField int64
	for _, f := range e.table.Fields {
		if f.Name == "备用电话" {
			seqField = f.ID
		}
	}
	// Records beyond rows_done: a later batch committed before an earlier.
	snapshot := func() (done, records int, status Status) {
		t.Helper()
		var ahead int
		must(t, e.db.NewRaw(`SELECT j.rows_done, j.status,
			(SELECT count(*) FROM base_records r WHERE r.tenant_id = j.tenant_id AND r.table_id = j.table_id),
			(SELECT count(*) FROM base_records r WHERE r.tenant_id = j.tenant_id AND r.table_id = j.table_id
				AND (r.plain->>?)::int >= j.rows_done)
			FROM import_jobs j WHERE j.id = ?`, fmt.Sprint(seqField), job.ID).Scan(ctx, &done, &status, &records, &ahead))
		if ahead > 0 {
			t.Fatalf("%d records committed beyond rows_done %d", ahead, done)
		}
		return done, records, status
	}
	seen := 0
	for deadline := time.Now().Add(30 * time.Second); ; {
		done, records, status := snapshot()
		if done != records || done%batch != 0 {
			t.Fatalf("rows_done %d with %d records committed (%s)", done, records, status)
		}
		if done > 0 {
			seen++
		}
		if done >= rows/2 {
			break
		}
		if status.Finished() || time.Now().After(deadline) {
			t.Fatalf("import %s at %d rows before it could be cancelled", status, done)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if seen < 3 {
		t.Fatalf("only %d snapshots during the import", seen)
	}
	_, err = e.s.Cancel(ctx, e.tenant, job.ID)
	must(t, err)
	time.Sleep(300 * time.Millisecond) // the batches in flight roll back
	done, records, status := snapshot()
	if status != StatusCancelled || done != records || done >= rows {
		t.Fatalf("after the cancel: %s, rows_done %d, %d records", status, done, records)
	}
	time.Sleep(200 * time.Millisecond)
	if n := e.count(); n != records {
		t.Fatalf("%d records a while after the cancel, %d when it ended", n, records)
	}
}

// A batch that fails stops the import there: the batches before it commit
// (even while it is being written), those after it roll back, rows_done
// ends where the last good batch left it, and the failure returned is the
// batch's own, not a cancellation it caused.
func TestImportWriterFailureKeepsEarlierBatches(t *testing.T) {
	for _, writers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("%d writers", writers), func(t *testing.T) { testWriterFailure(t, writers) })
	}
}

func testWriterFailure(t *testing.T, writers int) {
	e := newJobEnv(t)
	ctx := context.Background()
	job, err := e.s.Create(ctx, e.upload("名单.csv", []byte(csvText(customerHeader, []string{"13900000000", "甲", "", "", "", ""})), ModeSkip))
	must(t, err)
	_, err = e.db.NewUpdate().Table("import_jobs").Set("status = ?", StatusRunning).Where("id = ?", job.ID).Exec(ctx)
	must(t, err)
	job, err = e.s.Get(ctx, e.tenant, job.ID)
	must(t, err)
	sc, err := e.s.importSchema(ctx, e.tenant, e.table.ID)
	must(t, err)

	// Six batches of ten rows, each with one issue (stored with seq = the
	// batch's number); seq 3 is taken already, so the fourth batch fails.
	const batches, size, failing = 6, 10, 3
	_, err = e.db.NewInsert().Model(&issueRow{JobID: job.ID, Seq: failing, Line: 1, ColumnName: "手机", Key: "x", Args: []any{}}).Exec(ctx)
	must(t, err)
	in := make(chan *batch, batches)
	for i := range batches {
		var rows []tables.Row
		for j := range size {
			row, errs := sc.ParseCells([]string{fmt.Sprintf("139%08d", i*size+j), "客户", "", "", "", ""})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			rows = append(rows, row)
		}
		enc, err := e.ts.EncodeRows(ctx, sc, rows)
		must(t, err)
		in <- &batch{n: size + 1, enc: enc, rejected: 1, issues: []Issue{{Line: i + 2, Column: "姓名", Message: apperr.Message{Key: "x"}}}}
	}
	close(in)
	err = e.s.writeBatches(ctx, job, in, Options{Writers: writers})
	if err == nil || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "23505") {
		t.Fatalf("writeBatches: %v, want the fourth batch's unique violation", err)
	}
	got, err := e.s.Get(ctx, e.tenant, job.ID)
	must(t, err)
	if got.RowsDone != failing*(size+1) || got.Inserted != failing*size || e.count() != failing*size {
		t.Fatalf("rows_done %d, inserted %d, %d records; want the first %d batches", got.RowsDone, got.Inserted, e.count(), failing)
	}
}
