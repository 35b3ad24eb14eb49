package pgserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// start starts a cluster and makes sure it is stopped when the test ends,
// even if the test fails half-way.
func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	s, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return s
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func queryInt(t *testing.T, conn *pgx.Conn, sql string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestStartStopRestartKeepsData(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "var", "postgres")
	began := time.Now()
	s := start(t, Options{DataDir: dataDir})
	t.Logf("first start (initdb + postgres): %s", time.Since(began))
	if !s.Owned() {
		t.Fatal("Owned() = false for a server we started")
	}
	if want := filepath.Join(filepath.Dir(dataDir), "run"); s.SocketDir() != want {
		t.Errorf("SocketDir() = %s, want %s", s.SocketDir(), want)
	}
	if s.TCPAddr() != "" || s.TCPDSN("postgres") != "" {
		t.Errorf("TCP is on by default: %q %q", s.TCPAddr(), s.TCPDSN("postgres"))
	}
	if fi, err := os.Stat(s.PasswordFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("password file: %v, %v", fi, err)
	}
	pw1, _ := os.ReadFile(s.PasswordFile())

	conn := connect(t, s.DSN("postgres"))
	if n := queryInt(t, conn, "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 = %d", n)
	}
	if _, err := conn.Exec(t.Context(), "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(t.Context())

	began = time.Now()
	if err := s.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stop: %s", time.Since(began))
	select {
	case <-s.Done():
	default:
		t.Fatal("Done() not closed after Stop")
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid after clean shutdown: %v", err)
	}

	began = time.Now()
	s2 := start(t, Options{DataDir: dataDir})
	t.Logf("second start (existing cluster): %s", time.Since(began))
	if !s2.Owned() {
		t.Fatal("restarted server not owned")
	}
	conn2 := connect(t, s2.DSN("postgres"))
	if n := queryInt(t, conn2, "SELECT n FROM kept"); n != 42 {
		t.Fatalf("kept row = %d, want 42", n)
	}
	if pw2, _ := os.ReadFile(s2.PasswordFile()); string(pw1) != string(pw2) {
		t.Error("password file changed: the cluster was initialised again")
	}
}

func TestAttachToRunningCluster(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "pg")
	s1 := start(t, Options{DataDir: dataDir, Ephemeral: true})

	s2 := start(t, Options{DataDir: dataDir, Ephemeral: true})
	if s2.Owned() {
		t.Fatal("second Start on a running cluster claims to own it")
	}
	if s2.DSN("x") != s1.DSN("x") {
		t.Errorf("attached DSN %s != owner's %s", s2.DSN("x"), s1.DSN("x"))
	}
	if s2.Done() != nil {
		t.Error("Done() of an attached server should be nil")
	}
	// Stopping the attached handle must leave the cluster running.
	if err := s2.Stop(t.Context()); err != nil {
		t.Fatalf("Stop on attached: %v", err)
	}
	conn := connect(t, s2.DSN("postgres"))
	if n := queryInt(t, conn, "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 = %d", n)
	}
}

func TestConcurrentStartInitialisesOnce(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "pg")
	var (
		wg      sync.WaitGroup
		servers [3]*Server
		errs    [3]error
	)
	for i := range servers {
		wg.Go(func() {
			servers[i], errs[i] = Start(t.Context(), Options{DataDir: dataDir, Ephemeral: true, Logger: testLogger(t)})
		})
	}
	wg.Wait()
	owned := 0
	for i, s := range servers {
		if errs[i] != nil {
			t.Fatalf("Start %d: %v", i, errs[i])
		}
		t.Cleanup(func() { _ = s.Stop(context.Background()) })
		if s.Owned() {
			owned++
		}
		if n := queryInt(t, connect(t, s.DSN("postgres")), "SELECT 1"); n != 1 {
			t.Fatalf("SELECT 1 = %d", n)
		}
	}
	if owned != 1 {
		t.Fatalf("%d servers own the cluster, want exactly 1", owned)
	}
}

func TestTCPWithPassword(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	s := start(t, Options{DataDir: filepath.Join(t.TempDir(), "pg"), ListenAddr: port, Ephemeral: true})
	if s.TCPAddr() != port {
		t.Fatalf("TCPAddr() = %q, want %q", s.TCPAddr(), port)
	}
	dsn := s.TCPDSN("postgres")
	if n := queryInt(t, connect(t, dsn), "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 = %d", n)
	}
	// The socket still works, and TCP without the password does not.
	queryInt(t, connect(t, s.DSN("postgres")), "SELECT 1")
	if conn, err := pgx.Connect(t.Context(), "postgres://postgres:wrong@"+port+"/postgres?sslmode=disable"); err == nil {
		conn.Close(t.Context())
		t.Fatal("TCP login with a wrong password succeeded")
	}
}

func TestStartFailureIncludesLogTail(t *testing.T) {
	t.Parallel()
	// Hold the TCP port so postgres cannot bind it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Start(t.Context(), Options{DataDir: filepath.Join(t.TempDir(), "pg"), ListenAddr: l.Addr().String(), Ephemeral: true, Logger: testLogger(t)})
	if err == nil {
		t.Fatal("Start succeeded on a busy port")
	}
	if !strings.Contains(err.Error(), "could not") {
		t.Fatalf("error lacks the server log: %v", err)
	}
	t.Logf("expected error: %v", err)
}

func TestLongDataDirUsesShortSocketDir(t *testing.T) {
	t.Parallel()
	deep := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 40), "pg")
	s := start(t, Options{DataDir: deep, Ephemeral: true})
	if len(s.SocketDir()) > maxSocketPath-len("/.s.PGSQL.65535") {
		t.Fatalf("socket dir too long: %s", s.SocketDir())
	}
	queryInt(t, connect(t, s.DSN("postgres")), "SELECT 1")
	sock := s.SocketDir()
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary socket dir %s left behind: %v", sock, err)
	}
}

func TestTwoClustersShareSocketDir(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	a := start(t, Options{DataDir: filepath.Join(parent, "a"), Ephemeral: true})
	b := start(t, Options{DataDir: filepath.Join(parent, "b"), Ephemeral: true})
	if a.SocketDir() != b.SocketDir() || a.Port() == b.Port() {
		t.Fatalf("a: %s:%d b: %s:%d; want one dir, two ports", a.SocketDir(), a.Port(), b.SocketDir(), b.Port())
	}
	ca, cb := connect(t, a.DSN("postgres")), connect(t, b.DSN("postgres"))
	if _, err := ca.Exec(t.Context(), "CREATE TABLE only_in_a ()"); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, cb, "SELECT count(*) FROM pg_class WHERE relname = 'only_in_a'"); n != 0 {
		t.Fatal("b sees a's table: both DSNs reach the same cluster")
	}
}

func TestFindBinaries(t *testing.T) {
	dir, err := FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkBinDir(dir); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
}

func TestFindBinariesBogusEnv(t *testing.T) {
	t.Setenv("SCREENPOP_PG_BINDIR", "/nonexistent/pg/bin")
	t.Setenv("PATH", "")
	_, err := FindBinaries()
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "/nonexistent/pg/bin") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "install PostgreSQL server binaries (e.g. `apt-get install postgresql`) or set DATABASE_URL to use an existing server") {
		t.Fatalf("message lacks the advice: %v", err)
	}
}

func TestFindBinariesNotFound(t *testing.T) {
	t.Setenv("SCREENPOP_PG_BINDIR", "")
	t.Setenv("PATH", "")
	old := versionedBinGlob
	versionedBinGlob = filepath.Join(t.TempDir(), "*", "bin")
	t.Cleanup(func() { versionedBinGlob = old })
	_, err := FindBinaries()
	const want = "install PostgreSQL server binaries (e.g. `apt-get install postgresql`) or set DATABASE_URL to use an existing server"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		sign int
	}{{"9.6", "15", -1}, {"15", "15", 0}, {"16", "15", 1}, {"10", "9.6", 1}} {
		if got := compareVersions(c.a, c.b); sign(got) != c.sign {
			t.Errorf("compareVersions(%s, %s) = %d", c.a, c.b, got)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestRestartAfterCrash(t *testing.T) {
	t.Parallel()
	// Not ephemeral: with synchronous_commit off the commit below could
	// still sit in WAL buffers when the postmaster dies.
	dataDir := filepath.Join(t.TempDir(), "pg")
	s, err := Start(t.Context(), Options{DataDir: dataDir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	conn := connect(t, s.DSN("postgres"))
	if _, err := conn.Exec(t.Context(), "CREATE TABLE survived ()"); err != nil {
		t.Fatal(err)
	}
	// SIGKILL leaves postmaster.pid and the socket lock behind, and the
	// children notice their parent's death only after a moment, holding the
	// shared memory until then. Freeze one child for a second so that the
	// restart reliably meets that window.
	child := queryInt(t, conn, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
	if err := syscall.Kill(child, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(time.Second, func() { _ = syscall.Kill(child, syscall.SIGCONT) })
	if err := s.proc.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	if err := s.Stop(t.Context()); err == nil {
		t.Error("Stop after a crash reported success")
	}
	began := time.Now()
	s2 := start(t, Options{DataDir: dataDir})
	t.Logf("start after crash: %s", time.Since(began))
	if !s2.Owned() {
		t.Fatal("attached to a dead cluster")
	}
	if n := queryInt(t, connect(t, s2.DSN("postgres")), "SELECT count(*) FROM pg_class WHERE relname = 'survived'"); n != 1 {
		t.Fatal("table lost after crash recovery")
	}
}

func TestStalePidFileOfAnotherProgram(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "pg")
	s := start(t, Options{DataDir: dataDir, Ephemeral: true})
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	// A live process that is not postgres holds the recorded pid, as after
	// a reboot.
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	pidFile := fmt.Sprintf("%d\n%s\n0\n5432\n/nonexistent\n\n", sleeper.Process.Pid, dataDir)
	if err := os.WriteFile(filepath.Join(dataDir, "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s2 := start(t, Options{DataDir: dataDir, Ephemeral: true})
	if !s2.Owned() {
		t.Fatal("attached to a non-postgres process")
	}
	queryInt(t, connect(t, s2.DSN("postgres")), "SELECT 1")
}

func TestStalePidFileOfAnotherCluster(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	other := start(t, Options{DataDir: filepath.Join(parent, "other"), Ephemeral: true})
	dataDir := filepath.Join(parent, "pg")
	s := start(t, Options{DataDir: dataDir, Ephemeral: true})
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The recorded pid is alive and is a postgres, but serves another
	// data directory.
	pidFile := fmt.Sprintf("%d\n%s\n0\n%d\n%s\n\n", other.proc.Pid, dataDir, other.Port(), other.SocketDir())
	if err := os.WriteFile(filepath.Join(dataDir, "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s2 := start(t, Options{DataDir: dataDir, Ephemeral: true})
	if !s2.Owned() {
		t.Fatal("attached to another cluster's postmaster")
	}
}

func TestInterruptedInitdbIsRedone(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "pg")
	// What a killed initdb leaves: PG_VERSION and little else.
	if err := os.MkdirAll(filepath.Join(dataDir, "base"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dataDir+".initdb-incomplete", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, Options{DataDir: dataDir, Ephemeral: true})
	queryInt(t, connect(t, s.DSN("postgres")), "SELECT 1")
	if _, err := os.Stat(dataDir + ".initdb-incomplete"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("marker left after a successful initdb: %v", err)
	}
}

// A failing statement's text, parameters and conflicting key stay out of
// the server log (a duplicate-username insert used to log a bcrypt hash).
func TestFailedStatementsAreNotLogged(t *testing.T) {
	t.Parallel()
	s := start(t, Options{DataDir: filepath.Join(t.TempDir(), "pg")})
	conn := connect(t, s.DSN("postgres"))
	const canary = "canary-$2a$11$secrethashvalue"
	if _, err := conn.Exec(t.Context(), "CREATE TABLE u (name text PRIMARY KEY, hash text)"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO u VALUES ('bob', '" + canary + "')",
		"INSERT INTO u VALUES ('bob', '" + canary + "')", // duplicate key
		"SELECT 1/0 WHERE '" + canary + "' <> ''",
	} {
		_, _ = conn.Exec(t.Context(), q)
	}
	if _, err := conn.Exec(t.Context(), "INSERT INTO u VALUES ($1, $2)", "bob", canary); err == nil {
		t.Fatal("duplicate insert succeeded")
	}
	conn.Close(t.Context())
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(s.logFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(log), "secrethashvalue") || strings.Contains(string(log), "(name)=(bob)") {
		t.Fatalf("the server log holds a failed statement's values:\n%s", log)
	}
	if !strings.Contains(string(log), "duplicate key") {
		t.Fatalf("the error itself should still be logged:\n%s", log)
	}
}
