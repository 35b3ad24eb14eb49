package calls

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Listener timings: the first pause after a lost connection, the longest,
// and how often an idle LISTEN connection is checked (a connection to a
// server that vanished without closing it would otherwise wait forever).
const (
	minBackoff     = 100 * time.Millisecond
	maxBackoff     = 5 * time.Second
	listenIdle     = 15 * time.Second
	listenPingTime = 5 * time.Second
)

// subscriptionQueue is how many notices one subscriber may have pending;
// beyond it the subscriber is told it missed some (see Subscription.Missed).
const subscriptionQueue = 64

// Hub fans NOTIFY notices out to the workspaces connected to this instance.
// It holds one connection that LISTENs, and reconnects if it drops.
//
// NOTIFY is not durable: notices sent while the connection is down, or that
// do not fit a subscriber's queue, are gone. The hub never hides that: after
// every reconnect and on every overflow it signals the subscribers
// (Subscription.Missed), which catch up from the stored events.
type Hub struct {
	db  *sql.DB
	log atomic.Pointer[slog.Logger]

	mu   sync.Mutex
	subs map[subKey]map[*Subscription]struct{}
	// ready is closed once the first LISTEN succeeded (tests wait on it).
	ready     chan struct{}
	readyOnce sync.Once

	listening  atomic.Bool
	downSince  atomic.Int64 // unix nanoseconds; while not listening
	reconnects atomic.Int64
	overflows  atomic.Int64
	notices    atomic.Int64
}

type subKey struct {
	tenantID int64
	workNo   string
}

// Subscription is one agent's stream of notices on this instance.
type Subscription struct {
	// C carries the notices in the order they arrived.
	C        <-chan Notice
	ch       chan Notice
	missed   chan struct{}
	overflow atomic.Bool
	close    func()
}

// Missed is signalled when notices for the subscriber may have been lost:
// the LISTEN connection was re-established, or the queue was full. The
// subscriber then reads what it missed from the stored events.
func (s *Subscription) Missed() <-chan struct{} { return s.missed }

// Overflowed reports, and clears, whether the queue overflowed since the
// last call (as opposed to a reconnect, which loses nothing of the queue).
func (s *Subscription) Overflowed() bool { return s.overflow.Swap(false) }

// Close ends the subscription.
func (s *Subscription) Close() { s.close() }

func (s *Subscription) signalMissed() {
	select {
	case s.missed <- struct{}{}:
	default: // one pending signal is enough: the catch-up reads everything
	}
}

// NewHub returns a hub on the database pool; Run starts it.
func NewHub(db *sql.DB, log *slog.Logger) *Hub {
	h := &Hub{db: db, subs: map[subKey]map[*Subscription]struct{}{}, ready: make(chan struct{})}
	h.downSince.Store(time.Now().UnixNano())
	h.SetLogger(log)
	return h
}

// SetLogger replaces the logger (the application's, once it is configured).
func (h *Hub) SetLogger(log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h.log.Store(log)
}

// Ready is closed once the hub listens.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Listening reports whether the LISTEN connection is up now.
func (h *Hub) Listening() bool { return h.listening.Load() }

// DownFor is how long the listener has not been listening (0 while it is).
func (h *Hub) DownFor() time.Duration {
	if h.listening.Load() {
		return 0
	}
	return time.Since(time.Unix(0, h.downSince.Load()))
}

// HubStats are the hub's counters since start.
type HubStats struct {
	Notices    int64 // notices received
	Reconnects int64 // LISTEN connections re-established after a loss
	Overflows  int64 // notices that did not fit a subscriber's queue
}

// Stats returns the counters.
func (h *Hub) Stats() HubStats {
	return HubStats{Notices: h.notices.Load(), Reconnects: h.reconnects.Load(), Overflows: h.overflows.Load()}
}

// Subscribe returns the subscription of one agent; Close ends it.
func (h *Hub) Subscribe(tenantID int64, workNo string) *Subscription {
	ch := make(chan Notice, subscriptionQueue)
	s := &Subscription{C: ch, ch: ch, missed: make(chan struct{}, 1)}
	k := subKey{tenantID, workNo}
	h.mu.Lock()
	if h.subs[k] == nil {
		h.subs[k] = map[*Subscription]struct{}{}
	}
	h.subs[k][s] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	s.close = func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs[k], s)
			if len(h.subs[k]) == 0 {
				delete(h.subs, k)
			}
			h.mu.Unlock()
		})
	}
	return s
}

// Subscribers counts open subscriptions (for metrics and tests).
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.subs {
		n += len(set)
	}
	return n
}

func (h *Hub) deliver(n Notice) {
	h.notices.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[subKey{n.TenantID, n.WorkNo}] {
		select {
		case s.ch <- n:
		default:
			// A slow reader must not stall the hub, and must not lose the
			// call either: it is told to catch up from the stored events.
			h.overflows.Add(1)
			s.overflow.Store(true)
			s.signalMissed()
		}
	}
}

// missedAll tells every subscriber that notices may have been lost.
func (h *Hub) missedAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for s := range set {
			s.signalMissed()
		}
	}
}

// Run listens until ctx ends. A lost connection is re-established after a
// pause that grows while connecting fails and starts small again after every
// connection that worked, so each outage costs as little as possible.
func (h *Hub) Run(ctx context.Context) {
	backoff := minBackoff
	var lostAt time.Time
	for ctx.Err() == nil {
		listened, err := h.listen(ctx, lostAt)
		if listened {
			h.downSince.Store(time.Now().UnixNano())
		}
		h.listening.Store(false)
		if ctx.Err() != nil {
			return
		}
		if listened {
			backoff = minBackoff
			lostAt = time.Now()
			h.log.Load().Warn("call events: LISTEN connection lost; reconnecting", "err", err, "in", backoff)
		} else {
			h.log.Load().Debug("call events: LISTEN reconnect failed", "err", err, "retry_in", backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if !listened {
			backoff = min(backoff*2, maxBackoff)
		}
	}
}

// listen holds one LISTEN connection until it fails; listened reports
// whether LISTEN succeeded on it. lostAt is when the previous one was lost
// (zero at start).
func (h *Hub) listen(ctx context.Context, lostAt time.Time) (listened bool, err error) {
	conn, err := h.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	// The connection carried LISTEN: it must not go back to the pool.
	defer func() {
		_ = conn.Raw(func(any) error { return errDiscard })
		conn.Close()
	}()
	err = conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
			return err
		}
		listened = true
		h.listening.Store(true)
		h.readyOnce.Do(func() { close(h.ready) })
		if !lostAt.IsZero() {
			h.reconnects.Add(1)
			h.log.Load().Info("call events: listener back", "down_ms", time.Since(lostAt).Milliseconds())
			// Notices sent while we were away are gone: every subscriber
			// catches up from the stored events.
			h.missedAll()
		}
		for {
			wctx, cancel := context.WithTimeout(ctx, listenIdle)
			msg, err := pc.WaitForNotification(wctx)
			cancel()
			if err != nil && ctx.Err() == nil && wctx.Err() != nil {
				// Idle: make sure the server is still there.
				pctx, cancel := context.WithTimeout(ctx, listenPingTime)
				err = pc.Ping(pctx)
				cancel()
				if err == nil {
					continue
				}
			}
			if err != nil {
				return err
			}
			var n Notice
			if err := json.Unmarshal([]byte(msg.Payload), &n); err != nil {
				h.log.Load().Warn("call events: bad notice", "payload", msg.Payload)
				continue
			}
			h.deliver(n)
		}
	})
	return listened, err
}

// errDiscard makes database/sql drop a connection instead of pooling it.
var errDiscard = driver.ErrBadConn
