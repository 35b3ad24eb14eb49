// Package audit writes and reads the audit log: who did what to which tenant's
// data, and when. Entries never hold the plaintext of an encrypted value.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Entry is one audited action.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log,alias:a"`

	ID       int64          `bun:",pk,autoincrement" json:"id"`
	TenantID *int64         `json:"tenantId,omitempty"`
	UserID   *int64         `json:"userId,omitempty"`
	Action   string         `bun:",notnull" json:"action"`
	Target   string         `bun:",notnull" json:"target"`
	Detail   map[string]any `bun:"type:jsonb,notnull" json:"detail"`
	CallID   string         `bun:",notnull" json:"callId"`
	At       time.Time      `bun:",nullzero,notnull,default:current_timestamp" json:"at"`
}

// Record writes an entry; db may be a transaction so the entry commits with
// the change it describes.
func Record(ctx context.Context, db bun.IDB, e Entry) error {
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	if _, err := db.NewInsert().Model(&e).Exec(ctx); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// List returns a tenant's newest entries, optionally of one action.
func List(ctx context.Context, db bun.IDB, tenantID int64, action string, limit int64) ([]Entry, error) {
	var es []Entry
	q := db.NewSelect().Model(&es).Where("tenant_id = ?", tenantID).Order("id DESC").Limit(limit)
	if action != "" {
		q = q.Where("action = ?", action)
	}
	err := q.Scan(ctx)
	return es, err
}
