package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/metrics"
)

// The workspace's event stream (Server-Sent Events). NOTIFY is only a
// wake-up: what a stream sends comes from the stored events, after a cursor
// (the id of the last event the client has), so nothing accepted is lost
// when a notice is — the listener was reconnecting, a queue was full, the
// browser was away. Message ids are event ids, so the browser's
// Last-Event-ID is the cursor when it comes back.
//
// SSE events on the stream:
//   - (message) a call, verification or outbound message, id = event id;
//   - state: the agent's current call when a stream starts without a cursor,
//     or {"type":"state"} when there is none (its id is the agent's latest
//     event id, the cursor from then on);
//   - resync: the server could not deliver (the database failed): the
//     client reloads its state; after a database failure the stream ends
//     and the client reconnects with its cursor.

const (
	// streamReplayPage is how many stored events one catch-up query reads;
	// a catch-up reads pages until it has everything.
	streamReplayPage = 100
	// streamPing keeps proxies from closing an idle stream and finds
	// vanished clients.
	streamPing = 15 * time.Second
	// streamRecent is how many sent event ids a stream remembers, to tell a
	// notice of an event it sent already (queued while a catch-up read it)
	// from one committed late: a burst to one agent larger than this could
	// show an event twice, never lose one.
	streamRecent = 1024
)

// streamWriteTimeout cuts a client that stops reading: its connection is
// closed instead of holding a goroutine and a socket for hours (a variable
// for tests).
var streamWriteTimeout = 10 * time.Second

// streamCursor is where a stream resumes: the Last-Event-ID the browser
// sends when it reconnects, else the "after" query parameter (the last
// event the page has); ok is false when neither is given.
func streamCursor(c *fiber.Ctx) (cursor int64, ok bool) {
	for _, v := range []string{c.Get("Last-Event-ID"), c.Query("after")} {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id >= 0 {
			return id, true
		}
	}
	return 0, false
}

// eventStream is one open workspace stream.
type eventStream struct {
	s        *Server
	logCtx   context.Context // the request's: its id in the log lines
	tenantID int64
	workNo   string
	sub      *calls.Subscription
	w        *bufio.Writer
	conn     net.Conn
	cursor   int64              // the last event id the client has
	recent   []int64            // sent ids, oldest first (at most streamRecent)
	sentIDs  map[int64]struct{} // the same, to look up
	// state is the current call sent to a stream that started without a
	// cursor (nil when the agent has had none).
	state   *calls.Event
	resumed bool
}

// workspaceStream is the Server-Sent Events stream of one agent.
func (s *Server) workspaceStream(c *fiber.Ctx) error {
	u, err := workspaceAgent(c)
	if err != nil {
		return err
	}
	st := &eventStream{s: s, logCtx: c.UserContext(), tenantID: *u.TenantID, workNo: *u.WorkNo}
	st.cursor, st.resumed = streamCursor(c)
	// Subscribe before reading, so that an event stored in between arrives
	// as a notice if the read misses it.
	st.sub = s.eng.Hub.Subscribe(st.tenantID, st.workNo)
	// The first read comes before the answer: with the database down the
	// client gets a retryable 503, not a stream that ends at once.
	if err := st.start(c.UserContext()); err != nil {
		st.sub.Close()
		return err
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	st.conn = c.Context().Conn()
	// Closed when the server shuts down: end the stream then, so shutdown
	// does not wait out its timeout and the browser reconnects elsewhere.
	shutdown := c.Context().Done()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer st.sub.Close()
		st.w = w
		s.eng.Metrics.OpenStreams.Inc()
		defer s.eng.Metrics.OpenStreams.Dec()
		st.run(shutdown)
	})
	return nil
}

// start reads what the stream begins with: for a stream without a cursor,
// the agent's current call and latest event id.
func (st *eventStream) start(ctx context.Context) error {
	if st.resumed {
		_, err := st.s.eng.Calls.LatestID(ctx, st.tenantID, st.workNo)
		return err
	}
	latest, err := st.s.eng.Calls.LatestID(ctx, st.tenantID, st.workNo)
	if err != nil {
		return err
	}
	if st.state, err = st.s.eng.Calls.LastCall(ctx, st.tenantID, st.workNo); err != nil {
		return err
	}
	st.cursor = latest
	return nil
}

func (st *eventStream) run(shutdown <-chan struct{}) {
	ctx := context.Background()
	if !st.write("retry: 1000\n: connected\n\n") {
		return
	}
	if !st.resumed {
		// The current call, and the cursor from now on, even when the agent
		// has had no call yet: the browser then resumes from here. Always
		// with data: an event without data is not dispatched, and the page
		// keeps the id only from events it sees.
		data := []byte(`{"type":"state"}`)
		if st.state != nil {
			m, err := st.s.eng.PopRuntime.CallMessage(ctx, st.tenantID, st.state)
			if err != nil {
				st.resync(metrics.ReasonDBError, err)
				return
			}
			data, _ = json.Marshal(m)
		}
		if !st.send(st.cursor, "state", data) {
			return
		}
	} else if !st.catchUp(ctx) {
		return
	}
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		// A missed signal goes first: it reads everything the queued
		// notices would.
		select {
		case <-st.sub.Missed():
			if !st.missed(ctx) {
				return
			}
			continue
		default:
		}
		select {
		case n := <-st.sub.C:
			if !st.notice(ctx, n) {
				return
			}
		case <-st.sub.Missed():
			if !st.missed(ctx) {
				return
			}
		case <-shutdown:
			return
		case <-ping.C:
			if !st.write(": ping\n\n") {
				return
			}
		}
	}
}

// missed handles the hub's signal that notices were lost; false ends the
// stream.
func (st *eventStream) missed(ctx context.Context) bool {
	if st.sub.Overflowed() {
		// Tell the client (it reloads its state, e.g. verification
		// results), then deliver the calls from the stored events.
		st.s.eng.Metrics.Resyncs.WithLabelValues(metrics.ReasonQueueFull).Inc()
		st.s.eng.Metrics.CallEvents.WithLabelValues(metrics.StageResynced).Inc()
		if !st.send(0, "resync", []byte(`{"type":"resync"}`)) {
			return false
		}
	}
	return st.catchUp(ctx)
}

// notice handles one notice; false ends the stream.
func (st *eventStream) notice(ctx context.Context, n calls.Notice) bool {
	switch n.Kind {
	case "event":
		if n.ID > st.cursor {
			return st.catchUp(ctx)
		}
		if st.sent(n.ID) {
			return true
		}
		// Committed after a later event of the same agent (two requests at
		// once): sent now, once, without moving the cursor back.
		e, err := st.s.eng.Calls.Event(ctx, st.tenantID, n.ID)
		if err != nil {
			st.resync(metrics.ReasonDBError, err)
			return false
		}
		return st.deliver(ctx, e, metrics.StageDelivered)
	case "verify":
		rs, err := st.s.eng.Calls.VerifyResults(ctx, st.tenantID, n.CallID)
		if err != nil {
			st.resync(metrics.ReasonDBError, err)
			return false
		}
		data, _ := json.Marshal(&pops.WorkspaceMessage{Type: "verify", CallID: n.CallID, Verify: rs})
		return st.send(0, "", data)
	}
	return true
}

// catchUp sends every stored event after the cursor, oldest first; false
// ends the stream.
func (st *eventStream) catchUp(ctx context.Context) bool {
	for {
		es, err := st.s.eng.Calls.EventsAfter(ctx, st.tenantID, st.workNo, st.cursor, streamReplayPage)
		if err != nil {
			st.resync(metrics.ReasonDBError, err)
			return false
		}
		for i := range es {
			stage := metrics.StageReplayed
			if time.Since(es[i].At) < time.Second {
				stage = metrics.StageDelivered
			}
			if !st.sent(es[i].ID) && !st.deliver(ctx, &es[i], stage) {
				return false
			}
		}
		if len(es) < streamReplayPage {
			return true
		}
	}
}

// deliver builds and sends one event's message and moves the cursor.
func (st *eventStream) deliver(ctx context.Context, e *calls.Event, stage string) bool {
	m, err := st.s.eng.PopRuntime.CallMessage(ctx, st.tenantID, e)
	if err != nil {
		st.resync(metrics.ReasonDBError, err)
		return false
	}
	data, _ := json.Marshal(m)
	id := max(e.ID, st.cursor)
	if !st.send(id, "", data) {
		return false
	}
	st.cursor = id
	if st.sentIDs == nil {
		st.sentIDs = map[int64]struct{}{}
	}
	st.recent = append(st.recent, e.ID)
	st.sentIDs[e.ID] = struct{}{}
	if len(st.recent) > streamRecent {
		delete(st.sentIDs, st.recent[0])
		st.recent = st.recent[1:]
	}
	st.s.eng.Metrics.CallEvents.WithLabelValues(stage).Inc()
	st.s.eng.Metrics.DeliveryLatency.Observe(time.Since(e.At).Seconds())
	return true
}

func (st *eventStream) sent(id int64) bool {
	_, ok := st.sentIDs[id]
	return ok
}

// resync tells the client that the server could not deliver (the database
// failed); the stream then ends and the client comes back with its cursor.
func (st *eventStream) resync(reason string, err error) {
	st.s.log.WarnContext(st.logCtx, "workspace stream: cannot deliver; client told to resynchronise",
		"tenant", st.tenantID, "workNo", st.workNo, "reason", reason, "err", err)
	st.s.eng.Metrics.Resyncs.WithLabelValues(reason).Inc()
	st.s.eng.Metrics.CallEvents.WithLabelValues(metrics.StageResynced).Inc()
	st.send(0, "resync", []byte(`{"type":"resync"}`))
}

// send writes one SSE event: an id (0: none), a name ("": message) and data
// (nil: none, which only moves the browser's Last-Event-ID).
func (st *eventStream) send(id int64, event string, data []byte) bool {
	var b []byte
	if id > 0 || event == "state" {
		b = fmt.Appendf(b, "id: %d\n", id)
	}
	if event != "" {
		b = fmt.Appendf(b, "event: %s\n", event)
	}
	if data != nil {
		b = fmt.Appendf(b, "data: %s\n", data)
	}
	b = append(b, '\n')
	return st.write(string(b))
}

// write sends s at once. The connection's write deadline is renewed first:
// a client that stopped reading fails the write instead of blocking the
// stream (and the ping) for good.
func (st *eventStream) write(s string) bool {
	if st.conn != nil {
		_ = st.conn.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	}
	if _, err := st.w.WriteString(s); err != nil {
		return false
	}
	return st.w.Flush() == nil
}
