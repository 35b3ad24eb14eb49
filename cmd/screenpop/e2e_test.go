package main_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/testkit"
)

// binary is the screenpop executable, built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "screenpop-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "screenpop")
	// World-readable, so the tests can also run it as an unprivileged user.
	_ = os.Chmod(dir, 0o755)
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := testkit.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running `screenpop serve` process.
type server struct {
	t   *testing.T
	cmd *exec.Cmd
	URL string
	// MetricsURL is the metrics listener's base URL.
	MetricsURL string
	Logins     map[string]string // username → password, when printed
	Output     *strings.Builder
	done       chan struct{}
}

var (
	runningAt = regexp.MustCompile(`screenpop is running at (\S+)`)
	metricsAt = regexp.MustCompile(`^metrics: (\S+)/metrics`)
	loginLine = regexp.MustCompile(`^\s+(operator|admin|agent)\s+(\S+)\s+password: (\S+)`)
)

// startServer runs the binary with env added to a clean environment (no
// DATABASE_URL unless given) and waits until it prints its URL.
func startServer(t *testing.T, asUser *user.User, env ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0")
	// Metrics on a port of their own per instance: several run at once.
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "SCREENPOP_LOG_LEVEL=warn", "SCREENPOP_METRICS_ADDR=127.0.0.1:0"}, env...)
	if asUser != nil {
		uid, _ := strconv.Atoi(asUser.Uid)
		gid, _ := strconv.Atoi(asUser.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, Logins: map[string]string{}, Output: &strings.Builder{}, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{b: s.Output}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			s.Output.WriteString(line + "\n")
			if m := runningAt.FindStringSubmatch(line); m != nil {
				s.URL = m[1]
			}
			if m := metricsAt.FindStringSubmatch(line); m != nil {
				s.MetricsURL = m[1]
			}
			if m := loginLine.FindStringSubmatch(line); m != nil {
				s.Logins[m[2]] = m[3]
			}
			if strings.HasPrefix(line, "press Ctrl+C") {
				close(ready)
			}
			mu.Unlock()
		}
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	select {
	case <-ready:
	case <-s.done:
		t.Fatalf("serve exited early:\n%s", s.Output.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("serve did not come up in 90 s:\n%s", s.Output.String())
	}
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// stop sends SIGTERM, as Ctrl+C or a process manager would, and waits for a
// clean exit (which includes stopping the embedded PostgreSQL).
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if code := s.cmd.ProcessState.ExitCode(); code != 0 {
			s.t.Errorf("serve exited with %d:\n%s", code, s.Output.String())
		}
	case <-time.After(45 * time.Second):
		_ = s.cmd.Process.Kill()
		s.t.Errorf("serve did not stop within 45 s of SIGTERM")
	}
}

// signIn signs in through the login form (CSRF token from the page, a
// cookie jar) with a plain HTTP client; it returns the client and the
// status the form's POST got (303 when signed in).
func signIn(t *testing.T, base, username, password string) (*http.Client, int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on %s/login", base)
	}
	resp, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c, resp.StatusCode
}

// dataDirFor makes a data directory the given user (nil: the current one) owns.
func dataDirFor(t *testing.T, asUser *user.User) string {
	dir := filepath.Join(t.TempDir(), "var")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if asUser != nil {
		uid, _ := strconv.Atoi(asUser.Uid)
		gid, _ := strconv.Atoi(asUser.Gid)
		// The parent from t.TempDir is 0700 root; let the user reach its own dir.
		_ = os.Chmod(filepath.Dir(dir), 0o755)
		_ = os.Chmod(filepath.Dir(filepath.Dir(dir)), 0o755)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The `make run` path: no DATABASE_URL, an embedded cluster under the data
// dir, a URL and logins printed; signing in with them in a real browser shows
// the admin shell. Stopping and starting again keeps the data and does not
// seed again. Run as the current user and, when that is root, as an
// unprivileged user too.
func TestEmbeddedDefaultFirstRunInBrowser(t *testing.T) {
	type variant struct {
		name string
		as   *user.User
	}
	variants := []variant{{"current user", nil}}
	if os.Geteuid() == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("running as root, and no user 'nobody' to test the unprivileged path: %v", err)
		}
		variants[0].name = "root"
		variants = append(variants, variant{"unprivileged user", nobody})
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			dataDir := dataDirFor(t, v.as)
			env := []string{"SCREENPOP_DATA_DIR=" + dataDir, "HOME=" + dataDir}
			srv := startServer(t, v.as, env...)
			password := srv.Logins["demo.admin"]
			if srv.URL == "" || password == "" || srv.Logins["demo.agent"] == "" || srv.Logins["operator"] == "" {
				t.Fatalf("first start did not print URL and logins:\n%s", srv.Output.String())
			}

			ctx := testkit.Browser(t)
			err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL),
				chromedp.WaitVisible(`input[name=username]`),
				chromedp.SendKeys(`input[name=username]`, "demo.admin"),
				chromedp.SendKeys(`input[name=password]`, password),
				chromedp.Click(`button[type=submit]`),
				chromedp.WaitVisible(`nav.sidenav`),
			)
			if err != nil {
				t.Fatalf("browser: %v\nserver output:\n%s", err, srv.Output.String())
			}
			// Chromium asks for English; the switch in the top bar gives Chinese.
			for _, lang := range []struct {
				name, who string
				nav       []string
			}{
				{"en", "Tenant admin", []string{"Base tables", "Data", "Pages", "Pops", "Settings"}},
				{"zh", "租户管理员", []string{"基础表", "数据", "页面", "弹屏配置", "设置"}},
			} {
				if lang.name == "zh" {
					if err := chromedp.Do(ctx, chromedp.Click(`nav.langs a[href^="/lang?to=zh-CN"]`), chromedp.WaitVisible(`html[lang="zh-CN"] nav.sidenav`)); err != nil {
						t.Fatalf("language switch: %v", err)
					}
				}
				nav, err := chromedp.Run(ctx, chromedp.Text(`nav.sidenav`))
				if err != nil {
					t.Fatal(err)
				}
				who, err := chromedp.Run(ctx, chromedp.Text(`[data-testid=who]`))
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range lang.nav {
					if !strings.Contains(nav, want) {
						t.Errorf("%s: admin navigation %q lacks %q", lang.name, nav, want)
					}
				}
				if !strings.Contains(who, lang.who) {
					t.Errorf("%s: top bar shows %q, want the admin's role %q", lang.name, who, lang.who)
				}
			}
			testkit.Screenshot(t, ctx, "admin-shell-1280")
			// Usable at 790 px, the width of a call-center side panel: no
			// horizontal scrolling, navigation still reachable.
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(790, 900)); err != nil {
				t.Fatal(err)
			}
			overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if overflow {
				t.Error("the admin shell scrolls horizontally at 790 px")
			}
			testkit.Screenshot(t, ctx, "admin-shell-790")

			srv.stop()
			again := startServer(t, v.as, env...)
			if len(again.Logins) != 0 || !strings.Contains(again.Output.String(), "exist already") {
				t.Fatalf("second start seeded again:\n%s", again.Output.String())
			}
			if _, code := signIn(t, again.URL, "demo.admin", password); code != http.StatusSeeOther {
				t.Fatalf("after restart the first password gives %d, want 303 (data kept)", code)
			}
		})
	}
}

// Two instances on one (empty) database started at the same moment both
// come up: migrations run once under the lock, the demo is seeded once.
func TestTwoInstancesStartTogether(t *testing.T) {
	dsn := testkit.EmptyDatabase(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	env := []string{"DATABASE_URL=" + dsn, "SCREENPOP_MASTER_KEY_FILE=" + keyFile, "SCREENPOP_CREATE_MASTER_KEY=1",
		"SCREENPOP_DATA_DIR=" + t.TempDir()}
	servers := make([]*server, 2)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i] = startServer(t, nil, env...)
		}()
	}
	wg.Wait()
	seeded := 0
	for i, s := range servers {
		if s == nil {
			t.Fatalf("instance %d did not start", i)
		}
		resp, err := http.Get(s.URL + "/readyz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("instance %d not ready: %v %v", i, resp, err)
		}
		resp.Body.Close()
		if len(s.Logins) > 0 {
			seeded++
		}
	}
	if seeded != 1 {
		t.Fatalf("demo seeded by %d instances, want exactly 1", seeded)
	}
	// A login made through one instance is a session on the other: both
	// read one database.
	var password string
	for _, s := range servers {
		if p := s.Logins["demo.admin"]; p != "" {
			password = p
		}
	}
	for i, s := range servers {
		if _, code := signIn(t, s.URL, "demo.admin", password); code != http.StatusSeeOther {
			t.Errorf("instance %d: login gives %d", i, code)
		}
	}
}

// Missing PostgreSQL binaries give one message that says what to do.
func TestNoPostgresBinaries(t *testing.T) {
	cmd := exec.Command(binary, "migrate", "status")
	cmd.Env = []string{"PATH=/nonexistent", "SCREENPOP_PG_BINDIR=/nonexistent", "SCREENPOP_DATA_DIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("succeeded without PostgreSQL:\n%s", out)
	}
	if !strings.Contains(string(out), "apt-get install postgresql") || !strings.Contains(string(out), "DATABASE_URL") {
		t.Fatalf("message does not say what to install or set:\n%s", out)
	}
}

// Every command and sub-command answers --help: the test walks the
// command tree from the root's help, so a new command is covered too.
func TestHelpEverywhere(t *testing.T) {
	seen := 0
	var walk func(path []string)
	walk = func(path []string) {
		out, err := exec.Command(binary, append(path, "--help")...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Usage:") {
			t.Errorf("screenpop %s --help: %v\n%s", strings.Join(path, " "), err, out)
			return
		}
		seen++
		for _, sub := range subcommands(string(out)) {
			if sub != "help" && sub != "completion" {
				walk(append(append([]string{}, path...), sub))
			}
		}
	}
	walk(nil)
	if seen < 20 {
		t.Fatalf("walked only %d commands", seen)
	}
}

// subcommands lists the names under "Available Commands:" in cobra's help.
func subcommands(help string) []string {
	_, rest, ok := strings.Cut(help, "Available Commands:\n")
	if !ok {
		return nil
	}
	var names []string
	for _, line := range strings.Split(rest, "\n") {
		if strings.TrimSpace(line) == "" {
			break
		}
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// The CLI administers a database: tenant, user, API key, as the README shows.
func TestCLIAdministration(t *testing.T) {
	dsn := testkit.NewDatabase(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(binary, args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DATABASE_URL=" + dsn, "SCREENPOP_MASTER_KEY_FILE=" + keyFile, "SCREENPOP_CREATE_MASTER_KEY=1", "SCREENPOP_LOG_LEVEL=warn"}
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	steps := []struct {
		stdin   string
		args    []string
		wantErr bool
		want    string
	}{
		{"", []string{"tenant", "create", "acme", "--name", "ACME 客服"}, false, "created tenant acme"},
		{"", []string{"tenant", "create", "ACME", "--name", "x"}, true, "lowercase letters"},
		{"", []string{"tenant", "list"}, false, "acme"},
		{"pass-word-1\n", []string{"user", "create", "alice", "--tenant", "acme", "--role", "admin", "--permission", "reveal"}, false, "created admin alice"},
		{"short\n", []string{"user", "create", "bob", "--tenant", "acme", "--role", "agent"}, true, "At least 8 characters"},
		{"pass-word-2\n", []string{"user", "passwd", "alice"}, false, "password of alice changed"},
		{"", []string{"apikey", "create", "--tenant", "acme", "--name", "crm"}, false, "sp_"},
		{"", []string{"apikey", "create", "--tenant", "nope", "--name", "crm"}, true, "Tenant not found."},
		{"", []string{"migrate", "status"}, false, "applied"},
		{"", []string{"keys", "rotate", "--tenant", "acme"}, false, "none is left on an old key"},
		{"", []string{"keys", "rotate", "--tenant", "nope"}, true, "Tenant not found."},
	}
	for _, s := range steps {
		out, err := run(s.stdin, s.args...)
		if (err != nil) != s.wantErr || !strings.Contains(out, s.want) {
			t.Errorf("screenpop %s: err=%v, output:\n%s\nwant it to contain %q", strings.Join(s.args, " "), err, out, s.want)
		}
	}
}
