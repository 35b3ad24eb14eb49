package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/database"
)

// What the chaos and failover tests share: agents with their workspace
// streams, a sender of call events per agent, and the tally of what
// arrived. The instances and the database faults are each test's own.

// eventRig is a tenant's agents and an API key on a database the
// instances under test use.
type eventRig struct {
	t      *testing.T
	db     *bun.DB
	acc    *accounts.Service
	tenant *accounts.Tenant
	poster *eventPoster
	name   string
}

// newEventRig opens the database at dsn (closed when the test ends) and
// makes an API key of the tenant for posting to bases.
func newEventRig(t *testing.T, dsn, tenantSlug, name string, bases []string) *eventRig {
	t.Helper()
	ctx := t.Context()
	db, err := database.Open(ctx, dsn, database.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	acc := accounts.New(db)
	acc.BcryptCost = 4
	tenant, err := acc.TenantBySlug(ctx, tenantSlug)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := acc.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: tenant.ID, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return &eventRig{t: t, db: db, acc: acc, tenant: tenant, poster: &eventPoster{key: key, bases: bases}, name: name}
}

// agent makes an agent with a session; its stream tries bases in turn.
func (r *eventRig) agent(workNo string, bases []string) *agentClient {
	r.t.Helper()
	ctx := r.t.Context()
	u, err := r.acc.CreateUser(ctx, accounts.NewUser{TenantID: &r.tenant.ID, Username: r.name + workNo,
		Role: accounts.RoleAgent, Password: r.name + "-password-1", WorkNo: workNo})
	if err != nil {
		r.t.Fatal(err)
	}
	token, err := r.acc.CreateSession(ctx, u.ID, "127.0.0.1", r.name)
	if err != nil {
		r.t.Fatal(err)
	}
	return &agentClient{workNo: workNo, token: token, bases: bases, connected: make(chan struct{})}
}

// connect runs the agents' streams until the returned stop (or the test's
// end) and waits until each has connected once.
func connect(t *testing.T, clients []*agentClient) (stop func()) {
	t.Helper()
	ctx, stop := context.WithCancel(t.Context())
	t.Cleanup(stop)
	for _, c := range clients {
		go c.run(ctx)
	}
	for _, c := range clients {
		c.waitConnected(t, 20*time.Second)
	}
	return stop
}

// postSteadily sends events until the returned stop: one sender per agent,
// one event at a time (a telephony side reports an agent's events in
// order) with a pause between. Accepted events are the agents' to
// receive; each attempt is also reported to seen (when not nil), with the
// time it was sent. stop returns when every sender has finished.
func postSteadily(t *testing.T, p *eventPoster, clients []*agentClient, pause time.Duration,
	seen func(sentAt time.Time, ok bool)) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				sentAt := time.Now()
				id, ok := p.post(c.workNo, fmt.Sprintf("%s-%d", c.workNo, n))
				if ok {
					c.accept(id)
				}
				if seen != nil {
					seen(sentAt, ok)
				}
				select {
				case <-ctx.Done():
				case <-time.After(pause):
				}
			}
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// eventTally is what the agents received of what was accepted for them.
type eventTally struct {
	accepted, delivered, missing, duplicated, disordered, resyncs, reconnects int
}

func (n eventTally) String() string {
	return fmt.Sprintf("%d events accepted, %d delivered, %d missing, %d duplicated, %d out of order",
		n.accepted, n.delivered, n.missing, n.duplicated, n.disordered)
}

// tally waits up to timeout for every accepted event to arrive, stops the
// streams, and counts; an agent that misses some is reported.
func tally(t *testing.T, clients []*agentClient, timeout time.Duration, stopStreams func()) eventTally {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, c := range clients {
		for !c.complete() && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	stopStreams()
	var n eventTally
	for _, c := range clients {
		c.mu.Lock()
		n.accepted += len(c.accepted)
		n.delivered += len(c.got)
		n.resyncs += c.resyncs
		n.reconnects += c.connects - 1
		seen := map[int64]int{}
		for i, id := range c.got {
			seen[id]++
			if seen[id] == 2 {
				n.duplicated++
			}
			if i > 0 && id <= c.got[i-1] {
				n.disordered++
			}
		}
		var lost []int64
		for _, id := range c.accepted {
			if seen[id] == 0 {
				lost = append(lost, id)
			}
		}
		n.missing += len(lost)
		if len(lost) > 0 {
			t.Errorf("agent %s: %d of %d accepted events never arrived, e.g. %v", c.workNo, len(lost), len(c.accepted), lost[:min(5, len(lost))])
		}
		c.mu.Unlock()
	}
	return n
}

// eventPoster posts call events through the API, alternating instances
// and moving on to the next when one fails.
type eventPoster struct {
	key    string
	bases  []string
	next   atomic.Int64
	failed atomic.Int64
}

var eventHTTP = &http.Client{Timeout: 5 * time.Second}

// post returns the stored event's id when an instance accepted it (201),
// trying the other instance when one does not answer.
func (p *eventPoster) post(workNo, callID string) (int64, bool) {
	first := p.next.Add(1)
	for i := range int64(len(p.bases)) {
		if id, ok := p.postTo(p.bases[(first+i)%int64(len(p.bases))], workNo, callID); ok {
			return id, true
		}
		p.failed.Add(1)
	}
	return 0, false
}

func (p *eventPoster) postTo(base, workNo, callID string) (int64, bool) {
	body := fmt.Sprintf(`{"event":"Ringing","workNo":%q,"callData":{"callerNum":"13800138000","callid":%q}}`, workNo, callID)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/calls/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.key)
	resp, err := eventHTTP.Do(req)
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

// agentClient is one agent's workspace: a stream that reconnects with
// Last-Event-ID, to its own instance or else the other, as a browser
// behind a load balancer would.
type agentClient struct {
	workNo, token string
	bases         []string

	mu        sync.Mutex
	lastID    string
	accepted  []int64
	got       []int64 // event ids of the call messages, in arrival order
	resyncs   int
	popURL    string // the signed link of the latest call's pop page, if it has one
	connects  int
	connected chan struct{}
	once      sync.Once
}

func (c *agentClient) accept(id int64) {
	c.mu.Lock()
	c.accepted = append(c.accepted, id)
	c.mu.Unlock()
}

// pop returns the signed link of the latest call's pop page ("" if none).
func (c *agentClient) pop() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.popURL
}

func (c *agentClient) complete() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range c.accepted {
		if !slices.Contains(c.got, id) {
			return false
		}
	}
	return true
}

func (c *agentClient) waitConnected(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-c.connected:
	case <-time.After(timeout):
		t.Fatalf("agent %s: stream not connected within %v", c.workNo, timeout)
	}
}

func (c *agentClient) run(ctx context.Context) {
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
func (c *agentClient) stream(ctx context.Context, base string) bool {
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

func (c *agentClient) dispatch(id, event string, data []byte) {
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
			Pops []struct {
				URL     string `json:"url"`
				Matches bool   `json:"matches"`
			} `json:"pops"`
		}
		if json.Unmarshal(data, &m) == nil && m.Type == "call" {
			c.got = append(c.got, m.ID)
			for _, p := range m.Pops {
				if p.Matches && strings.HasPrefix(p.URL, "/") {
					c.popURL = p.URL
				}
			}
		}
	}
}
