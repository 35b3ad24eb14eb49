package accounts

import (
	"context"
	"slices"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/audit"
)

type actorKey struct{}

// WithActor records who makes the request, for the rules and the audit
// entries of the calls made with ctx. The web layer sets it for every
// authenticated request (middleware), so handlers need not pass it; a
// context without an actor is the server's own code (the CLI, run by
// whoever holds the server, and the demo seed).
func WithActor(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, actorKey{}, p)
}

// ActorFrom returns the request's actor, or nil for the server itself.
func ActorFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(actorKey{}).(*Principal)
	return p
}

// AuditUserID is the user an audit entry names; nil for API keys.
func (p *Principal) AuditUserID() *int64 {
	if p == nil || p.User == nil {
		return nil
	}
	id := p.User.ID
	return &id
}

// AuditDetail names the principal in an audit entry's detail: the user, or
// the key's prefix and name (an API key has no user), or the server itself.
func (p *Principal) AuditDetail() map[string]any {
	switch {
	case p == nil:
		return map[string]any{"actor": "system"}
	case p.User != nil:
		return map[string]any{"actor": "user", "username": p.User.Username}
	case p.APIKey != nil:
		return map[string]any{"actor": "apiKey", "keyPrefix": p.APIKey.Prefix, "keyName": p.APIKey.Name}
	}
	return map[string]any{"actor": "unknown"}
}

// checkGrant enforces who may hand out permissions: only a holder of a
// permission may grant or withdraw it (an admin role is not enough), and
// nobody changes their own permissions. The server itself (no actor) and
// operators may.
func checkGrant(ctx context.Context, targetUserID int64, before, after []string) error {
	actor := ActorFrom(ctx)
	if actor == nil {
		return nil
	}
	if targetUserID != 0 && actor.User != nil && actor.User.ID == targetUserID && !sameSet(before, after) {
		return apperr.New(apperr.Forbidden, "user.own_permissions")
	}
	if actor.User != nil && actor.User.Role == RoleOperator {
		// Operators run the server and set up each tenant's first holders
		// (an operator never holds a tenant permission himself).
		return nil
	}
	for _, p := range KnownPermissions {
		if slices.Contains(before, string(p)) != slices.Contains(after, string(p)) && !actor.Can(p) {
			return apperr.New(apperr.Forbidden, "user.grant_denied", string(p))
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// recordAction writes an audit entry for a change to accounts, naming the
// actor from ctx.
func (s *Service) recordAction(ctx context.Context, tenantID *int64, action, target string, detail map[string]any) error {
	actor := ActorFrom(ctx)
	d := actor.AuditDetail()
	for k, v := range detail {
		d[k] = v
	}
	return audit.Record(ctx, s.db, audit.Entry{TenantID: tenantID, UserID: actor.AuditUserID(), Action: action, Target: target, Detail: d})
}
