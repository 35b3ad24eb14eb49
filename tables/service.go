package tables

import (
	"context"
	"sync"

	"github.com/uptrace/bun"
)

// Service is the base-tables store: definitions, records and their keys.
type Service struct {
	db   bun.IDB
	keys *Keyring
	// MaxTables returns the current limit of tables per tenant (a system
	// parameter owned by the engine); nil means 5.
	MaxTables func(ctx context.Context) (int, error)

	schemas sync.Map // table id → *Schema, checked against base_tables.version
}

// NewService returns a Service on db with the tenants' keyring.
func NewService(db bun.IDB, keys *Keyring) *Service {
	return &Service{db: db, keys: keys}
}

// Keys returns the keyring (for rotation).
func (s *Service) Keys() *Keyring { return s.keys }

func (s *Service) maxTables(ctx context.Context) (int, error) {
	if s.MaxTables == nil {
		return 5, nil
	}
	return s.MaxTables(ctx)
}
