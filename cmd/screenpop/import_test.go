package main_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

// importEnv is a database with a tenant and a published table, and the
// environment for screenpop processes on it.
type importEnv struct {
	t     *testing.T
	db    *bun.DB
	env   []string
	dir   string
	slug  string
	table *tables.Table
}

func newImportEnv(t *testing.T) *importEnv {
	t.Helper()
	return newImportEnvOn(t, testkit.NewDatabase(t), t.TempDir())
}

// newImportEnvOn is newImportEnv on a migrated database of the caller's,
// with the master key in dir (made if missing).
func newImportEnvOn(t *testing.T, dsn, dir string) *importEnv {
	t.Helper()
	ctx := context.Background()
	keyFile := filepath.Join(dir, "master.key")
	key, err := masterkey.Load(keyFile, true)
	if err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(ctx, dsn, database.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng, err := engine.New(db, key)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: "acme", Name: "ACME"})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := eng.Tables.CreateTable(ctx, tn.ID, tables.TableInput{Name: "客户"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []tables.FieldInput{
		{Name: "手机", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
		{Name: "姓名", Encrypted: true, Type: tables.TypeString},
		{Name: "城市", Type: tables.TypeString},
	} {
		if _, err := eng.Tables.AddField(ctx, tn.ID, tb.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng.Tables.Publish(ctx, tn.ID, tb.ID); err != nil {
		t.Fatal(err)
	}
	return &importEnv{t: t, db: db, dir: dir, slug: tn.Slug, table: tb, env: []string{
		"PATH=" + os.Getenv("PATH"), "SCREENPOP_LOG_LEVEL=warn", "DATABASE_URL=" + dsn,
		"SCREENPOP_MASTER_KEY_FILE=" + keyFile, "SCREENPOP_DATA_DIR=" + dir,
	}}
}

// run runs screenpop to its end and returns its combined output.
func (e *importEnv) run(args ...string) (string, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env, cmd.Dir = e.env, e.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// start runs screenpop in the background.
func (e *importEnv) start(args ...string) (*exec.Cmd, *lockedWriter) {
	cmd := exec.Command(binary, args...)
	cmd.Env, cmd.Dir = e.env, e.dir
	out := &lockedWriter{b: &strings.Builder{}}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, out
}

// customerFile writes a CSV file of rows customers for the table.
func (e *importEnv) customerFile(rows int) string {
	e.t.Helper()
	var csv bytes.Buffer
	csv.WriteString("\uFEFF手机,姓名,城市\r\n")
	for i := range rows {
		fmt.Fprintf(&csv, "139%08d,客户%d,北京\r\n", i, i)
	}
	file := filepath.Join(e.dir, "客户名单.csv")
	if err := os.WriteFile(file, csv.Bytes(), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return file
}

// queue queues an import of file from the command line without running
// it, and returns the job's id.
func (e *importEnv) queue(file string) int64 {
	e.t.Helper()
	out, err := e.run("import", file, "--tenant", e.slug, "--table", "客户", "--no-wait")
	if err != nil {
		e.t.Fatalf("import --no-wait: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^(\d+)$`).FindStringSubmatch(out)
	if m == nil {
		e.t.Fatalf("no job id in:\n%s", out)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

type jobState struct {
	Status                                 string
	RowsDone, TotalRows, Inserted, Updated int
	Unchanged, Attempts                    int
	HasFile                                bool
}

func (e *importEnv) job(id int64) jobState {
	e.t.Helper()
	var s jobState
	err := e.db.NewRaw(`SELECT status, rows_done, total_rows, inserted, updated, unchanged, attempts, file IS NOT NULL
		FROM import_jobs WHERE id = ?`, id).Scan(context.Background(),
		&s.Status, &s.RowsDone, &s.TotalRows, &s.Inserted, &s.Updated, &s.Unchanged, &s.Attempts, &s.HasFile)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *importEnv) records() int {
	e.t.Helper()
	n, err := e.db.NewSelect().Table("base_records").Where("table_id = ?", e.table.ID).Count(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}

// waitFor polls until cond holds.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A worker killed (SIGKILL) in the middle of an import leaves whole batches
// only: the rows committed are exactly the batches its counters say. Another
// worker resumes the job after its last batch and finishes it; importing
// the same file again then changes nothing.
func TestImportSurvivesKilledWorker(t *testing.T) {
	e := newImportEnv(t)
	const rows, batch = 3000, 100
	file := e.customerFile(rows)
	// Queue it from the command line without running it.
	id := e.queue(file)
	if s := e.job(id); s.Status != "queued" || !s.HasFile {
		t.Fatalf("queued job: %+v", s)
	}

	// A slow worker: small batches with a pause after each.
	w1, w1out := e.start("worker", "--batch-size", fmt.Sprint(batch), "--batch-delay", "100ms")
	waitFor(t, "the first worker to commit 10 batches", 30*time.Second, func() bool { return e.job(id).RowsDone >= 1000 })
	if err := w1.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = w1.Wait()
	killed := e.job(id)
	n := e.records()
	t.Logf("killed at %d of %d rows (%d records)", killed.RowsDone, killed.TotalRows, n)
	if killed.Status != "running" || killed.RowsDone%batch != 0 || killed.RowsDone >= rows {
		t.Fatalf("after the kill: %+v\n%s", killed, w1out.b.String())
	}
	if n != killed.RowsDone || killed.Inserted != n {
		t.Fatalf("%d records committed, the job counts %d rows done and %d inserted: a partial batch", n, killed.RowsDone, killed.Inserted)
	}
	time.Sleep(300 * time.Millisecond)
	if e.records() != n {
		t.Fatal("records changed after the worker died")
	}

	// Another worker finds the orphaned job and resumes it.
	w2, w2out := e.start("worker", "--sweep-interval", "300ms")
	waitFor(t, "the job to be resumed and finish", 60*time.Second, func() bool { return e.job(id).Status != "running" })
	done := e.job(id)
	if done.Status != "done" || done.RowsDone != rows || done.Inserted != rows || done.Attempts != 2 || done.HasFile {
		t.Fatalf("resumed job: %+v\n%s", done, w2out.b.String())
	}
	if n := e.records(); n != rows {
		t.Fatalf("%d records after the resumed import, want %d", n, rows)
	}
	_ = w2.Process.Signal(syscall.SIGTERM)
	_ = w2.Wait()

	// The same file again, through the command line's own progress bar:
	// nothing changes.
	out, err := e.run("import", file, "--tenant", e.slug, "--table", "客户")
	if err != nil {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	for _, want := range []string{"100% 3000/3000 rows (done)", "3000 rows, 0 inserted, 0 updated, 3000 unchanged, 0 rejected"} {
		if !strings.Contains(out, want) {
			t.Errorf("second import output lacks %q:\n%s", want, out)
		}
	}
	if n := e.records(); n != rows {
		t.Fatalf("%d records after the second import", n)
	}
}

// The command line refuses what the UI refuses, before storing anything.
func TestImportCommandRefusals(t *testing.T) {
	e := newImportEnv(t)
	bad := filepath.Join(e.dir, "客户-名单.csv")
	if err := os.WriteFile(bad, []byte("手机,姓名,城市\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := e.run("import", bad, "--tenant", e.slug, "--table", "客户")
	if err == nil || !strings.Contains(out, "not \"-\"") {
		t.Fatalf("bad name: %v\n%s", err, out)
	}
	mismatch := filepath.Join(e.dir, "名单.csv")
	if err := os.WriteFile(mismatch, []byte("手机,名字\r\n1,2\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = e.run("import", mismatch, "--tenant", e.slug, "--table", "客户")
	if err == nil || !strings.Contains(out, "Missing columns: 姓名, 城市") || !strings.Contains(out, "Unexpected columns: 名字") {
		t.Fatalf("header mismatch: %v\n%s", err, out)
	}
	big := filepath.Join(e.dir, "大文件.csv")
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), 21<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = e.run("import", big, "--tenant", e.slug, "--table", "客户")
	if err == nil || !strings.Contains(out, "larger than 20 MB") {
		t.Fatalf("over-size: %v\n%s", err, out)
	}
	var jobs int
	if err := e.db.NewRaw("SELECT count(*) FROM import_jobs").Scan(context.Background(), &jobs); err != nil || jobs != 0 {
		t.Fatalf("%d jobs stored (%v)", jobs, err)
	}
}

// A template imported unchanged stores nothing, and the command says its
// example row was skipped (issue 14).
func TestImportCommandSkipsTemplateExample(t *testing.T) {
	e := newImportEnv(t)
	file := filepath.Join(e.dir, "模板.csv")
	if err := os.WriteFile(file, []byte("\uFEFF手机,姓名,城市\r\n13800138000,张三,示例\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"dry run", []string{"--dry-run"}, "example row (row 2, unchanged) would be skipped"},
		{"import", nil, "example row (row 2, unchanged) was skipped"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.run(append([]string{"import", file, "--tenant", e.slug, "--table", "客户"}, tt.args...)...)
			if err != nil || !strings.Contains(out, tt.want) || !strings.Contains(out, ": 0 rows") {
				t.Fatalf("%v\n%s", err, out)
			}
			if n := e.records(); n != 0 {
				t.Fatalf("%d records from the unchanged template", n)
			}
		})
	}
}
