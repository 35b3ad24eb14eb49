// Package pgserver runs a private PostgreSQL cluster as a child process, so
// that screenpop can be tried, developed and tested without anyone setting up
// a database server first. Production deployments point DATABASE_URL at a
// real server instead.
//
// The cluster lives in a data directory of our choosing and, by default,
// listens only on a Unix socket in a private directory next to it, where the
// "postgres" superuser is trusted. TCP on loopback, with a generated password,
// is opt-in.
package pgserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// superuser is the bootstrap role initdb creates and DSN connects as.
	superuser = "postgres"
	// defaultPort names the socket in socket-only mode. No TCP port is
	// opened then, so the number only has to be unique within the socket
	// directory.
	defaultPort = 5432
	// maxSocketPath keeps <socketdir>/.s.PGSQL.<port> inside sun_path
	// (108 bytes on Linux, less elsewhere).
	maxSocketPath = 100

	readyTimeout = 30 * time.Second
	stopTimeout  = 30 * time.Second
	// quitTimeout is how long an immediate shutdown (SIGQUIT) may take
	// before the postmaster is killed outright.
	quitTimeout = 10 * time.Second
)

// Options configures Start.
type Options struct {
	// DataDir is the cluster's data directory, e.g. "./var/postgres". It is
	// created and initialised if missing. Its parent also receives
	// <base>.lock, <base>.log, <base>.password (and, while initdb runs,
	// <base>.initdb-incomplete), and the socket directory run/.
	DataDir string
	// ListenAddr, when set (e.g. "127.0.0.1:54329"), also opens TCP on that
	// address with password (SCRAM) authentication; the password is in
	// PasswordFile. Empty means Unix socket only.
	ListenAddr string
	// Logger receives progress and anomalies; nil discards them.
	Logger *slog.Logger
	// Ephemeral trades durability for speed: initdb --no-sync and fsync,
	// synchronous_commit and full_page_writes off. Only for throwaway
	// clusters such as the test harness's: a crash (of the machine, not
	// only of postgres) can corrupt an ephemeral cluster.
	Ephemeral bool
}

// Server is a running cluster, either started by us (Owned) or found
// already running in the data directory.
type Server struct {
	log          *slog.Logger
	dataDir      string
	socketDir    string
	tempSocket   bool // socketDir is ours to remove once postgres exits
	port         int
	listenHost   string // "" when TCP is off
	logFile      string
	passwordFile string
	password     string

	// Set only when owned.
	proc     *os.Process
	exited   chan struct{} // closed once the postmaster has been reaped
	waitErr  error         // the postmaster's exit status; read after exited
	stopOnce sync.Once
	stopErr  error
}

// Start brings up the cluster in opts.DataDir: it attaches to a postmaster
// that is already serving that directory, or else runs initdb if needed and
// starts postgres, returning once it accepts connections. Concurrent Starts
// on one directory, in this or other processes, are serialised with a file
// lock, so only one of them initialises or starts the cluster.
func Start(ctx context.Context, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.DataDir == "" {
		return nil, errors.New("pgserver: Options.DataDir is empty")
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	listenHost, listenPort, err := parseListenAddr(opts.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("pgserver: ListenAddr %q: %w", opts.ListenAddr, err)
	}
	binDir, err := FindBinaries()
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}

	lock, err := acquireLock(ctx, dataDir+".lock", log)
	if err != nil {
		return nil, fmt.Errorf("pgserver: lock %s: %w", dataDir+".lock", err)
	}
	// Closing the file releases the flock. Holding it only until the server
	// is ready (not for its lifetime) lets a later Start attach to it.
	defer lock.Close()

	s := &Server{
		log:          log,
		dataDir:      dataDir,
		logFile:      dataDir + ".log",
		passwordFile: dataDir + ".password",
	}
	if pw, err := os.ReadFile(s.passwordFile); err == nil {
		s.password = strings.TrimSpace(string(pw))
	}

	attached, err := s.tryAttach(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	if attached {
		if opts.ListenAddr != "" && s.listenHost == "" {
			log.Warn("pgserver: the running cluster has no TCP listener; ListenAddr is ignored until it restarts", "listen", opts.ListenAddr)
		}
		log.Info("pgserver: attached to running PostgreSQL", "data", dataDir, "socket", s.socketDir, "port", s.port)
		return s, nil
	}

	initialized := false
	if v, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION")); err == nil && !exists(s.initdbMarker()) {
		initialized = true
		if binDir, err = binDirForCluster(binDir, strings.TrimSpace(string(v))); err != nil {
			return nil, fmt.Errorf("pgserver: %w", err)
		}
	}
	owner, err := chooseRunAs(dataDir, initialized)
	if err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	if !initialized {
		if err := s.initdb(ctx, binDir, owner, opts.Ephemeral); err != nil {
			return nil, fmt.Errorf("pgserver: %w", err)
		}
	} else if err := owner.ensureTraversable(dataDir, log); err != nil {
		return nil, fmt.Errorf("pgserver: %w", err)
	}

	if listenHost != "" && s.password == "" {
		log.Warn("pgserver: the password file is missing, so TCP clients cannot log in; set one with ALTER ROLE postgres PASSWORD over the socket",
			"password_file", s.passwordFile)
	}

	if err := s.prepareSocketDir(owner); err != nil {
		return nil, fmt.Errorf("pgserver: socket directory: %w", err)
	}
	s.listenHost, s.port = listenHost, listenPort
	if listenHost == "" {
		if s.port, err = pickPort(s.socketDir); err != nil {
			s.removeTempSocketDir()
			return nil, fmt.Errorf("pgserver: %w", err)
		}
	}
	if err := s.startRetrying(ctx, binDir, owner, opts.Ephemeral); err != nil {
		s.removeTempSocketDir()
		return nil, fmt.Errorf("pgserver: %w", err)
	}
	log.Info("pgserver: PostgreSQL started", "data", dataDir, "socket", s.socketDir, "port", s.port, "tcp", s.TCPAddr(), "log", s.logFile)
	return s, nil
}

// DSN returns a URL for pgx that connects to dbname over the Unix socket as
// the postgres superuser (trusted locally, so no password).
func (s *Server) DSN(dbname string) string {
	q := url.Values{"host": {s.socketDir}, "port": {strconv.Itoa(s.port)}, "sslmode": {"disable"}}
	u := url.URL{Scheme: "postgres", User: url.User(superuser), Path: "/" + dbname, RawQuery: q.Encode()}
	return u.String()
}

// TCPDSN returns a URL that connects to dbname over TCP with the password, or
// "" when the cluster has no TCP listener or the password is unknown.
func (s *Server) TCPDSN(dbname string) string {
	if s.listenHost == "" || s.password == "" {
		return ""
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, s.password),
		Host:     s.TCPAddr(),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// TCPAddr is the host:port postgres listens on, or "" for socket only.
func (s *Server) TCPAddr() string {
	if s.listenHost == "" {
		return ""
	}
	return net.JoinHostPort(s.listenHost, strconv.Itoa(s.port))
}

// Owned reports whether this Server started the postmaster (and so Stop
// shuts it down).
func (s *Server) Owned() bool { return s.proc != nil }

// DataDir is the absolute data directory.
func (s *Server) DataDir() string { return s.dataDir }

// SocketDir is the directory holding the Unix socket.
func (s *Server) SocketDir() string { return s.socketDir }

// Port is the port number in the socket name (and the TCP port, if any).
func (s *Server) Port() int { return s.port }

// LogFile is where initdb and postgres write their output.
func (s *Server) LogFile() string { return s.logFile }

// PasswordFile holds the superuser password for TCP clients (mode 0600).
func (s *Server) PasswordFile() string { return s.passwordFile }

// Done is closed when a postmaster we own exits, whether through Stop or
// not, so a caller can notice the database going away. It is nil (blocks
// forever) for an attached server, which we cannot watch.
func (s *Server) Done() <-chan struct{} {
	if s.proc == nil {
		return nil
	}
	return s.exited
}

// Stop shuts down a postmaster we own with a fast shutdown (SIGINT: roll back
// open transactions, disconnect clients, checkpoint) and waits for it to
// exit. If it has not exited after 30 s, or ctx ends first, it escalates to
// an immediate shutdown (SIGQUIT) and then to SIGKILL. For an attached
// server Stop does nothing: the cluster belongs to whoever started it.
// Stop is idempotent.
func (s *Server) Stop(ctx context.Context) error {
	if s.proc == nil {
		return nil
	}
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *Server) stop(ctx context.Context) error {
	defer s.removeTempSocketDir()
	select {
	case <-s.exited:
		return fmt.Errorf("pgserver: postgres had already exited (%v); see %s", s.waitErr, s.logFile)
	default:
	}
	if err := s.proc.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pgserver: signal postgres: %w", err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("pgserver: postgres exited with %w; see %s", s.waitErr, s.logFile)
		}
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	s.log.Warn("pgserver: fast shutdown is taking too long; sending SIGQUIT", "pid", s.proc.Pid)
	_ = s.proc.Signal(syscall.SIGQUIT)
	select {
	case <-s.exited:
	case <-time.After(quitTimeout):
		_ = s.proc.Kill()
		<-s.exited
	}
	return fmt.Errorf("pgserver: postgres did not finish a fast shutdown in time and was stopped with SIGQUIT (the next start will run crash recovery); see %s", s.logFile)
}

// tryAttach adopts a postmaster that already serves the data directory.
// It returns false when there is none, leaving a stale postmaster.pid to
// postgres, which replaces it itself when the recorded pid is dead.
func (s *Server) tryAttach(ctx context.Context) (bool, error) {
	pidPath := filepath.Join(s.dataDir, "postmaster.pid")
	pf, err := readPidFile(pidPath)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !processAlive(pf.pid) {
		return false, nil
	}
	if !servesDataDir(pf.pid, s.dataDir) {
		// After a reboot or in a fresh container the recorded pid can belong
		// to an unrelated process, and postgres would then refuse to start
		// ("lock file already exists").
		s.log.Warn("pgserver: removing a stale postmaster.pid whose pid now belongs to another process", "pid", pf.pid)
		if err := os.Remove(pidPath); err != nil {
			return false, err
		}
		return false, nil
	}
	if pf.socketDir == "" {
		return false, fmt.Errorf("postgres (pid %d) is already running in %s without a Unix socket; stop it or use DATABASE_URL", pf.pid, s.dataDir)
	}
	s.socketDir, s.port, s.listenHost = pf.socketDir, pf.port, pf.listenHost
	err = s.waitReady(ctx, nil, func() bool { return processAlive(pf.pid) })
	if errors.Is(err, errExited) {
		// It was shutting down; start our own.
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres (pid %d) is running in %s but %w", pf.pid, s.dataDir, err)
	}
	return true, nil
}

// initdb creates the cluster. The data directory must be missing or empty.
func (s *Server) initdb(ctx context.Context, binDir string, owner *runAs, ephemeral bool) error {
	// initdb writes PG_VERSION early, so a run that was killed (with us, or
	// by ctx) would leave a half-made cluster that looks initialised. The
	// marker exists only while initdb runs; finding it means exactly that.
	marker := s.initdbMarker()
	if exists(marker) {
		s.log.Warn("pgserver: removing the incomplete cluster of an interrupted initdb", "data", s.dataDir)
		if err := removeContents(s.dataDir); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(s.dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Mkdir(s.dataDir, 0o700); err != nil {
			return err
		}
	case err != nil:
		return err
	case len(entries) > 0:
		// Refuse before chown/chmod touch a directory that is not ours.
		return fmt.Errorf("%s is not empty and is not a PostgreSQL data directory (no PG_VERSION)", s.dataDir)
	}
	if err := os.Chmod(s.dataDir, 0o700); err != nil {
		return err
	}
	if err := owner.chown(s.dataDir); err != nil {
		return err
	}
	if err := owner.ensureTraversable(s.dataDir, s.log); err != nil {
		return err
	}
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		return err
	}

	// The password only matters for TCP, but is set now because it cannot be
	// recovered later; it is written before initdb so it is never lost.
	s.password = randomHex(16)
	if err := os.WriteFile(s.passwordFile, []byte(s.password+"\n"), 0o600); err != nil {
		return fmt.Errorf("write password file: %w", err)
	}
	pwfile, err := writeTempPwfile(s.password, owner)
	if err != nil {
		return err
	}
	defer os.Remove(pwfile)

	s.log.Info("pgserver: initialising a new PostgreSQL cluster", "data", s.dataDir, "bin", binDir)
	args := []string{
		"-D", s.dataDir,
		"-U", superuser,
		"--auth-local=trust",
		"--auth-host=scram-sha-256",
		"-E", "UTF8",
		"--pwfile", pwfile,
	}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	err = s.run(ctx, filepath.Join(binDir, "initdb"), owner, append(args, "--locale=C.UTF-8")...)
	if err != nil {
		// C.UTF-8 is missing on some older or minimal systems. initdb has
		// removed what it created, so a retry starts from empty again.
		s.log.Info("pgserver: initdb with C.UTF-8 failed; retrying with --no-locale", "err", err)
		err = s.run(ctx, filepath.Join(binDir, "initdb"), owner, append(args, "--no-locale")...)
	}
	if err != nil {
		// initdb cleans up after its own errors but not after being killed.
		if rmErr := removeContents(s.dataDir); rmErr == nil {
			_ = os.Remove(marker)
		}
		return fmt.Errorf("initdb: %w", err)
	}
	return os.Remove(marker)
}

func (s *Server) initdbMarker() string { return s.dataDir + ".initdb-incomplete" }

// removeContents empties dir but keeps it, since it may be a mount point.
func removeContents(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// run executes a helper program (initdb) as owner, appending its output to
// the log file, and includes the output in the error when it fails.
func (s *Server) run(ctx context.Context, path string, owner *runAs, args ...string) error {
	logf, from, err := s.openLog(filepath.Base(path))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = s.dataDir // our cwd may be unreadable for owner, and initdb resolves it
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: owner.credential(), Setpgid: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w\n%s", err, s.logTail(from))
	}
	return nil
}

// errOrphans marks a start that failed because children of a previous
// postmaster that crashed (or was SIGKILLed) are still attached to its
// shared memory. They exit by themselves once they notice, within moments.
var errOrphans = errors.New("processes of a crashed postmaster are still running")

// startRetrying runs start, retrying while errOrphans clears up.
func (s *Server) startRetrying(ctx context.Context, binDir string, owner *runAs, ephemeral bool) error {
	deadline := time.Now().Add(readyTimeout)
	for attempt := 0; ; attempt++ {
		err := s.start(ctx, binDir, owner, ephemeral)
		if err == nil || !errors.Is(err, errOrphans) || time.Now().After(deadline) {
			return err
		}
		if attempt == 0 {
			s.log.Info("pgserver: waiting for processes of a crashed postmaster to exit")
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// start launches the postmaster and waits until it accepts connections.
func (s *Server) start(ctx context.Context, binDir string, owner *runAs, ephemeral bool) error {
	args := []string{
		"-D", s.dataDir,
		"-k", s.socketDir,
		"-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=" + s.listenHost,
		"-c", "unix_socket_permissions=0700",
		"-c", "shared_buffers=128MB",
		"-c", "max_connections=200",
		// Our stderr is the log file; the collector would only add a process.
		"-c", "logging_collector=off",
		"-c", "cluster_name=screenpop",
		// A failed query must not put its statement (with bound values:
		// a bcrypt hash, a customer number) or the conflicting key
		// (DETAIL) into the log: errors are logged as their message only.
		"-c", "log_min_error_statement=panic",
		"-c", "log_error_verbosity=terse",
	}
	if ephemeral {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	logf, from, err := s.openLog("postgres")
	if err != nil {
		return err
	}
	// The child has its own copy of the descriptor once started.
	defer logf.Close()

	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	cmd.Dir = s.dataDir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: owner.credential(),
		// Our own process group, so a Ctrl-C in the terminal reaches only
		// us and we shut the application down before the database.
		Setpgid: true,
		// If we die without calling Stop, postgres shuts down (fast) instead
		// of lingering as an orphan nobody will stop.
		Pdeathsig: syscall.SIGINT,
	}

	started := make(chan error, 1)
	s.exited = make(chan struct{})
	go func() {
		// Pdeathsig fires when the OS thread that forked the child exits,
		// not the process. Go may retire idle threads that a goroutine
		// locked, so keep this thread locked and alive, blocked in Wait,
		// for as long as postgres runs.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.proc = cmd.Process

	if err := s.waitReady(ctx, s.exited, nil); err != nil {
		select {
		case <-s.exited:
		default:
			_ = s.proc.Signal(syscall.SIGQUIT)
			select {
			case <-s.exited:
			case <-time.After(quitTimeout):
				_ = s.proc.Kill()
				<-s.exited
			}
		}
		tail := s.logTail(from)
		if errors.Is(err, errExited) {
			err = fmt.Errorf("postgres exited during startup (%v)", s.waitErr)
			if strings.Contains(tail, "pre-existing shared memory block") {
				err = fmt.Errorf("%w: %w", errOrphans, err)
			}
		}
		s.proc = nil
		return fmt.Errorf("%w; log %s:\n%s", err, s.logFile, tail)
	}
	return nil
}

var errExited = errors.New("postgres exited")

// waitReady polls until the server answers a query. It gives up after
// readyTimeout, when exited closes, or when alive reports false.
func (s *Server) waitReady(ctx context.Context, exited <-chan struct{}, alive func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	dsn := s.DSN("postgres")
	for {
		err := ping(ctx, dsn)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			if ctxErr := context.Cause(ctx); !errors.Is(ctxErr, context.DeadlineExceeded) {
				return ctxErr
			}
			return fmt.Errorf("did not accept connections within %s: %w", readyTimeout, err)
		case <-time.After(100 * time.Millisecond):
		}
		if alive != nil && !alive() {
			return errExited
		}
	}
}

func ping(ctx context.Context, dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 2 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "SELECT 1")
	return err
}

// prepareSocketDir picks the socket directory: the data directory's sibling
// run/, which keeps the socket next to the cluster, unless the socket path
// would be too long or run/ already exists as something we did not make
// (with DataDir=/var/postgres that would be the system's /var/run, which must
// not be chmodded). Then a short private directory under os.TempDir is used.
func (s *Server) prepareSocketDir(owner *runAs) error {
	dir := filepath.Join(filepath.Dir(s.dataDir), "run")
	usable := len(dir)+len("/.s.PGSQL.65535") <= maxSocketPath
	if usable {
		err := os.Mkdir(dir, 0o700)
		switch {
		case err == nil:
			if err := owner.chown(dir); err != nil {
				return err
			}
		case errors.Is(err, fs.ErrExist):
			usable = isPrivateDirOf(dir, owner)
		default:
			return err
		}
	}
	if !usable {
		tmp, err := os.MkdirTemp("", "screenpop-pg-")
		if err != nil {
			return err
		}
		if err := owner.chown(tmp); err != nil {
			_ = os.Remove(tmp)
			return err
		}
		s.log.Info("pgserver: using a private temporary socket directory", "dir", tmp, "instead_of", dir)
		dir = tmp
		s.tempSocket = true
	}
	s.socketDir = dir
	return owner.ensureTraversable(dir, s.log)
}

// isPrivateDirOf reports whether dir is a real directory (not a symlink)
// owned by the cluster's user with mode 0700, i.e. one we created earlier.
func isPrivateDirOf(dir string, owner *runAs) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	uid := uint32(os.Geteuid())
	if owner != nil {
		uid = owner.uid
	}
	return st.Uid == uid
}

func (s *Server) removeTempSocketDir() {
	if s.tempSocket {
		_ = os.RemoveAll(s.socketDir)
	}
}

// pickPort returns the first port from 5432 whose socket name in dir is not
// held by a live process (per PostgreSQL's own .s.PGSQL.<port>.lock), so
// clusters sharing a socket directory do not collide.
func pickPort(dir string) (int, error) {
	for port := defaultPort; port < defaultPort+100; port++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf(".s.PGSQL.%d.lock", port)))
		if err != nil {
			return port, nil
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if pid, err := strconv.Atoi(strings.TrimSpace(line)); err != nil || !processAlive(pid) {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free socket name in %s", dir)
}

// openLog opens the log file for appending, writes a header naming what
// starts, and returns the offset where this run's output begins.
func (s *Server) openLog(what string) (*os.File, int64, error) {
	f, err := os.OpenFile(s.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, 0, err
	}
	from, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	fmt.Fprintf(f, "---- screenpop pgserver: %s starting at %s ----\n", what, time.Now().Format(time.RFC3339))
	return f, from, nil
}

// logTail returns the last lines the log gained since offset from.
func (s *Server) logTail(from int64) string {
	const maxBytes, maxLines = 8 << 10, 40
	f, err := os.Open(s.logFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		from = max(from, fi.Size()-maxBytes)
	}
	if _, err := f.Seek(max(from, 0), io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(f, maxBytes))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return strings.Join(lines, "\n")
}

// acquireLock takes an exclusive flock on path, polling so ctx can cancel
// the wait. The descriptor is close-on-exec, so postgres does not inherit
// (and keep holding) the lock.
func acquireLock(ctx context.Context, path string, log *slog.Logger) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	logged := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		if !logged {
			log.Info("pgserver: waiting for another process that is starting this cluster", "lock", path)
			logged = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// pidFile is what postmaster.pid records about a running postmaster.
type pidFile struct {
	pid        int
	port       int
	socketDir  string
	listenHost string
}

// readPidFile parses postmaster.pid: line 1 pid, 4 port, 5 first socket
// directory, 6 first listen address.
func readPidFile(path string) (pidFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return pidFile{}, err
	}
	lines := strings.Split(string(b), "\n")
	for len(lines) < 6 {
		lines = append(lines, "")
	}
	var pf pidFile
	if pf.pid, err = strconv.Atoi(strings.TrimSpace(lines[0])); err != nil {
		return pidFile{}, fmt.Errorf("%s: bad pid line %q", path, lines[0])
	}
	pf.port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	pf.socketDir = strings.TrimSpace(lines[4])
	pf.listenHost = strings.TrimSpace(lines[5])
	if pf.listenHost == "*" {
		pf.listenHost = "localhost"
	}
	return pf, nil
}

// processAlive reports whether pid exists; EPERM means it does but belongs
// to another user.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// servesDataDir reports whether pid is a postgres whose working directory
// is dataDir (the postmaster chdirs into its data directory). What /proc
// does not show is assumed true, leaving the decision to postgres.
func servesDataDir(pid int, dataDir string) bool {
	proc := fmt.Sprintf("/proc/%d", pid)
	if comm, err := os.ReadFile(proc + "/comm"); err == nil {
		name := strings.TrimSpace(string(comm))
		if !strings.HasPrefix(name, "postgres") && !strings.HasPrefix(name, "postmaster") {
			return false
		}
	}
	cwd, err := os.Stat(proc + "/cwd")
	if err != nil {
		return true
	}
	dir, err := os.Stat(dataDir)
	return err != nil || os.SameFile(cwd, dir)
}

func parseListenAddr(addr string) (host string, port int, err error) {
	if addr == "" {
		return "", 0, nil
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err = strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	if host == "" {
		// The documented intent is loopback; never all interfaces by accident.
		host = "127.0.0.1"
	}
	return host, port, nil
}

// childEnv is our environment without PG* variables: postgres and initdb
// read some of them (PGDATA, PGPORT, PGTZ...), and a developer's shell
// settings for psql must not reconfigure our cluster.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// writeTempPwfile writes the password where the (possibly different) cluster
// user can read it for initdb --pwfile.
func writeTempPwfile(password string, owner *runAs) (string, error) {
	f, err := os.CreateTemp("", "screenpop-pwfile-")
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(password + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = owner.chown(f.Name())
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
