package main_test

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/screenpop/screenpop/testkit/pgcluster"
)

// Failover (issue 15): an instance on a primary and its synchronous
// standby (one DATABASE_URL with both hosts and
// target_session_attrs=read-write). The primary crashes and the standby is
// promoted while call events flow and an import runs: the instance's pool,
// call listener and import workers find the new primary by themselves;
// events are accepted again within 10 s; every accepted event reaches its
// agent once, in order; and the import resumes to exact counts.
func TestFailoverToPromotedStandby(t *testing.T) {
	if testing.Short() {
		t.Skip("failover: about 25 s")
	}
	ctx := t.Context()
	pair := pgcluster.Start(t)
	dsn := pair.DSN("postgres")
	dir := t.TempDir()
	s := startServer(t, nil, "DATABASE_URL="+dsn, "SCREENPOP_MASTER_KEY_FILE="+filepath.Join(dir, "master.key"),
		"SCREENPOP_CREATE_MASTER_KEY=1", "SCREENPOP_DATA_DIR="+dir)

	// A table to import into, in a tenant of its own, and the file.
	imp := newImportEnvOn(t, dsn, dir)
	const rows = 12000
	file := imp.customerFile(rows)

	rig := newEventRig(t, dsn, "demo", "fo", []string{s.URL})
	var clients []*agentClient
	for i := range 4 {
		clients = append(clients, rig.agent(fmt.Sprintf("8%03d", i), []string{s.URL}))
	}
	stopStreams := connect(t, clients)

	// Back, for events and for pops: the first success of a request sent
	// once the primary was gone (goneAt, known when Failover returns).
	var mu sync.Mutex
	var goneAt time.Time
	type attempt struct{ sent, done time.Time }
	var accepted []attempt
	stopPosting := postSteadily(t, rig.poster, clients, 50*time.Millisecond, func(sentAt time.Time, ok bool) {
		if ok {
			mu.Lock()
			accepted = append(accepted, attempt{sentAt, time.Now()})
			mu.Unlock()
		}
	})
	backAfter := func(crashAt time.Time, as []attempt) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		for _, a := range as {
			if !goneAt.IsZero() && a.sent.After(goneAt) {
				return a.done.Sub(crashAt)
			}
		}
		return 0
	}

	// Events flow a while; then an import starts, run by the instance's own
	// workers, and the primary fails once it is under way.
	time.Sleep(2 * time.Second)
	if code := popStatus(s.URL + clients[0].pop()); code != http.StatusOK {
		t.Fatalf("pop %q before the crash: %d, want 200", clients[0].pop(), code)
	}
	job := imp.queue(file)
	waitFor(t, "the import to commit a few batches", 60*time.Second, func() bool { return imp.job(job).RowsDone >= 2000 })

	// Pop pages (the demo's customer lookup, from the signed link each call
	// brings; a link is good once; one answered above): from the crash on,
	// the links of the calls that follow are opened until one answers.
	crashAt := time.Now()
	popBack := make(chan time.Duration, 1)
	go func() {
		opened := map[string]bool{}
		for ctx.Err() == nil {
			for _, c := range clients {
				if link := c.pop(); link != "" && !opened[link] {
					opened[link] = true
					sent := time.Now()
					if popStatus(s.URL+link) == http.StatusOK {
						if back := backAfter(crashAt, []attempt{{sent, time.Now()}}); back > 0 {
							popBack <- back
							return
						}
					}
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	if err := pair.Failover(ctx); err != nil {
		t.Fatal(err)
	}
	promoted := time.Since(crashAt)
	mu.Lock()
	goneAt = crashAt.Add(pair.LastFailover.Stop)
	mu.Unlock()
	atCrash := importProgress(t, imp, job) // what the promoted standby has
	time.Sleep(8 * time.Second)
	stopPosting()
	n := tally(t, clients, 20*time.Second, stopStreams)

	mu.Lock()
	events := accepted
	mu.Unlock()
	back := backAfter(crashAt, events)
	var pop time.Duration
	select {
	case pop = <-popBack:
	case <-time.After(10 * time.Second):
		t.Errorf("no pop page answered in the 18 s after the crash\n%s", tail(s.Output.String(), 3000))
	}
	t.Logf("failover: primary crashed and standby promoted in %v (stop %v, promote %v); pop page back %v and events accepted again %v after the crash; %v",
		promoted.Round(time.Millisecond), pair.LastFailover.Stop.Round(time.Millisecond), pair.LastFailover.Promote.Round(time.Millisecond),
		pop.Round(time.Millisecond), back.Round(time.Millisecond), n)
	if pop > 10*time.Second {
		t.Errorf("pop page back after %v, want under 10 s", pop)
	}
	if back == 0 || back > 10*time.Second {
		t.Errorf("events accepted again after %v, want under 10 s\n%s", back, tail(s.Output.String(), 3000))
	}
	if n.missing > 0 || n.duplicated > 0 || n.disordered > 0 {
		t.Errorf("%d missing, %d duplicated, %d out of order; want none\n%s", n.missing, n.duplicated, n.disordered, tail(s.Output.String(), 3000))
	}

	// The import resumes on the new primary after its last whole batch.
	if atCrash.Status != "running" && atCrash.Status != "queued" || atCrash.RowsDone == 0 || atCrash.RowsDone >= rows {
		t.Fatalf("import when the primary failed: %+v; want it under way", atCrash)
	}
	if atCrash.records != atCrash.RowsDone || atCrash.Inserted != atCrash.RowsDone {
		t.Errorf("on the new primary: %d records, the job counts %d rows done and %d inserted: a partial batch",
			atCrash.records, atCrash.RowsDone, atCrash.Inserted)
	}
	waitFor(t, "the import to resume and finish", 90*time.Second, func() bool {
		st := imp.job(job).Status
		return st != "queued" && st != "running"
	})
	done := imp.job(job)
	records := imp.records()
	t.Logf("import: %d of %d rows done when the primary failed; resumed to %+v, %d records", atCrash.RowsDone, rows, done, records)
	if done.Status != "done" || done.RowsDone != rows || done.TotalRows != rows || done.Inserted != rows ||
		done.Updated != 0 || done.Attempts < 2 || records != rows {
		t.Errorf("resumed import: %+v with %d records; want done, %d rows inserted once, a second attempt\n%s", done, records, rows, tail(s.Output.String(), 3000))
	}
}

// importSnapshot is a job and its table's records, read at one moment.
type importSnapshot struct {
	jobState
	records int
}

// importProgress reads the job and counts the records in one statement, so
// a batch the worker commits meanwhile cannot split the two.
func importProgress(t *testing.T, e *importEnv, id int64) importSnapshot {
	t.Helper()
	var s importSnapshot
	err := e.db.NewRaw(`SELECT j.status, j.rows_done, j.inserted,
		(SELECT count(*) FROM base_records WHERE table_id = ?) FROM import_jobs AS j WHERE j.id = ?`, e.table.ID, id).
		Scan(t.Context(), &s.Status, &s.RowsDone, &s.Inserted, &s.records)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// popStatus is the status a pop page answers with (0: no answer).
func popStatus(url string) int {
	resp, err := eventHTTP.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
