package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/internal/metrics"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/web"
)

// A stream that starts without a cursor begins with the agent's current
// call state, and its id is the cursor the browser comes back with, even
// for an agent that has had no call yet (issue 15: 40 of 40 lost).
func TestStreamStartsWithCurrentState(t *testing.T) {
	e := newStreamEnv(t)
	tests := []struct {
		name   string
		before int // events the agent had before the stream opened
	}{
		{"agent without calls", 0},
		{"agent with calls", 2},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			workNo := fmt.Sprintf("41%02d", i)
			token := e.agent(workNo)
			had := e.record(workNo, tt.before)
			s, resp := e.openStream(token, "")
			if s == nil {
				t.Fatalf("stream: %d", resp.StatusCode)
			}
			state := s.next(t, 5*time.Second)
			if state.Event != "state" || !state.HasID {
				t.Fatalf("first event %+v, want the state with an id", state)
			}
			want := "0"
			if len(had) > 0 {
				want = fmt.Sprint(had[len(had)-1])
				if !strings.Contains(state.Data, fmt.Sprintf(`"id":%s`, want)) {
					t.Fatalf("state %s, want the last call %s", state.Data, want)
				}
			} else if state.Data != `{"type":"state"}` {
				// Data, so that a browser dispatches it and keeps the id.
				t.Fatalf("state of an agent without calls: %q, want a bare state message", state.Data)
			}
			if state.ID != want {
				t.Fatalf("state id %s, want %s", state.ID, want)
			}
			s.Close()
			// Away: the events in between come with the cursor.
			missed := e.record(workNo, 3)
			s, _ = e.openStream(token, state.ID)
			if got, _ := s.calls(t, 3); !sameIDs(got, missed) {
				t.Fatalf("replayed %v, want %v", got, missed)
			}
		})
	}
}

// Coming back after missing many events replays all of them, oldest first,
// not the 20 oldest (issue 15: the newest, the call in progress, were lost).
func TestStreamReplaysEveryMissedEvent(t *testing.T) {
	e := newStreamEnv(t)
	token := e.agent("4201")
	first := e.record("4201", 1)
	missed := e.record("4201", 250)
	s, resp := e.openStream(token, fmt.Sprint(first[0]))
	if s == nil {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	got, _ := s.calls(t, len(missed))
	if !sameIDs(got, missed) {
		t.Fatalf("replayed %d events, want the %d missed in order", len(got), len(missed))
	}
	// The count follows the write, so it may trail the last message a moment.
	var replayed float64
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		replayed = testutil.ToFloat64(e.eng.Metrics.CallEvents.WithLabelValues(metrics.StageReplayed)) +
			testutil.ToFloat64(e.eng.Metrics.CallEvents.WithLabelValues(metrics.StageDelivered))
		if replayed == float64(len(missed)) || time.Now().After(deadline) {
			break
		}
	}
	if replayed != float64(len(missed)) {
		t.Fatalf("counted %v replayed/delivered, want %d", replayed, len(missed))
	}
}

// A burst larger than a stream's queue loses no call: the stream is told
// to resynchronise (counted) and every event arrives once, in order (issue
// 15: 461 of 2,000 dropped silently).
func TestStreamQueueOverflowResynchronises(t *testing.T) {
	e := newStreamEnv(t)
	token := e.agent("4301")
	s, resp := e.openStream(token, "")
	if s == nil {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	if ev := s.next(t, 5*time.Second); ev.Event != "state" {
		t.Fatalf("first event %+v", ev)
	}
	burst := e.record("4301", 300) // one commit: 300 notices at once
	got, resyncs := s.calls(t, len(burst))
	if !sameIDs(got, burst) {
		t.Fatalf("got %d events, want the %d of the burst once each, in order", len(got), len(burst))
	}
	// The resync may come after the calls (the catch-up of the first
	// notice may have read them all before the queue overflowed).
	for deadline := time.After(5 * time.Second); resyncs == 0; {
		select {
		case ev := <-s.Events:
			if ev.Event != "resync" {
				t.Fatalf("unexpected event after the burst: %+v", ev)
			}
			resyncs++
		case <-deadline:
			t.Fatal("no resync event within 5 s of the burst")
		}
	}
	overflows := e.eng.Hub.Stats().Overflows
	counted := testutil.ToFloat64(e.eng.Metrics.Resyncs.WithLabelValues(metrics.ReasonQueueFull))
	t.Logf("burst of %d: %d notices over the queue, %d resync events, counted %v", len(burst), overflows, resyncs, counted)
	if overflows == 0 || resyncs == 0 || counted == 0 {
		t.Fatalf("overflows %d, resync events %d, counted %v: want all above 0", overflows, resyncs, counted)
	}
	select {
	case ev := <-s.Events:
		if ev.Event != "resync" {
			t.Fatalf("unexpected event after the burst: %+v", ev)
		}
	case <-time.After(300 * time.Millisecond):
	}
}

// With the database down, a stream that cannot build a message tells its
// client to resynchronise and ends; reconnecting gets a retryable 503 (not
// 500) while the database is away, and once it is back the replay brings
// the event (issue 15: dropped with a warning; 500 HTML stopped browsers).
func TestStreamDatabaseOutage(t *testing.T) {
	e := newStreamEnv(t)
	token := e.agent("4401")
	s, resp := e.openStream(token, "")
	if s == nil {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	state := s.next(t, 5*time.Second)

	e.proxy.Down()
	during := e.record("4401", 1) // stored elsewhere; this instance cannot read it
	ev := s.next(t, 10*time.Second)
	if ev.Event != "resync" {
		t.Fatalf("event %+v, want resync", ev)
	}
	if _, open := <-s.Events; open {
		t.Fatal("the stream went on after a database failure")
	}
	if n := testutil.ToFloat64(e.eng.Metrics.Resyncs.WithLabelValues(metrics.ReasonDBError)); n != 1 {
		t.Fatalf("db_error resyncs counted %v, want 1", n)
	}

	_, resp = e.openStream(token, state.ID)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("stream while the database is down: %d, Retry-After %q: %.200s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}

	e.proxy.Up()
	var s2 *sseStream
	for deadline := time.Now().Add(10 * time.Second); s2 == nil; {
		if s2, resp = e.openStream(token, state.ID); s2 == nil && time.Now().After(deadline) {
			t.Fatalf("stream after the outage: %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, _ := s2.calls(t, 1); !sameIDs(got, during) {
		t.Fatalf("after the outage got %v, want %v", got, during)
	}
}

// A stream open across a listener reconnect catches up from the stored
// events: what was stored while the listener was away arrives without the
// client doing anything.
func TestStreamCatchesUpAfterListenerReconnect(t *testing.T) {
	e := newStreamEnv(t)
	token := e.agent("4501")
	s, resp := e.openStream(token, "")
	if s == nil {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	s.next(t, 5*time.Second) // state
	// The listener's connection dies; an event is stored before it is back.
	var pid int
	if err := e.direct.NewRaw(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()
		AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`).Scan(context.Background(), &pid); err != nil {
		t.Fatal(err)
	}
	ids := e.record("4501", 1)
	if _, err := e.direct.ExecContext(context.Background(), "SELECT pg_terminate_backend(?)", pid); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, e.record("4501", 1)...)
	got, _ := s.calls(t, 2)
	if !sameIDs(got, ids) {
		t.Fatalf("got %v, want %v", got, ids)
	}
}

// The workspace page reconnects by itself whatever the error: its stream
// ends on a database failure and reconnecting gets 503 for a while (a
// browser's EventSource gives up for good on that), and once the database
// is back the page is connected again and shows the call it missed.
func TestWorkspaceReconnectsAfterOutage(t *testing.T) {
	e := newStreamEnv(t)
	ctx := context.Background()
	u, err := e.eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: &e.tenantID, Username: name("agent"),
		Role: accounts.RoleAgent, Password: "stream-password-1", WorkNo: "4601"})
	if err != nil {
		t.Fatal(err)
	}
	page := testkit.Browser(t)
	err = chromedp.Do(page,
		chromedp.Navigate(e.base+"/login"),
		chromedp.SendKeys(`input[name=username]`, u.Username),
		chromedp.SendKeys(`input[name=password]`, "stream-password-1"),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#ws-status[data-state=connected]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	e.proxy.Down()
	e.record("4601", 1)
	wait, cancel := context.WithTimeout(page, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(`#ws-status[data-state=reconnecting]`)); err != nil {
		t.Fatalf("the page did not notice the outage: %v", err)
	}
	time.Sleep(3 * time.Second) // several reconnects answered 503
	e.proxy.Up()
	wait, cancel = context.WithTimeout(page, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wait,
		chromedp.WaitVisible(`#ws-status[data-state=connected]`),
		chromedp.WaitVisible(`#ws-call[data-event=Ringing]`),
	); err != nil {
		testkit.Screenshot(t, page, "workspace-after-outage")
		t.Fatalf("the page did not come back with the missed call: %v", err)
	}
}

// A client that stops reading is cut by the write deadline: its stream
// ends and unsubscribes instead of blocking for good (issue 15: vanished
// clients stayed in CLOSE-WAIT and shutdown waited its full 10 s).
func TestStreamWriteDeadlineCutsStalledClient(t *testing.T) {
	defer web.SetStreamWriteTimeout(time.Second)()
	e := newStreamEnv(t)
	token := e.agent("4701")
	// A client with a tiny receive window that never reads a byte.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1024) })
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /workspace/stream HTTP/1.1\r\nHost: x\r\nCookie: sp_session=%s\r\nAccept: text/event-stream\r\n\r\n", token)
	for start := time.Now(); e.eng.Hub.Subscribers() != 1; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the stream never subscribed")
		}
	}
	// Far more than the socket buffers hold: 200 events of 50 KB each.
	big := map[string]string{}
	for i := range 50 {
		big[fmt.Sprintf("k%d", i)] = strings.Repeat("x", 1000)
	}
	for i := range 200 {
		if _, err := directCalls(t, e.direct).Record(context.Background(), e.tenantID, calls.EventInput{Event: calls.Ringing,
			WorkNo: "4701", CallData: map[string]string{"callid": fmt.Sprint("big-", i)}, AssocData: big}, "api"); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for e.eng.Hub.Subscribers() != 0 {
		if time.Since(start) > 20*time.Second {
			t.Fatal("the stalled stream still holds its subscription after 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("stalled client cut %v after the burst", time.Since(start).Round(time.Millisecond))
}
