// Package testkit is the harness every package's tests share: a PostgreSQL
// server, fresh databases cloned from a migrated template, and a headless
// Chromium (browser.go).
//
// Each test package wires it in once:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
//
// The server is the one DATABASE_URL names, or else a private throwaway
// cluster started for this test binary. It is brought up lazily, on the first
// call that needs it, so packages (or -run selections) that never touch the
// database do not pay for initdb.
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/pgserver"
	"github.com/screenpop/screenpop/migrations"
)

const (
	// templateLockKey serialises template builds across test binaries
	// sharing one server. It differs from the migrations package's key.
	templateLockKey = 0x5c9ee9_0002
	// inUseRetry bounds retries of CREATE DATABASE while something is still
	// connected to the template (PostgreSQL itself waits 5 s first).
	inUseRetry   = 10 * time.Second
	setupTimeout = 2 * time.Minute
	// privateClusterPrefix names the temp dirs of private clusters.
	privateClusterPrefix = "screenpop-test-"
	// staleAfter is how old a private cluster's directory must be, with no
	// postmaster running in it, before another test binary deletes it.
	staleAfter = time.Hour
)

// h is the per-test-binary state. Everything is created at most once, under
// mu, and torn down by Main.
var h harness

type harness struct {
	mu         sync.Mutex
	mainCalled bool

	serverOnce onceErr
	adminDSN   string
	admin      *bun.DB
	srv        *pgserver.Server // nil when DATABASE_URL is used
	tmpDir     string

	templateOnce onceErr
	template     string

	pkgOnce onceErr
	pkgName string
	pkgDSN  string
	pkgDB   *bun.DB
}

// onceErr runs a setup step once and remembers its error, so every later
// test fails fast with the same message instead of retrying a slow failure.
type onceErr struct {
	done bool
	err  error
}

func (o *onceErr) do(f func() error) error {
	if !o.done {
		o.done = true
		o.err = f()
	}
	return o.err
}

// Main runs the tests and then drops the package database and stops the
// private server, if any. Call it from TestMain: os.Exit(testkit.Main(m)).
// A failed cleanup fails the run, since it means leaked state.
func Main(m *testing.M) int {
	h.mu.Lock()
	h.mainCalled = true
	h.mu.Unlock()
	code := m.Run()
	if err := h.teardown(); err != nil {
		fmt.Fprintf(os.Stderr, "testkit: cleanup: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// DB returns the package database, a fresh clone of the migrated template
// created on first use and shared by every test in this binary. Tests that
// need isolation from each other use NewDatabase instead.
func DB(t testing.TB) *bun.DB {
	t.Helper()
	if err := h.packageDB(); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return h.pkgDB
}

// DSN returns the DSN of the package database that DB returns.
func DSN(t testing.TB) string {
	t.Helper()
	if err := h.packageDB(); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return h.pkgDSN
}

// NewDatabase creates a fresh database cloned from the migrated template and
// returns its DSN. It is dropped when the test ends; connections still open
// then are terminated.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if err := h.ensureTemplate(); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return h.newDatabase(t, h.template)
}

// NewDB is NewDatabase plus an open pool on it, closed before the database is
// dropped.
func NewDB(t testing.TB) *bun.DB {
	t.Helper()
	return open(t, NewDatabase(t))
}

// EmptyDatabase creates a fresh database with no migrations applied (a clone
// of template0), for tests of migrating up and down. It is dropped when the
// test ends.
func EmptyDatabase(t testing.TB) string {
	t.Helper()
	if err := h.ensureServer(); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return h.newDatabase(t, "template0")
}

// AdminDSN returns a DSN to the server's maintenance database: "postgres" on
// the private server, or DATABASE_URL's own database.
func AdminDSN(t testing.TB) string {
	t.Helper()
	if err := h.ensureServer(); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return h.adminDSN
}

func open(t testing.TB, dsn string) *bun.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db, err := database.Open(ctx, dsn, database.Options{MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func (h *harness) ensureServer() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ensureServerLocked()
}

func (h *harness) ensureServerLocked() error {
	if !h.mainCalled {
		return errors.New("TestMain must call os.Exit(testkit.Main(m)) before tests use the database")
	}
	return h.serverOnce.do(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
			h.adminDSN = dsn
		} else {
			sweepStaleClusters()
			dir, err := os.MkdirTemp("", privateClusterPrefix)
			if err != nil {
				return err
			}
			// Ephemeral: durability is worthless for a cluster deleted at
			// exit, and fsync dominates CREATE/DROP DATABASE otherwise.
			srv, err := pgserver.Start(ctx, pgserver.Options{DataDir: filepath.Join(dir, "data"), Ephemeral: true})
			if err != nil {
				_ = os.RemoveAll(dir)
				return fmt.Errorf("start a private PostgreSQL for the tests (or set DATABASE_URL to use a running server): %w", err)
			}
			h.srv, h.tmpDir = srv, dir
			h.adminDSN = srv.DSN("postgres")
		}
		admin, err := database.Open(ctx, h.adminDSN, database.Options{MaxOpenConns: 4})
		if err != nil {
			return err
		}
		h.admin = admin
		return nil
	})
}

// sweepStaleClusters deletes private clusters left by test binaries that
// were killed (e.g. by go test -timeout) before Main could clean up. Their
// postgres has already shut down, because pgserver asks the kernel to signal
// it when its parent dies; only the files remain. A directory counts as
// stale when it is old and has no postmaster.pid, so a binary still setting
// up or running is never touched.
func sweepStaleClusters() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), privateClusterPrefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < staleAfter {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		_ = os.RemoveAll(dir)
	}
}

// TemplateName is the template database for the current migrations. Naming
// it after their fingerprint means an edited migration gets a new template,
// while unchanged ones reuse the template left by earlier runs or by
// concurrent test binaries on the same server.
func TemplateName() string {
	return "screenpop_tpl_" + migrations.Fingerprint()[:12]
}

func (h *harness) ensureTemplate() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.ensureServerLocked(); err != nil {
		return err
	}
	return h.templateOnce.do(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		name := TemplateName()
		if err := buildTemplate(ctx, h.admin, h.adminDSN, name); err != nil {
			return fmt.Errorf("template database %s: %w", name, err)
		}
		h.template = name
		return nil
	})
}

// buildTemplate creates and migrates the template unless a finished one
// exists. "Finished" is marked by datistemplate, set only after migrations
// succeed, so a build that crashed half-way is detected and redone. The
// advisory lock makes concurrent test binaries build it once.
func buildTemplate(ctx context.Context, admin *bun.DB, adminDSN, name string) (err error) {
	conn, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", templateLockKey); err != nil {
		return fmt.Errorf("wait for lock: %w", err)
	}
	defer func() {
		_, unlockErr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", templateLockKey)
		err = errors.Join(err, unlockErr)
	}()

	var finished bool
	err = conn.QueryRowContext(ctx, "SELECT datistemplate FROM pg_database WHERE datname = ?", name).Scan(&finished)
	switch {
	case err == nil && finished:
		return nil
	case err == nil:
		if _, err := conn.ExecContext(ctx, "DROP DATABASE ? WITH (FORCE)", bun.Ident(name)); err != nil {
			return fmt.Errorf("drop unfinished template: %w", err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}

	// template0 rather than the default template1, so whatever someone
	// installed into template1 on a shared server does not leak in.
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE ? TEMPLATE template0", bun.Ident(name)); err != nil {
		return err
	}
	dsn, err := withDatabase(adminDSN, name)
	if err != nil {
		return err
	}
	tpl, err := database.Open(ctx, dsn, database.Options{MaxOpenConns: 2})
	if err != nil {
		return err
	}
	_, err = migrations.Up(ctx, tpl)
	// Closing the pool disconnects us; CREATE DATABASE ... TEMPLATE needs
	// the template to have no sessions.
	if closeErr := tpl.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Refusing connections keeps stray sessions (a psql, a test that opened
	// the wrong DSN) from blocking clones; IS_TEMPLATE marks it finished.
	_, err = conn.ExecContext(ctx, "ALTER DATABASE ? WITH ALLOW_CONNECTIONS false IS_TEMPLATE true", bun.Ident(name))
	return err
}

func (h *harness) packageDB() error {
	if err := h.ensureTemplate(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.pkgOnce.do(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		name, err := h.createDatabase(ctx, h.template)
		if err != nil {
			return err
		}
		h.pkgName = name
		if h.pkgDSN, err = withDatabase(h.adminDSN, name); err != nil {
			return err
		}
		h.pkgDB, err = database.Open(ctx, h.pkgDSN, database.Options{})
		return err
	})
}

// newDatabase clones template into a new database dropped at t's cleanup.
func (h *harness) newDatabase(t testing.TB, template string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name, err := h.createDatabase(ctx, template)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := h.dropDatabase(ctx, name); err != nil {
			t.Errorf("testkit: %v", err)
		}
	})
	dsn, err := withDatabase(h.adminDSN, name)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return dsn
}

// createDatabase runs CREATE DATABASE ... TEMPLATE, retrying while the
// template still has sessions (SQLSTATE 55006): right after the template is
// built, its backends may not have exited yet.
func (h *harness) createDatabase(ctx context.Context, template string) (string, error) {
	name := "screenpop_test_" + randomHex(8)
	deadline := time.Now().Add(inUseRetry)
	for {
		_, err := h.admin.ExecContext(ctx, "CREATE DATABASE ? TEMPLATE ?", bun.Ident(name), bun.Ident(template))
		if err == nil {
			return name, nil
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) {
			return "", fmt.Errorf("create database %s from %s: %w", name, template, err)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("create database %s from %s: %w", name, template, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (h *harness) dropDatabase(ctx context.Context, name string) error {
	// FORCE terminates sessions a test forgot to close.
	if _, err := h.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS ? WITH (FORCE)", bun.Ident(name)); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

func (h *harness) teardown() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	var errs []error
	if h.pkgDB != nil {
		errs = append(errs, h.pkgDB.Close())
	}
	if h.pkgName != "" {
		errs = append(errs, h.dropDatabase(ctx, h.pkgName))
	}
	if h.admin != nil {
		errs = append(errs, h.admin.Close())
	}
	if h.srv != nil {
		errs = append(errs, h.srv.Stop(ctx))
	}
	if h.tmpDir != "" {
		errs = append(errs, os.RemoveAll(h.tmpDir))
	}
	return errors.Join(errs...)
}

// withDatabase returns dsn pointing at database name instead. It handles
// both URL and keyword/value DSNs, the two forms DATABASE_URL may take.
func withDatabase(dsn, name string) (string, error) {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		rest, ok := strings.CutPrefix(dsn, scheme)
		if !ok {
			continue
		}
		// Split by hand rather than with net/url, which rejects libpq's
		// multi-host form (postgres://h1:5432,h2:5432/db).
		var query string
		if i := strings.IndexByte(rest, '?'); i >= 0 {
			rest, query = rest[:i], rest[i+1:]
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i]
		}
		if query != "" {
			// A dbname parameter would override the path.
			q, err := url.ParseQuery(query)
			if err != nil {
				return "", fmt.Errorf("parse DSN query: %w", err)
			}
			q.Del("dbname")
			query = q.Encode()
		}
		out := scheme + rest + "/" + url.PathEscape(name)
		if query != "" {
			out += "?" + query
		}
		return out, nil
	}
	// Keyword/value form: the last occurrence of a keyword wins, in pgx as
	// in libpq.
	return dsn + " dbname=" + name, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
