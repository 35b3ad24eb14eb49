// Package engine is the screen-pop engine: it ties the domain services
// (accounts, settings, audit, and later tables, pages and pops) to one
// database and one master key. The web layer and the CLI talk to an *Engine;
// nothing below it knows about HTTP.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/auditlog"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/external"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/importer"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/internal/metrics"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
)

// Engine is the running application's domain side.
type Engine struct {
	DB        *bun.DB
	MasterKey masterkey.Key
	Accounts  *accounts.Service
	Settings  *settings.Service
	Tables    *tables.Service
	Pages     *pages.Service
	Pops      *pops.Service
	Nonces    *pops.Nonces
	Calls     *calls.Service
	// Hub delivers call notices to this instance's workspaces; Start runs it.
	Hub *calls.Hub
	// PopRuntime serves pops to the platforms and the agent workspace.
	PopRuntime *pops.Runtime
	// Webhooks posts to tenants' endpoints (outbound calls) through the
	// address-guarded client (External's).
	Webhooks WebhookPoster
	// Imports runs CSV/XLSX imports and exports; Imports.Start runs its
	// workers.
	Imports *importer.Service
	// Audit reads the audit log (each service writes its own entries).
	Audit *auditlog.Service
	// External is the registry of external interfaces and the queryCustomer
	// connector behind external pages (one shared client).
	External *external.Service
	// QueryCustomer is the queryCustomer server: the contract answered
	// from a published page.
	QueryCustomer *external.Server
	// Metrics are this engine's Prometheus collectors (served by the
	// metrics listener, updated by every layer).
	Metrics *metrics.Metrics
	// Replicas route the pops' reads to PostgreSQL hot standbys (none
	// unless UseReplicas); their counters are in the metrics either way.
	Replicas *database.Replicas
	// CallRetention is how long call events and verification results are
	// kept; Start purges older ones every hour (the operator's
	// SCREENPOP_CALL_RETENTION_DAYS, 30 days by default).
	CallRetention time.Duration
}

// DefaultCallRetention is the call data retention unless configured.
const DefaultCallRetention = 30 * 24 * time.Hour

// WebhookPoster posts a JSON body to a tenant-configured https endpoint.
type WebhookPoster interface {
	PostJSON(ctx context.Context, url string, body any) error
}

// New wires the services on db.
func New(db *bun.DB, key masterkey.Key) (*Engine, error) {
	keyring, err := tables.NewKeyring(db, key.Bytes())
	if err != nil {
		return nil, err
	}
	ext, err := external.New(db, key.Derive("external-headers", 32))
	if err != nil {
		return nil, err
	}
	e := &Engine{
		DB:        db,
		MasterKey: key,
		Accounts:  accounts.New(db),
		Settings:  settings.New(db),
		External:  ext,
		Webhooks:  ext,
		Audit:     auditlog.New(db),
	}
	e.Tables = tables.NewService(db, keyring, e.Settings)
	e.Pages = pages.NewService(db, e.Tables, e.Settings, e.External)
	e.QueryCustomer = external.NewServer(db, e.Pages)
	e.Pops = pops.New(db, e.Settings, e.Pages, keyring)
	e.Nonces = pops.NewNonces(db)
	e.Metrics = metrics.New()
	e.Calls = calls.New(db, keyring)
	e.CallRetention = DefaultCallRetention
	e.PopRuntime = pops.NewRuntime(e.Pops, e.Accounts, e.Pages, e.Calls, e.Nonces, key, e.Webhooks)
	e.Replicas = database.NewReplicas(db, database.ReplicaOptions{})
	e.PopRuntime.SetReplicas(e.Replicas)
	e.Calls.OnRecord = func() { e.Metrics.CallEvents.WithLabelValues(metrics.StageAccepted).Inc() }
	e.Hub = calls.NewHub(db.DB, slog.Default())
	e.registerMetrics()
	e.Imports = importer.NewService(db, e.Tables, e.Settings)
	return e, nil
}

// SetLogger gives the background work (call listener, importer) the
// application's logger, with its format and level.
func (e *Engine) SetLogger(log *slog.Logger) {
	e.Hub.SetLogger(log)
	e.Imports.SetLogger(log)
}

// UseReplicas makes pops read from the standbys of r (see
// database.Replicas); Start samples their lag. Call before Start.
func (e *Engine) UseReplicas(r *database.Replicas) {
	e.Replicas = r
	e.PopRuntime.SetReplicas(r)
}

// Start runs the engine's background work (the call-notice listener and
// the call data purge) until ctx ends.
func (e *Engine) Start(ctx context.Context) {
	go e.Hub.Run(ctx)
	go e.Replicas.Run(ctx)
	go e.purgeCalls(ctx, time.Hour)
	go e.backfillIndexSuffixes(ctx)
	go accounts.PrepareLogin()
}

// backfillIndexSuffixes gives the records written before the suffix blind
// index theirs, once per start, in the background: the server answers
// meanwhile, and an interrupted run resumes at the next start.
func (e *Engine) backfillIndexSuffixes(ctx context.Context) {
	n, err := e.Tables.BackfillIndexSuffixes(ctx, 500)
	if err != nil && ctx.Err() == nil {
		slog.Warn("backfill index suffixes", "filled", n, "err", err)
	} else if n > 0 {
		slog.Info("backfilled index suffixes of older records", "records", n)
	}
}

// purgeCalls deletes call data past its retention now and then every
// interval. Every instance may run it: a delete by age is idempotent.
func (e *Engine) purgeCalls(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := e.Calls.Purge(ctx, e.CallRetention); err != nil && ctx.Err() == nil {
			slog.Warn("purge call data", "err", err)
		} else if n > 0 {
			slog.Info("purged call data past retention", "rows", n, "retention", e.CallRetention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Ready checks that the database answers, for /readyz.
func (e *Engine) Ready(ctx context.Context) error {
	var one int
	if err := e.DB.NewSelect().ColumnExpr("1").Scan(ctx, &one); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

// errAlreadySeeded stops the seeding transaction without error.
var errAlreadySeeded = errors.New("already seeded")

// IsUnavailable reports whether err means the database cannot serve now
// (down, restarting, out of connections): worth a 503 and a retry, not a
// 500. The web layer asks here; it does not reach the database package.
func IsUnavailable(err error) bool { return database.IsUnavailable(err) }
