// Package auditlog is the audit log as a tenant's admins read it. Entries
// are written by the services whose actions they record (a reveal by
// tables, a revealed export by importer, a queryCustomer reveal by
// external); this service is the one way to read them, so the web layer
// never queries the table itself.
package auditlog

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/audit"
)

// Entry is one audited action.
type Entry = audit.Entry

// Service reads the audit log.
type Service struct{ db bun.IDB }

// New returns the service on db.
func New(db bun.IDB) *Service { return &Service{db: db} }

// List returns a tenant's newest entries, at most limit, optionally of one
// action (e.g. record.reveal); never another tenant's.
func (s *Service) List(ctx context.Context, tenantID int64, action string, limit int64) ([]Entry, error) {
	es, err := audit.List(ctx, s.db, tenantID, action, limit)
	if err != nil {
		return nil, fmt.Errorf("audit log of tenant %d: %w", tenantID, err)
	}
	if es == nil {
		es = []Entry{}
	}
	return es, nil
}
