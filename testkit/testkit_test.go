package testkit_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/migrations"
	"github.com/screenpop/screenpop/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

func tableExists(t *testing.T, db bun.IDB, table string) bool {
	t.Helper()
	var exists bool
	if err := db.QueryRowContext(t.Context(), "SELECT to_regclass(?) IS NOT NULL", table).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

func openDB(t *testing.T, dsn string) *bun.DB {
	t.Helper()
	db, err := database.Open(t.Context(), dsn, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestDB(t *testing.T) {
	began := time.Now()
	db := testkit.DB(t)
	t.Logf("first DB (server + template + clone): %s", time.Since(began))
	var one int
	if err := db.QueryRowContext(t.Context(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	if !tableExists(t, db, "tenants") {
		t.Fatal("package database is not migrated: no tenants table")
	}
	if testkit.DB(t) != db {
		t.Error("DB returned a different pool on the second call")
	}
	var name string
	if err := db.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "screenpop_test_") || !strings.Contains(testkit.DSN(t), name) {
		t.Errorf("current_database() = %s, DSN = %s", name, testkit.DSN(t))
	}
}

func TestNewDatabaseIsIndependent(t *testing.T) {
	began := time.Now()
	a := openDB(t, testkit.NewDatabase(t))
	t.Logf("NewDatabase: %s", time.Since(began))
	b := openDB(t, testkit.NewDatabase(t))
	for _, db := range []*bun.DB{a, b} {
		if !tableExists(t, db, "tenants") {
			t.Fatal("new database is not migrated: no tenants table")
		}
	}
	if _, err := a.ExecContext(t.Context(), "INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRowContext(t.Context(), "SELECT count(*) FROM tenants").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second database sees %d tenants written to the first", n)
	}
	// The migration bookkeeping came along with the schema.
	statuses, err := migrations.List(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range statuses {
		if !s.Applied {
			t.Errorf("migration %s not applied in clone", s.Name)
		}
	}
}

func TestNewDatabaseParallel(t *testing.T) {
	for range 4 {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			db := testkit.NewDB(t)
			if !tableExists(t, db, "tenants") {
				t.Fatal("no tenants table")
			}
		})
	}
}

func TestEmptyDatabase(t *testing.T) {
	db := openDB(t, testkit.EmptyDatabase(t))
	if tableExists(t, db, "tenants") {
		t.Fatal("empty database has a tenants table")
	}
	applied, err := migrations.Up(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || !tableExists(t, db, "tenants") {
		t.Fatalf("migrating the empty database applied %v", applied)
	}
}

func TestDatabasesAreDropped(t *testing.T) {
	var dsn string
	t.Run("make", func(t *testing.T) { dsn = testkit.NewDatabase(t) })
	// The subtest's cleanup has run; the database must be gone.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	db, err := database.Open(ctx, dsn, database.Options{})
	if err == nil {
		db.Close()
		t.Fatal("database from NewDatabase still exists after its test ended")
	}
	if !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unexpected error: %v", err)
	}
}

func TestAdminDSN(t *testing.T) {
	db := openDB(t, testkit.AdminDSN(t))
	var tpl bool
	err := db.QueryRowContext(t.Context(), "SELECT datistemplate FROM pg_database WHERE datname = ?", testkit.TemplateName()).Scan(&tpl)
	if err != nil || !tpl {
		t.Fatalf("template %s: datistemplate = %v, %v", testkit.TemplateName(), tpl, err)
	}
}

func TestBrowser(t *testing.T) {
	began := time.Now()
	ctx := testkit.Browser(t)
	t.Logf("browser start: %s", time.Since(began))
	if err := chromedp.Do(ctx, chromedp.Navigate("data:text/html,<title>screenpop</title><h1>hello</h1>")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "screenpop" {
		t.Fatalf("title = %q", title)
	}
	dir := t.TempDir()
	t.Setenv("SCREENPOP_ARTIFACTS", dir)
	testkit.Screenshot(t, ctx, "hello")
	png, err := os.ReadFile(dir + "/TestBrowser-hello.png")
	if err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Fatalf("screenshot: %d bytes, %v", len(png), err)
	}
}
