package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/pgserver"
)

// The chaos test (issue 15): two instances on one PostgreSQL of their own,
// agents connected to both, call events posted steadily to both; meanwhile
// PostgreSQL restarts three times and instance A is killed with SIGKILL
// (its agents move to B, as behind a load balancer). Every accepted event
// (201) must reach its agent exactly once and in order, including agents
// that had no event before.
func TestChaosNoAcceptedEventLost(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos: about a minute")
	}
	ctx := t.Context()
	// A short directory: the cluster's socket path must fit in ~100 bytes,
	// and its socket directory and port must stay the same across restarts.
	dir, err := os.MkdirTemp("", "spchaos-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	pgOpts := pgserver.Options{DataDir: filepath.Join(dir, "pg"), Ephemeral: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	pg, err := pgserver.Start(ctx, pgOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	dsn := pg.DSN("postgres")

	keyFile := filepath.Join(dir, "master.key")
	env := []string{"DATABASE_URL=" + dsn, "SCREENPOP_MASTER_KEY_FILE=" + keyFile, "SCREENPOP_CREATE_MASTER_KEY=1",
		"SCREENPOP_DATA_DIR=" + dir}
	a := startServer(t, nil, env...)
	b := startServer(t, nil, env...)

	// The agents, an API key and the events some agents had before, made
	// through the engine's own accounts service on the same database.
	db, err := database.Open(ctx, dsn, database.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acc := accounts.New(db)
	acc.BcryptCost = 4
	tenant, err := acc.TenantBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := acc.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: tenant.ID, Name: "chaos"})
	if err != nil {
		t.Fatal(err)
	}
	const agents = 16
	poster := &chaosPoster{key: key, bases: []string{a.URL, b.URL}}
	var clients []*chaosClient
	for i := range agents {
		workNo := fmt.Sprintf("9%03d", i)
		u, err := acc.CreateUser(ctx, accounts.NewUser{TenantID: &tenant.ID, Username: "chaos" + workNo,
			Role: accounts.RoleAgent, Password: "chaos-password-1", WorkNo: workNo})
		if err != nil {
			t.Fatal(err)
		}
		token, err := acc.CreateSession(ctx, u.ID, "127.0.0.1", "chaos")
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 { // half the agents had a call before; the others none
			if _, ok := poster.post(workNo, "before-"+workNo); !ok {
				t.Fatal("posting the earlier call failed")
			}
		}
		// Agents alternate between the instances; A's move to B when A dies.
		home := []*server{a, b}[i%2]
		c := &chaosClient{workNo: workNo, token: token, bases: []string{home.URL, b.URL}, connected: make(chan struct{})}
		clients = append(clients, c)
	}
	clientCtx, stopClients := context.WithCancel(ctx)
	defer stopClients()
	for _, c := range clients {
		go c.run(clientCtx)
	}
	for _, c := range clients {
		c.waitConnected(t, 20*time.Second)
	}

	// Events flow: one sender per agent, one event at a time (a telephony
	// side reports an agent's events in order), alternating instances.
	postCtx, stopPosting := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; postCtx.Err() == nil; n++ {
				callID := fmt.Sprintf("%s-%d", c.workNo, n)
				if id, ok := poster.post(c.workNo, callID); ok {
					c.accept(id)
				}
				select {
				case <-postCtx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
	}

	restartPG := func(n int) {
		t.Helper()
		time.Sleep(4 * time.Second)
		start := time.Now()
		if err := pg.Stop(ctx); err != nil {
			t.Fatalf("stop PostgreSQL: %v", err)
		}
		time.Sleep(time.Second)
		if pg, err = pgserver.Start(ctx, pgOpts); err != nil {
			t.Fatalf("restart PostgreSQL: %v", err)
		}
		if got := pg.DSN("postgres"); got != dsn {
			t.Fatalf("PostgreSQL came back at %s, not %s", got, dsn)
		}
		t.Logf("PostgreSQL restart %d: down %v", n, time.Since(start).Round(time.Millisecond))
	}
	restartPG(1)
	restartPG(2)
	time.Sleep(3 * time.Second)
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.done
	t.Log("instance A killed with SIGKILL")
	restartPG(3)
	time.Sleep(4 * time.Second)
	stopPosting()
	wg.Wait()

	// Every accepted event arrives, within a while.
	deadline := time.Now().Add(30 * time.Second)
	for _, c := range clients {
		for !c.complete() && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	stopClients()

	var accepted, delivered, missing, dup, disorder, resyncs, reconnects int
	for _, c := range clients {
		c.mu.Lock()
		accepted += len(c.accepted)
		delivered += len(c.got)
		resyncs += c.resyncs
		reconnects += c.connects - 1
		seen := map[int64]int{}
		for i, id := range c.got {
			seen[id]++
			if seen[id] == 2 {
				dup++
			}
			if i > 0 && id <= c.got[i-1] {
				disorder++
			}
		}
		var lost []int64
		for _, id := range c.accepted {
			if seen[id] == 0 {
				lost = append(lost, id)
			}
		}
		missing += len(lost)
		if len(lost) > 0 {
			t.Errorf("agent %s: %d of %d accepted events never arrived, e.g. %v", c.workNo, len(lost), len(c.accepted), lost[:min(5, len(lost))])
		}
		c.mu.Unlock()
	}
	t.Logf("chaos: %d agents on 2 instances, 3 PostgreSQL restarts, 1 SIGKILL: %d events accepted, %d delivered, "+
		"%d missing, %d duplicated, %d out of order; %d post attempts failed; %d stream reconnects, %d resync events",
		agents, accepted, delivered, missing, dup, disorder, poster.failed.Load(), reconnects, resyncs)
	checkMetrics(t, b, delivered)
	if accepted < 200 {
		t.Errorf("only %d events accepted: the test did not exercise much", accepted)
	}
	if missing > 0 || dup > 0 || disorder > 0 {
		t.Errorf("%d missing, %d duplicated, %d out of order; want none\nB:\n%s", missing, dup, disorder, tail(b.Output.String(), 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// chaosPoster posts call events, alternating instances and moving on to
// the next when one fails.
type chaosPoster struct {
	key    string
	bases  []string
	next   atomic.Int64
	failed atomic.Int64
}

var chaosHTTP = &http.Client{Timeout: 5 * time.Second}

// post returns the stored event's id when an instance accepted it (201),
// trying the other instance when one does not answer.
func (p *chaosPoster) post(workNo, callID string) (int64, bool) {
	first := p.next.Add(1)
	for i := range int64(len(p.bases)) {
		if id, ok := p.postTo(p.bases[(first+i)%int64(len(p.bases))], workNo, callID); ok {
			return id, true
		}
		p.failed.Add(1)
	}
	return 0, false
}

func (p *chaosPoster) postTo(base, workNo, callID string) (int64, bool) {
	body := fmt.Sprintf(`{"event":"Ringing","workNo":%q,"callData":{"callerNum":"13800138000","callid":%q}}`, workNo, callID)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/calls/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.key)
	resp, err := chaosHTTP.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var out struct {
		ID int64 `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil || out.ID == 0 {
		return 0, false
	}
	return out.ID, true
}

// chaosClient is one agent's workspace: a stream that reconnects with
// Last-Event-ID, to its own instance or else the other, as a browser
// behind a load balancer would.
type chaosClient struct {
	workNo, token string
	bases         []string

	mu        sync.Mutex
	lastID    string
	accepted  []int64
	got       []int64 // event ids of the call messages, in arrival order
	resyncs   int
	connects  int
	connected chan struct{}
	once      sync.Once
}

func (c *chaosClient) accept(id int64) {
	c.mu.Lock()
	c.accepted = append(c.accepted, id)
	c.mu.Unlock()
}

func (c *chaosClient) complete() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range c.accepted {
		if !slices.Contains(c.got, id) {
			return false
		}
	}
	return true
}

func (c *chaosClient) waitConnected(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-c.connected:
	case <-time.After(timeout):
		t.Fatalf("agent %s: stream not connected within %v", c.workNo, timeout)
	}
}

func (c *chaosClient) run(ctx context.Context) {
	delay := 100 * time.Millisecond
	for i := 0; ctx.Err() == nil; i++ {
		for _, base := range c.bases {
			if c.stream(ctx, base) {
				delay = 100 * time.Millisecond
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// stream reads one connection until it ends; it reports whether it was
// answered with 200.
func (c *chaosClient) stream(ctx context.Context, base string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/workspace/stream", nil)
	req.AddCookie(&http.Cookie{Name: "sp_session", Value: c.token})
	c.mu.Lock()
	if c.lastID != "" {
		req.Header.Set("Last-Event-ID", c.lastID)
	}
	c.mu.Unlock()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c.mu.Lock()
	c.connects++
	c.mu.Unlock()
	c.once.Do(func() { close(c.connected) })
	r := bufio.NewReader(resp.Body)
	var id, event string
	var data []byte
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return true
		}
		line = bytes.TrimRight(line, "\n")
		switch {
		case len(line) == 0:
			c.dispatch(id, event, data)
			id, event, data = "", "", nil
		case bytes.HasPrefix(line, []byte("id: ")):
			id = string(line[4:])
		case bytes.HasPrefix(line, []byte("event: ")):
			event = string(line[7:])
		case bytes.HasPrefix(line, []byte("data: ")):
			data = append([]byte(nil), line[6:]...)
		}
	}
}

func (c *chaosClient) dispatch(id, event string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != "" {
		c.lastID = id
	}
	switch event {
	case "resync":
		c.resyncs++
	case "":
		var m struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		}
		if json.Unmarshal(data, &m) == nil && m.Type == "call" {
			c.got = append(c.got, m.ID)
		}
	}
}

// checkMetrics scrapes the instance's metrics listener (apart from its
// application port, which has no /metrics) and logs its call-event counts.
func checkMetrics(t *testing.T, s *server, delivered int) {
	t.Helper()
	if s.MetricsURL == "" {
		t.Fatal("the instance printed no metrics address")
	}
	resp, err := http.Get(s.MetricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	values := map[string]string{}
	for _, line := range strings.Split(string(body), "\n") {
		if name, value, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			values[name] = value
		}
	}
	for _, name := range []string{`screenpop_call_events_total{stage="accepted"}`, `screenpop_call_events_total{stage="delivered"}`,
		`screenpop_call_events_total{stage="replayed"}`, `screenpop_call_events_total{stage="resynchronised"}`,
		"screenpop_call_listener_up", "screenpop_call_listener_reconnects_total", "screenpop_workspace_streams_open",
		`go_sql_max_open_connections{db_name="screenpop"}`} {
		if values[name] == "" {
			t.Errorf("metric %s missing from %s/metrics", name, s.MetricsURL)
		}
	}
	if reconnects, _ := strconv.ParseFloat(values["screenpop_call_listener_reconnects_total"], 64); values["screenpop_call_listener_up"] != "1" || reconnects < 3 {
		t.Errorf("listener up %s, reconnects %s: want 1 and at least 3", values["screenpop_call_listener_up"], values["screenpop_call_listener_reconnects_total"])
	}
	t.Logf("B's metrics: accepted %s, delivered %s, replayed %s, resynchronised %s, listener reconnects %s (clients got %d)",
		values[`screenpop_call_events_total{stage="accepted"}`], values[`screenpop_call_events_total{stage="delivered"}`],
		values[`screenpop_call_events_total{stage="replayed"}`], values[`screenpop_call_events_total{stage="resynchronised"}`],
		values["screenpop_call_listener_reconnects_total"], delivered)
	if resp, err := http.Get(s.MetricsURL + "/debug/pprof/"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("pprof on the metrics listener: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get(s.URL + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the application port: %v %v, want 404", resp, err)
	} else {
		resp.Body.Close()
	}
}
