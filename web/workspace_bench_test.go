package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/testkit/benchdata"
	"github.com/screenpop/screenpop/testkit/benchstat"
)

// The workspace benchmark (issue 8): one instance with 200 agents, each
// with the workspace's event stream open (GET /workspace/stream, Server-Sent
// Events, fed by the engine's LISTEN/NOTIFY hub), and an internal pop
// configured on package benchdata's page (5 objects × 10 fields, a million
// customers). Call events are posted to POST /api/v1/calls/events with an
// API key: 5 rounds of one Ringing per agent, sent in waves of concurrent
// posts. Each is timed from the moment the POST is sent until the pop is
// visible: the agent's stream delivered the message AND a GET of the signed
// pop URL in it answered 200 with the customer's HTML (what the workspace
// frame does next), after one unmeasured round that opens the keep-alive
// connections. Target: p99 under 300 ms. Also reported: the instance's
// memory with the 200 streams open — runtime heap in use and VmRSS of this
// process, which also holds the 200 client connections, so both are upper
// bounds for the server.
//
//	go run ./testkit/testpg -- go test -run '^$' -bench WorkspacePop -benchtime 1x ./web/
//
// Sub-benchmarks by wave size: wave=20 (a tenth of the agents called at the
// same instant, a busy peak) and wave=200 (every agent at once, the worst
// burst).
const (
	wsAgents  = 200
	wsRounds  = 5
	wsPopName = "bench-workspace"
	wsTimeout = 30 * time.Second
)

// wsStreamMessage is what the test reads of a stream message.
type wsStreamMessage struct {
	Type   string `json:"type"`
	Event  string `json:"event"`
	CallID string `json:"callId"`
	Pops   []struct {
		Name    string `json:"name"`
		URL     string `json:"url"`
		Matches bool   `json:"matches"`
	} `json:"pops"`
	at time.Time
}

// wsAgent is one agent's open workspace stream.
type wsAgent struct {
	user  *accounts.User
	token string
	msgs  chan wsStreamMessage
}

func BenchmarkWorkspacePop(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 1M-record table and opens 200 streams")
	}
	e := newBenchEnv(b)
	ctx := context.Background()
	tenant := e.set.Tenant

	// The pop: the benchmark page, internal, on Ringing.
	cfgs, err := e.eng.Pops.ListConfigs(ctx, tenant.ID, "audio")
	if err != nil {
		b.Fatal(err)
	}
	popIn := pops.ConfigInput{MediaType: "audio", Name: wsPopName, PageType: pops.PageInternal, PageID: e.set.Page.ID,
		OpenMode: "embed", Enabled: true, Trigger: pops.TriggerRinging}
	configured := false
	for _, c := range cfgs {
		if c.Name == wsPopName {
			if _, err := e.eng.Pops.UpdateConfig(ctx, tenant.ID, c.ID, popIn); err != nil {
				b.Fatal(err)
			}
			configured = true
		}
	}
	if !configured {
		if _, err := e.eng.Pops.CreateConfig(ctx, tenant.ID, popIn); err != nil {
			b.Fatal(err)
		}
	}

	// The agents (reused when the database is kept), signed in.
	agents := make([]*wsAgent, wsAgents)
	for i := range agents {
		workNo := fmt.Sprintf("7%03d", i+1)
		u, err := e.eng.Accounts.UserByWorkNo(ctx, tenant.ID, workNo)
		if apperr.Is(err, apperr.NotFound) {
			u, err = e.eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: &tenant.ID, Username: "bench-agent-" + workNo,
				Role: accounts.RoleAgent, Password: "bench-password", WorkNo: workNo})
		}
		if err != nil {
			b.Fatal(err)
		}
		token, err := e.eng.Accounts.CreateSession(ctx, u.ID, "127.0.0.1", "bench")
		if err != nil {
			b.Fatal(err)
		}
		agents[i] = &wsAgent{user: u, token: token, msgs: make(chan wsStreamMessage, 16)}
	}
	b.Cleanup(func() {
		for _, a := range agents {
			_ = e.eng.Accounts.DeleteSession(context.Background(), a.token)
		}
	})
	key, k, err := e.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: tenant.ID, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.eng.Accounts.RevokeAPIKey(context.Background(), tenant.ID, k.ID) })

	before := readMem()

	// Open the 200 streams and wait until each is connected.
	streamCtx, closeStreams := context.WithCancel(ctx)
	b.Cleanup(closeStreams)
	streams := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: wsAgents}}
	connected := make(chan error, wsAgents)
	for _, a := range agents {
		go a.stream(streamCtx, streams, e.base, connected)
	}
	for range agents {
		if err := <-connected; err != nil {
			b.Fatal(err)
		}
	}
	if n := e.eng.Hub.Subscribers(); n != wsAgents {
		b.Fatalf("%d subscribers on the hub, want %d", n, wsAgents)
	}
	open := readMem()

	rnd := mrand.New(mrand.NewPCG(7, 8))
	for _, wave := range []int{20, 200} {
		b.Run(fmt.Sprintf("wave=%d", wave), func(b *testing.B) {
			client := benchClient(wave)
			var visible, delivered, posted []time.Duration
			var mu sync.Mutex
			n := 0
			// rounds calls every agent once per round, in waves.
			rounds := func(count int, record bool) {
				for round := range count {
					for from := 0; from < wsAgents; from += wave {
						var wg sync.WaitGroup
						for _, a := range agents[from:min(from+wave, wsAgents)] {
							n++
							callID := fmt.Sprintf("bench-w%d-r%d-%d-%d", wave, round, n, time.Now().UnixNano())
							customer := rnd.IntN(benchdata.Rows)
							wg.Go(func() {
								p, d, v, err := a.call(client, e.base, key, callID, customer)
								if err != nil {
									b.Error(err)
									return
								}
								if record {
									mu.Lock()
									posted, delivered, visible = append(posted, p), append(delivered, d), append(visible, v)
									mu.Unlock()
								}
							})
						}
						wg.Wait()
						if b.Failed() {
							b.FailNow()
						}
					}
				}
			}
			// One round unmeasured: the client's keep-alive connections
			// (the telephony side's and the agents' browsers' are open
			// in practice) and the server's pools warm up.
			rounds(1, false)
			for b.Loop() {
				visible, delivered, posted = visible[:0], delivered[:0], posted[:0]
				start := time.Now()
				rounds(wsRounds, true)
				b.ReportMetric(float64(len(visible))/time.Since(start).Seconds(), "events/s")
			}
			after := readMem()
			p50, p99 := pct(visible, .50), pct(visible, .99)
			b.ReportMetric(msOf(p50), "p50-ms")
			b.ReportMetric(msOf(p99), "p99-ms")
			b.ReportMetric(msOf(pct(visible, 1)), "max-ms")
			b.ReportMetric(msOf(pct(delivered, .50)), "sse-p50-ms")
			b.ReportMetric(msOf(pct(delivered, .99)), "sse-p99-ms")
			b.ReportMetric(msOf(pct(posted, .99)), "post-p99-ms")
			b.ReportMetric(mb(open.HeapInuse), "heap-MB")
			b.ReportMetric(mb(open.RSS), "rss-MB")
			b.ReportMetric(mb(after.RSS), "rss-after-MB")
			b.ReportMetric(float64(open.HeapInuse-min(open.HeapInuse, before.HeapInuse))/wsAgents/1024, "heap-KB/ws")
			verdict := "target met (p99 < 300 ms)"
			if p99 >= 300*time.Millisecond {
				verdict = "TARGET MISSED (p99 < 300 ms)"
			}
			fmt.Printf("bench: event → pop visible, %d workspaces open, %d events in waves of %d: p50 %.1fms p99 %.1fms max %.1fms "+
				"(stream message p50 %.1fms p99 %.1fms; POST p99 %.1fms) | memory before the streams: %s; with them: %s; after: %s | load average %s: %s\n",
				wsAgents, len(visible), wave, msOf(p50), msOf(p99), msOf(pct(visible, 1)),
				msOf(pct(delivered, .50)), msOf(pct(delivered, .99)), msOf(pct(posted, .99)),
				before, open, after, benchstat.LoadAverage(), verdict)
		})
	}
}

// stream opens the agent's workspace stream, reports on connected once the
// server's first comment arrived, and then passes every message on.
func (a *wsAgent) stream(ctx context.Context, client *http.Client, base string, connected chan<- error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/workspace/stream", nil)
	req.AddCookie(&http.Cookie{Name: "sp_session", Value: a.token})
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		connected <- err
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(resp.Body)
		connected <- fmt.Errorf("stream of %s: %d %s %.300s", *a.user.WorkNo, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		return
	}
	r := bufio.NewReader(resp.Body)
	first := true
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			if first {
				connected <- fmt.Errorf("stream of %s: %w", *a.user.WorkNo, err)
			}
			return
		}
		switch {
		case first && bytes.HasPrefix(line, []byte(": connected")):
			first = false
			connected <- nil
		case bytes.HasPrefix(line, []byte("data: ")):
			var m wsStreamMessage
			if json.Unmarshal(line[len("data: "):], &m) == nil {
				m.at = time.Now()
				select {
				case a.msgs <- m:
				default: // nobody waits for it
				}
			}
		}
	}
}

// call posts a Ringing for the agent and waits until the pop is visible.
// It returns how long the POST took, when the stream delivered the call and
// when the pop answered, each from the moment the POST was sent.
func (a *wsAgent) call(client *http.Client, base, key, callID string, customer int) (post, delivered, visible time.Duration, err error) {
	body, _ := json.Marshal(map[string]any{"event": "Ringing", "workNo": *a.user.WorkNo, "callData": map[string]string{
		"callerNum": benchdata.Phone(customer), "calledNum": "4008001234", "callType": "0", "callid": callID}})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/calls/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	post = time.Since(t0)
	if resp.StatusCode != http.StatusCreated {
		return 0, 0, 0, fmt.Errorf("post event for %s: %d %s", *a.user.WorkNo, resp.StatusCode, out)
	}

	var m wsStreamMessage
	deadline := time.After(wsTimeout)
	for m.CallID != callID {
		select {
		case m = <-a.msgs:
		case <-deadline:
			return 0, 0, 0, fmt.Errorf("agent %s: no stream message for %s within %v", *a.user.WorkNo, callID, wsTimeout)
		}
	}
	delivered = m.at.Sub(t0)
	url := ""
	for _, p := range m.Pops {
		if p.Name == wsPopName && p.Matches {
			url = p.URL
		}
	}
	if m.Type != "call" || m.Event != "Ringing" || url == "" {
		return 0, 0, 0, fmt.Errorf("agent %s: message %+v has no matching pop %q", *a.user.WorkNo, m, wsPopName)
	}
	resp, err = client.Get(base + url)
	if err != nil {
		return 0, 0, 0, err
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	visible = time.Since(t0)
	want := benchdata.EncryptedValue("密01", customer)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(html, []byte(want)) {
		return 0, 0, 0, fmt.Errorf("agent %s: pop %s: %d, want the page with %q: %.400s", *a.user.WorkNo, url, resp.StatusCode, want, html)
	}
	return post, delivered, visible, nil
}
