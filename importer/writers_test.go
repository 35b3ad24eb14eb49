package importer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
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
