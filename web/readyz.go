package web

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Readiness (/readyz) for load balancers: the database answers, the pool is
// not saturated, and the call listener is subscribed. The answer is steady:
// a failure keeps the instance "not ready" for readyHold, so a database
// that answers one probe in three does not flap the instance in and out.
const (
	readyCheckEvery = time.Second
	readyPingTime   = 2 * time.Second
	readyHold       = 10 * time.Second
	// listenerGrace lets the listener reconnect (usually milliseconds)
	// before the instance stops being ready.
	listenerGrace = 5 * time.Second
)

type readiness struct {
	mu        sync.Mutex
	checked   time.Time
	failedAt  time.Time
	lastWaits int64
	report    readyReport
}

type readyReport struct {
	Ready     bool       `json:"ready"`
	Database  string     `json:"database"` // ok, or why not
	Listener  string     `json:"listener"` // subscribed | reconnecting
	Saturated bool       `json:"poolSaturated"`
	Pool      poolReport `json:"pool"`
}

type poolReport struct {
	Max     int   `json:"max"`
	Open    int   `json:"open"`
	InUse   int   `json:"inUse"`
	Idle    int   `json:"idle"`
	Waits   int64 `json:"waits"`
	WaitsMS int64 `json:"waitedMs"`
}

func (s *Server) readyz(c *fiber.Ctx) error {
	r := s.ready.check(s)
	if !r.Ready {
		c.Status(fiber.StatusServiceUnavailable)
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds)
	}
	return c.JSON(r)
}

// check runs the checks at most once per readyCheckEvery (probes from
// several balancers share one) and returns the report.
func (rd *readiness) check(s *Server) readyReport {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	now := time.Now()
	if now.Sub(rd.checked) < readyCheckEvery {
		return rd.report
	}
	rd.checked = now
	st := s.eng.DB.DB.Stats()
	r := readyReport{Database: "ok", Listener: "subscribed", Pool: poolReport{Max: st.MaxOpenConnections,
		Open: st.OpenConnections, InUse: st.InUse, Idle: st.Idle, Waits: st.WaitCount, WaitsMS: st.WaitDuration.Milliseconds()}}
	failed := false
	// Requests waited for a connection with every one in use: saturated.
	if st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections && st.WaitCount > rd.lastWaits {
		r.Saturated, failed = true, true
	}
	rd.lastWaits = st.WaitCount
	ctx, cancel := context.WithTimeout(context.Background(), readyPingTime)
	err := s.eng.Ready(ctx)
	cancel()
	switch {
	case err != nil:
		r.Database, failed = "unavailable", true
		s.outage.note(s.log, err)
	case s.outage.recent(readyHold):
		// Requests failed on the database lately (out of connections
		// while this probe got an idle one, say).
		r.Database, failed = "failing", true
	}
	if s.eng.Hub.DownFor() > listenerGrace {
		r.Listener, failed = "reconnecting", true
	}
	if failed {
		rd.failedAt = now
	}
	r.Ready = now.Sub(rd.failedAt) >= readyHold || rd.failedAt.IsZero()
	rd.report = r
	return r
}
