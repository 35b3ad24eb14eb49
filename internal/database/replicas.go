package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
)

// Replicas sends the pop path's reads (tenant, page and pop configuration,
// the customer lookup) to PostgreSQL hot standbys, and everything else to
// the primary. A standby is used only while it answers and its lag is under
// the limit; otherwise, and whenever a read on it fails, the read is made on
// the primary. Writes, LISTEN/NOTIFY and jobs never come here: only code
// that calls Read with a context marked by WithReplicaReads is routed.
//
// The lag is sampled in the background (Run), not per request: every
// interval the primary's WAL position is noted, then each standby's replay
// position and last replayed commit time are read. A standby that has
// replayed the primary's current position is not lagging at all, however
// old its last replayed commit (an idle primary commits nothing, and
// now() - pg_last_xact_replay_timestamp() grows without the standby missing
// anything). Otherwise its lag is the smaller of the two upper bounds: the
// age of its last replayed commit, and the age of the newest primary
// position it has reached.
type Replicas struct {
	nodes    []*replica
	maxLag   time.Duration
	interval time.Duration
	log      *slog.Logger
	// primary is what the monitor samples the WAL position on.
	primary bun.IDB

	next         atomic.Uint64
	readsPrimary atomic.Uint64
	readsReplica atomic.Uint64
	fallbacks    [fallbackReasons]atomic.Uint64

	mu      sync.Mutex
	samples []lsnSample // the primary's recent WAL positions, oldest first
}

// Fallback reasons: why a read that could have gone to a standby went to
// the primary.
const (
	FallbackUnavailable = "unavailable" // no standby answers
	FallbackLag         = "lag"         // every standby that answers lags too much
	FallbackError       = "error"       // the read failed on the standby
	fallbackReasons     = 3
)

var fallbackNames = [fallbackReasons]string{FallbackUnavailable, FallbackLag, FallbackError}

type replica struct {
	name string // host and database, no credentials: for logs and metrics
	db   *bun.DB

	down    atomic.Bool  // failed its last probe or read; logged once per outage
	lagging atomic.Bool  // lag over the limit; logged once per episode
	lagNS   atomic.Int64 // last sampled lag
	reads   atomic.Uint64
}

type lsnSample struct {
	at  time.Time
	lsn uint64
}

// ReplicaOptions tune Replicas; zero values take the defaults.
type ReplicaOptions struct {
	// MaxLag is how far behind the primary a standby may be and still serve
	// (default DefaultReplicaMaxLag).
	MaxLag time.Duration
	// Interval is how often the lag is sampled (default a fifth of MaxLag,
	// at most a second).
	Interval time.Duration
	Logger   *slog.Logger
	Pool     Options
}

// DefaultReplicaMaxLag is the lag over which a standby stops serving reads.
const DefaultReplicaMaxLag = 5 * time.Second

// OpenReplicas opens a pool on each standby (postgres:// URLs). A standby
// that does not answer at start is not an error: it starts as down and is
// used once it answers. primary is the pool the WAL position is read on.
func OpenReplicas(ctx context.Context, primary bun.IDB, urls []string, opts ReplicaOptions) (*Replicas, error) {
	r := NewReplicas(primary, opts)
	for _, u := range urls {
		db, err := openPool(u, opts.Pool)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.Add(ReplicaName(u), db)
	}
	r.Sample(ctx)
	return r, nil
}

// NewReplicas returns a router with no standbys: every read goes to the
// primary (and is counted as such) until Add.
func NewReplicas(primary bun.IDB, opts ReplicaOptions) *Replicas {
	if opts.MaxLag <= 0 {
		opts.MaxLag = DefaultReplicaMaxLag
	}
	if opts.Interval <= 0 {
		opts.Interval = min(opts.MaxLag/5, time.Second)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Replicas{primary: primary, maxLag: opts.MaxLag, interval: opts.Interval, log: opts.Logger}
}

// Add adds a standby, down until its first good sample.
func (r *Replicas) Add(name string, db *bun.DB) {
	for _, o := range r.nodes {
		if o.name == name {
			name += "#" + strconv.Itoa(len(r.nodes)+1)
			break
		}
	}
	n := &replica{name: name, db: db}
	n.down.Store(true)
	r.nodes = append(r.nodes, n)
}

// ReplicaName is a standby's URL without credentials or options.
func ReplicaName(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		if u != nil && u.Query().Get("host") != "" {
			return u.Query().Get("host") + ":" + u.Query().Get("port") + u.Path
		}
		return "replica"
	}
	return u.Host + u.Path
}

// Close closes the standbys' pools.
func (r *Replicas) Close() {
	if r == nil {
		return
	}
	for _, n := range r.nodes {
		_ = n.db.Close()
	}
}

type readsKey struct{}

// WithReplicaReads marks ctx as the pop path's: Read calls under it may be
// served by a standby of r. A nil r leaves ctx as it is.
func WithReplicaReads(ctx context.Context, r *Replicas) context.Context {
	if r == nil {
		return ctx
	}
	return context.WithValue(ctx, readsKey{}, r)
}

// Read runs fn, a read without side effects, on a standby when ctx is
// marked by WithReplicaReads and one is fit to serve, otherwise on primary.
// A read that fails on a standby with a database error is run again on
// primary, so fn must not keep anything from a failed attempt.
func Read(ctx context.Context, primary bun.IDB, fn func(db bun.IDB) error) error {
	r, _ := ctx.Value(readsKey{}).(*Replicas)
	if r == nil {
		return fn(primary)
	}
	return r.read(ctx, primary, fn)
}

func (r *Replicas) read(ctx context.Context, primary bun.IDB, fn func(db bun.IDB) error) error {
	n, reason := r.pick()
	if n == nil {
		if reason >= 0 {
			r.fallbacks[reason].Add(1)
		}
		r.readsPrimary.Add(1)
		return fn(primary)
	}
	err := fn(n.db)
	if !replicaFault(ctx, err) {
		n.reads.Add(1)
		r.readsReplica.Add(1)
		return err
	}
	if IsUnavailable(err) {
		r.markDown(n, err)
		r.fallbacks[0].Add(1)
	} else {
		r.log.Warn("a read failed on a database replica; reading from the primary", "replica", n.name, "err", err)
		r.fallbacks[2].Add(1)
	}
	r.readsPrimary.Add(1)
	return fn(primary)
}

// replicaFault tells whether err is the standby's failure rather than an
// answer (no row, a domain error) or the caller giving up.
func replicaFault(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.Is(err, sql.ErrNoRows) {
		return false
	}
	if _, ok := apperr.As(err); ok && !IsUnavailable(err) {
		return false
	}
	var pgErr *pgconn.PgError
	// Any server error on a standby (a query cancelled by a recovery
	// conflict, 40001, among them) is worth one try on the primary.
	return IsUnavailable(err) || errors.As(err, &pgErr)
}

// pick returns the next standby fit to serve, round robin, or nil with the
// fallback reason (-1 when there are no standbys at all).
func (r *Replicas) pick() (*replica, int) {
	if len(r.nodes) == 0 {
		return nil, -1
	}
	start := r.next.Add(1)
	reason := 0
	for i := range len(r.nodes) {
		n := r.nodes[(start+uint64(i))%uint64(len(r.nodes))]
		if n.down.Load() {
			continue
		}
		if n.lagging.Load() {
			reason = 1
			continue
		}
		return n, 0
	}
	return nil, reason
}

func (r *Replicas) markDown(n *replica, err error) {
	if n.down.CompareAndSwap(false, true) {
		r.log.Warn("database replica unavailable; pop reads go to the primary until it answers", "replica", n.name, "err", err)
	}
}

// Run samples the standbys' lag every interval until ctx ends.
func (r *Replicas) Run(ctx context.Context) {
	if r == nil || len(r.nodes) == 0 {
		return
	}
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.Sample(ctx)
		}
	}
}

// Sample reads the primary's WAL position, then each standby's state, and
// updates which standbys may serve. Run calls it; tests call it directly.
func (r *Replicas) Sample(ctx context.Context) {
	if len(r.nodes) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, max(r.interval, time.Second))
	defer cancel()
	var lsnText string
	err := r.primary.NewRaw("SELECT pg_current_wal_lsn()::text").Scan(ctx, &lsnText)
	r.mu.Lock()
	if lsn, perr := parseLSN(lsnText); err == nil && perr == nil {
		r.samples = append(r.samples, lsnSample{at: time.Now(), lsn: lsn})
		// Older samples than twice the limit say nothing new.
		keep := int(2*r.maxLag/r.interval) + 2
		if len(r.samples) > keep {
			r.samples = append(r.samples[:0], r.samples[len(r.samples)-keep:]...)
		}
	}
	samples := append([]lsnSample(nil), r.samples...)
	r.mu.Unlock()
	for _, n := range r.nodes {
		r.sampleOne(ctx, n, samples)
	}
}

func (r *Replicas) sampleOne(ctx context.Context, n *replica, samples []lsnSample) {
	var (
		inRecovery bool
		replayLSN  sql.NullString
		replayAge  sql.NullFloat64
	)
	err := n.db.NewRaw(`SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
		extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8`).Scan(ctx, &inRecovery, &replayLSN, &replayAge)
	if err != nil {
		r.markDown(n, err)
		return
	}
	lag := computeLag(time.Now(), inRecovery, replayLSN, replayAge, samples)
	n.lagNS.Store(int64(lag))
	if n.down.CompareAndSwap(true, false) {
		r.log.Info("database replica answers; pop reads use it", "replica", n.name, "lag", lag.Round(time.Millisecond))
	}
	over := lag > r.maxLag
	if over && n.lagging.CompareAndSwap(false, true) {
		r.log.Warn("database replica lags; pop reads go to the primary until it catches up",
			"replica", n.name, "lag", lag.Round(time.Millisecond), "max_lag", r.maxLag)
	} else if !over && n.lagging.CompareAndSwap(true, false) {
		r.log.Info("database replica caught up; pop reads use it", "replica", n.name, "lag", lag.Round(time.Millisecond))
	}
}

// NoLagKnown stands for a lag that cannot be bounded: the standby serves
// nothing until it can.
const NoLagKnown = time.Duration(1<<63 - 1)

// computeLag bounds how far behind the primary a standby is (see Replicas).
func computeLag(now time.Time, inRecovery bool, replayLSN sql.NullString, replayAge sql.NullFloat64, samples []lsnSample) time.Duration {
	if !inRecovery {
		return 0 // promoted: it is a primary itself
	}
	replay, err := parseLSN(replayLSN.String)
	if !replayLSN.Valid || err != nil {
		return NoLagKnown
	}
	lag := NoLagKnown
	if replayAge.Valid {
		lag = time.Duration(max(replayAge.Float64, 0) * float64(time.Second))
	}
	for i := len(samples) - 1; i >= 0; i-- {
		if samples[i].lsn <= replay {
			if i == len(samples)-1 {
				// It has all the primary had at the last sample: now, or,
				// when the primary cannot be asked, all there is to have.
				return 0
			}
			lag = min(lag, now.Sub(samples[i].at))
			break
		}
	}
	return lag
}

// parseLSN reads PostgreSQL's pg_lsn text form, two hexadecimal halves
// ("16/B374D848").
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("not an LSN: %q", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, err
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, err
	}
	return h<<32 | l, nil
}

// ReplicaStats are the figures of the metrics.
type ReplicaStats struct {
	ReadsPrimary, ReadsReplica uint64
	Fallbacks                  map[string]uint64
	Replicas                   []ReplicaState
}

// ReplicaState is one standby's state.
type ReplicaState struct {
	Name    string
	Up      bool
	Lagging bool
	Lag     time.Duration
	Reads   uint64
}

// Stats returns the counters and each standby's state.
func (r *Replicas) Stats() ReplicaStats {
	s := ReplicaStats{Fallbacks: map[string]uint64{}}
	if r == nil {
		return s
	}
	s.ReadsPrimary, s.ReadsReplica = r.readsPrimary.Load(), r.readsReplica.Load()
	for i, name := range fallbackNames {
		s.Fallbacks[name] = r.fallbacks[i].Load()
	}
	for _, n := range r.nodes {
		s.Replicas = append(s.Replicas, ReplicaState{Name: n.name, Up: !n.down.Load(), Lagging: n.lagging.Load(),
			Lag: time.Duration(n.lagNS.Load()), Reads: n.reads.Load()})
	}
	return s
}
