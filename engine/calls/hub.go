package calls

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Hub fans NOTIFY notices out to the workspaces connected to this instance.
// It holds one connection that LISTENs, and reconnects if it drops.
type Hub struct {
	db  *sql.DB
	log *slog.Logger

	mu   sync.Mutex
	subs map[subKey]map[chan Notice]struct{}
	// ready is closed once the first LISTEN succeeded (tests wait on it).
	ready     chan struct{}
	readyOnce sync.Once
}

type subKey struct {
	tenantID int64
	workNo   string
}

// NewHub returns a hub on the database pool; Run starts it.
func NewHub(db *sql.DB, log *slog.Logger) *Hub {
	return &Hub{db: db, log: log, subs: map[subKey]map[chan Notice]struct{}{}, ready: make(chan struct{})}
}

// Ready is closed once the hub listens.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Subscribe returns a channel of the notices for one agent and a function
// that ends the subscription. Slow subscribers lose notices rather than
// stall the hub (the workspace reloads the last call on reconnect).
func (h *Hub) Subscribe(tenantID int64, workNo string) (<-chan Notice, func()) {
	ch := make(chan Notice, 16)
	k := subKey{tenantID, workNo}
	h.mu.Lock()
	if h.subs[k] == nil {
		h.subs[k] = map[chan Notice]struct{}{}
	}
	h.subs[k][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[k], ch)
		if len(h.subs[k]) == 0 {
			delete(h.subs, k)
		}
		h.mu.Unlock()
	}
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
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[subKey{n.TenantID, n.WorkNo}] {
		select {
		case ch <- n:
		default:
		}
	}
}

// Run listens until ctx ends, reconnecting with a growing pause.
func (h *Hub) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := h.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("call events: LISTEN connection lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (h *Hub) listen(ctx context.Context) error {
	conn, err := h.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
			return err
		}
		h.readyOnce.Do(func() { close(h.ready) })
		for {
			msg, err := pc.WaitForNotification(ctx)
			if err != nil {
				return err
			}
			var n Notice
			if err := json.Unmarshal([]byte(msg.Payload), &n); err != nil {
				h.log.Warn("call events: bad notice", "payload", msg.Payload)
				continue
			}
			h.deliver(n)
		}
	})
}
