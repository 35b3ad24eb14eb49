// Package pgcluster starts a PostgreSQL primary with a streaming hot
// standby on this machine (Unix sockets, PostgreSQL's own replication:
// pg_basebackup -R), for tests of what screenpop does when the primary
// fails and the standby is promoted.
package pgcluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/screenpop/screenpop/internal/pgserver"
)

// Pair is a primary and its standby.
type Pair struct {
	Primary, Standby *pgserver.Server
	// LastFailover is how long the last Failover's steps took.
	LastFailover FailoverTimes
}

// Start runs a primary and a standby cloned from it, stopped when the test
// ends. Both live in one short temporary directory.
func Start(t testing.TB) *Pair {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sppair-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &Pair{}
	if p.Primary, err = pgserver.Start(ctx, pgserver.Options{DataDir: filepath.Join(dir, "primary"), Logger: log}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Primary.Stop(context.Background()) })

	binDir, err := pgserver.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	standbyDir := filepath.Join(dir, "standby")
	cmd := exec.Command(filepath.Join(binDir, "pg_basebackup"), "-D", standbyDir, "-R", "-X", "stream", "-c", "fast",
		"-h", p.Primary.SocketDir(), "-p", strconv.Itoa(p.Primary.Port()), "-U", "postgres")
	cmd.Dir = dir
	if err := os.Mkdir(standbyDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// The cluster runs as postgres; its copy must belong to it too.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(standbyDir, uid, gid); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	if p.Standby, err = pgserver.Start(ctx, pgserver.Options{DataDir: standbyDir, Logger: log}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Standby.Stop(context.Background()) })
	// Commits wait for the standby: an event accepted before the primary
	// fails is on the standby (asynchronous replication could lose the
	// last ones, by PostgreSQL's design).
	for _, q := range []string{"ALTER SYSTEM SET synchronous_standby_names = '*'", "SELECT pg_reload_conf()"} {
		if err := exec1(ctx, p.Primary.DSN("postgres"), q); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func exec1(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// DSN connects to whichever of the two is the primary (pgx tries the hosts
// in turn and keeps the one that accepts writes).
func (p *Pair) DSN(dbname string) string {
	q := url.Values{
		"host":                 {p.Primary.SocketDir() + "," + p.Standby.SocketDir()},
		"port":                 {fmt.Sprintf("%d,%d", p.Primary.Port(), p.Standby.Port())},
		"sslmode":              {"disable"},
		"target_session_attrs": {"read-write"},
	}
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + dbname, RawQuery: q.Encode()}
	return u.String()
}

// WaitReplayed waits until the standby has replayed what the primary has
// written so far.
func (p *Pair) WaitReplayed(ctx context.Context) error {
	lsn, err := queryString(ctx, p.Primary.DSN("postgres"), "SELECT pg_current_wal_lsn()::text")
	if err != nil {
		return err
	}
	for {
		done, err := queryString(ctx, p.Standby.DSN("postgres"), "SELECT (pg_last_wal_replay_lsn() >= '"+lsn+"'::pg_lsn)::text")
		if err == nil && done == "true" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("standby did not replay up to %s: %v", lsn, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Failover stops the primary at once (immediate shutdown, as a crash) and
// promotes the standby; it returns when the standby accepts writes. The
// time each step took is in LastFailover.
func (p *Pair) Failover(ctx context.Context) error {
	start := time.Now()
	// A context already ended makes Stop go straight to an immediate
	// shutdown (SIGQUIT): no checkpoint, clients cut, as in a crash.
	ended, cancel := context.WithCancel(ctx)
	cancel()
	stopped := make(chan struct{})
	go func() {
		_ = p.Primary.Stop(ended)
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(crashGrace):
		// A server process that does not exit on SIGQUIT holds the
		// postmaster until PostgreSQL kills it, 5 s later (seen in about
		// one run in ten, with an import under way); a crashed machine
		// does not wait.
		killCluster(p.Primary.DataDir())
		<-stopped
	}
	p.LastFailover.Stop = time.Since(start)
	start = time.Now()
	if _, err := queryString(ctx, p.Standby.DSN("postgres"), "SELECT pg_promote(true, 30)::text"); err != nil {
		return fmt.Errorf("promote: %w", err)
	}
	p.LastFailover.Promote = time.Since(start)
	return nil
}

// crashGrace is how long Failover lets the primary's processes exit by
// themselves.
const crashGrace = time.Second

// killCluster sends SIGKILL to the postmaster of dataDir and to its child
// processes (each is a process group of its own, so one signal to the
// group does not reach them).
func killCluster(dataDir string) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		stat, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := strings.LastIndexByte(string(stat), ')')
		if fields := strings.Fields(string(stat[i+1:])); i > 0 && len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			if child, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
				_ = syscall.Kill(child, syscall.SIGKILL)
			}
		}
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// FailoverTimes is how long the steps of a failover took.
type FailoverTimes struct {
	Stop    time.Duration // the primary's processes gone
	Promote time.Duration // the standby promoted and accepting writes
}

func queryString(ctx context.Context, dsn, sql string) (string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var s string
	err = conn.QueryRow(ctx, sql).Scan(&s)
	return s, err
}
