package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/pgproxy"
	"github.com/screenpop/screenpop/web"
)

// streamEnv is one instance on a real listener, as serve runs it, whose
// queries may go through a proxy the test can cut (the database "down")
// while its call listener and the test's own writes use the database
// directly.
type streamEnv struct {
	t        *testing.T
	eng      *engine.Engine
	direct   *bun.DB // the package database, not through the proxy
	proxy    *pgproxy.Proxy
	base     string
	tenantID int64
	slug     string
	logs     *logCapture
}

// logCapture keeps the log lines (and passes them to the test's log).
type logCapture struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, string(p))
	l.mu.Unlock()
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// count is how many lines contain s.
func (l *logCapture) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

func newStreamEnv(t *testing.T) *streamEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	direct := testkit.DB(t)
	proxy, dsn := pgproxy.New(t, testkit.DSN(t))
	db, err := database.Open(ctx, dsn, database.Options{MaxOpenConns: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	key, _ := masterkey.FromBytes(make([]byte, masterkey.Size))
	eng, err := engine.New(db, key)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logCapture{t: t}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng.Hub = calls.NewHub(direct.DB, log)
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "warn"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(eng, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	eng.Start(ctx)
	<-eng.Hub.Ready()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	tn, err := eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: name("st"), Name: "Streams"})
	if err != nil {
		t.Fatal(err)
	}
	return &streamEnv{t: t, eng: eng, direct: direct, proxy: proxy, base: "http://" + ln.Addr().String(),
		tenantID: tn.ID, slug: tn.Slug, logs: logs}
}

// agent makes an agent with the work number and returns a session token.
func (e *streamEnv) agent(workNo string) string {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: &e.tenantID, Username: name("agent"),
		Role: accounts.RoleAgent, Password: "stream-password-1", WorkNo: workNo})
	if err != nil {
		e.t.Fatal(err)
	}
	token, err := e.eng.Accounts.CreateSession(ctx, u.ID, "127.0.0.1", "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

// record stores events for the agent on the direct connection (the
// telephony side posting to another instance), all in one transaction when
// n > 1, so their notices arrive together.
func (e *streamEnv) record(workNo string, n int) []int64 {
	e.t.Helper()
	var ids []int64
	err := e.direct.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		for i := range n {
			ev, err := directCalls(e.t, tx).Record(ctx, e.tenantID, calls.EventInput{Event: calls.Ringing, WorkNo: workNo,
				CallData: map[string]string{"callid": fmt.Sprintf("%s-%d", workNo, i), "callerNum": "13800138000"}}, "api")
			if err != nil {
				return err
			}
			ids = append(ids, ev.ID)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// sseEvent is one event read from a stream.
type sseEvent struct {
	ID, Event, Data string
	HasID           bool
}

// sseStream is an open stream; Events closes when it ends.
type sseStream struct {
	Events <-chan sseEvent
	cancel context.CancelFunc
}

func (s *sseStream) Close() { s.cancel() }

// openStream opens the agent's stream with lastID as Last-Event-ID (""
// for none) and waits for the connected comment. A status other than 200
// is returned with a nil stream.
func (e *streamEnv) openStream(token, lastID string) (*sseStream, *http.Response) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/workspace/stream", nil)
	req.AddCookie(&http.Cookie{Name: "sp_session", Value: token})
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		cancel()
		return nil, resp
	}
	events := make(chan sseEvent, 1024)
	connected := make(chan struct{})
	go func() {
		defer close(events)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == ": connected":
				close(connected)
			case line == "":
				if ev.HasID || ev.Data != "" {
					events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID, ev.HasID = line[4:], true
			case strings.HasPrefix(line, "event: "):
				ev.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		e.t.Fatal("stream not connected within 10 s")
	}
	return &sseStream{Events: events, cancel: cancel}, resp
}

// next returns the stream's next event, failing after the timeout.
func (s *sseStream) next(t *testing.T, timeout time.Duration) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.Events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(timeout):
		t.Fatalf("no event within %v", timeout)
	}
	return sseEvent{}
}

// calls reads n call messages and returns their event ids, failing on a
// message that is not a call (resync events are skipped and counted).
func (s *sseStream) calls(t *testing.T, n int) (ids []int64, resyncs int) {
	t.Helper()
	for len(ids) < n {
		ev := s.next(t, 10*time.Second)
		if ev.Event == "resync" {
			resyncs++
			continue
		}
		var m struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &m); err != nil || m.Type != "call" {
			t.Fatalf("event %+v: want a call message", ev)
		}
		if ev.ID != fmt.Sprint(m.ID) {
			t.Fatalf("event id %q for message of event %d", ev.ID, m.ID)
		}
		ids = append(ids, m.ID)
	}
	return ids, resyncs
}

func sameIDs(got, want []int64) bool {
	return fmt.Sprint(got) == fmt.Sprint(want)
}

// directCalls is a calls service on db, as another instance has it: the
// tenant keyring under the tests' master key (zero bytes).
func directCalls(t *testing.T, db bun.IDB) *calls.Service {
	t.Helper()
	kr, err := tables.NewKeyring(db, make([]byte, masterkey.Size))
	if err != nil {
		t.Fatal(err)
	}
	return calls.New(db, kr)
}
