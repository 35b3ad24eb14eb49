package tables

import (
	"context"
	"sync"

	"github.com/uptrace/bun"
)

// Limits is what the service needs of the operator's system parameters
// (the engine's settings implement it).
type Limits interface {
	// MaxTables is how many base tables a tenant may define.
	MaxTables(ctx context.Context) (int, error)
}

// FixedLimits are limits that never change, for tools and tests that run
// without the operator's settings.
type FixedLimits struct{ Tables int }

// MaxTables returns l.Tables.
func (l FixedLimits) MaxTables(context.Context) (int, error) { return l.Tables, nil }

// Service is the base-tables store: definitions, records and their keys.
type Service struct {
	db     bun.IDB
	keys   *Keyring
	limits Limits

	schemas sync.Map // table id → *Schema, checked against base_tables.version
	// finds are the pop lookup prepared on each pool it runs on (the
	// primary's, a replica's): *sql.DB → *sql.Stmt.
	finds sync.Map
}

// NewService returns a Service on db with the tenants' keyring, bounded by
// limits.
func NewService(db bun.IDB, keys *Keyring, limits Limits) *Service {
	if limits == nil {
		panic("tables.NewService: nil limits")
	}
	return &Service{db: db, keys: keys, limits: limits}
}

// Keys returns the keyring (for rotation).
func (s *Service) Keys() *Keyring { return s.keys }
