package accounts

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
)

// User management by a person (the admin settings page, the operator's
// tenant page), with the rules that keep permissions from spreading:
//   - only a holder of a permission may grant or withdraw it (reveal shows
//     customers' masked data in clear): the rule of actor.go, checkGrant,
//     stated once for the API and the pages;
//   - nobody changes their own role or permissions, or disables or deletes
//     themselves (so an admin cannot lock the tenant out, either);
//   - an admin manages only users of their own tenant (an operator, the
//     users of any tenant).
// The actor is the signed-in user; tenantID the tenant whose user is
// changed.

// actOn loads the target user after checking the actor may manage users
// of tenantID at all, and that the target is not the actor.
func (s *Service) actOn(ctx context.Context, actor *User, tenantID, targetID int64) (*User, error) {
	if actor == nil {
		return nil, apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	switch actor.Role {
	case RoleOperator:
	case RoleAdmin:
		if actor.TenantID == nil || *actor.TenantID != tenantID {
			return nil, apperr.NotFoundf("user.not_found")
		}
	default:
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if actor.ID == targetID {
		return nil, apperr.New(apperr.Forbidden, "user.not_self")
	}
	return s.GetUser(ctx, tenantID, targetID)
}

// grantAs applies the one grant rule (checkGrant) with actor as the
// request's actor: the settings pages pass the signed-in user explicitly,
// the API's context carries it, and both meet the same rule.
func grantAs(ctx context.Context, actor *User, targetID int64, before, after []string) error {
	for _, p := range after {
		if !slices.Contains(KnownPermissions, Permission(p)) {
			return apperr.Field("permissions", "field.permission", p)
		}
	}
	return checkGrant(WithActor(ctx, &Principal{User: actor}), targetID, before, after)
}

// CreateUserAs creates a user on behalf of actor: the permissions granted
// must be the actor's own.
func (s *Service) CreateUserAs(ctx context.Context, actor *User, in NewUser) (*User, error) {
	if err := grantAs(ctx, actor, 0, nil, in.Permissions); err != nil {
		return nil, err
	}
	return s.CreateUser(ctx, in)
}

// SetPermissions replaces the permissions of another user of the tenant.
func (s *Service) SetPermissions(ctx context.Context, actor *User, tenantID, targetID int64, perms []string) (*User, error) {
	u, err := s.actOn(ctx, actor, tenantID, targetID)
	if err != nil {
		return nil, err
	}
	if perms == nil {
		perms = []string{}
	}
	if err := grantAs(ctx, actor, targetID, u.Permissions, perms); err != nil {
		return nil, err
	}
	return s.UpdateUser(ctx, tenantID, targetID, UserUpdate{Permissions: perms})
}

// SetRole makes another user of the tenant an admin or an agent.
func (s *Service) SetRole(ctx context.Context, actor *User, tenantID, targetID int64, role Role) (*User, error) {
	u, err := s.actOn(ctx, actor, tenantID, targetID)
	if err != nil {
		return nil, err
	}
	if role != RoleAdmin && role != RoleAgent {
		return nil, apperr.Field("role", "field.role")
	}
	u.Role = role
	if _, err := s.db.NewUpdate().Model(u).Column("role").Where("id = ? AND tenant_id = ?", targetID, tenantID).Exec(ctx); err != nil {
		return nil, err
	}
	// A new role means new rights: sessions start again under it.
	if _, err := s.db.NewDelete().Model((*session)(nil)).Where("user_id = ?", targetID).Exec(ctx); err != nil {
		return nil, err
	}
	return u, nil
}

// SetUserDisabled disables (signing them out everywhere) or re-enables
// another user of the tenant.
func (s *Service) SetUserDisabled(ctx context.Context, actor *User, tenantID, targetID int64, disabled bool) (*User, error) {
	if _, err := s.actOn(ctx, actor, tenantID, targetID); err != nil {
		return nil, err
	}
	return s.UpdateUser(ctx, tenantID, targetID, UserUpdate{Disabled: &disabled})
}

// ResetPassword sets a new password for another user of the tenant and
// signs them out everywhere.
func (s *Service) ResetPassword(ctx context.Context, actor *User, tenantID, targetID int64, password string) error {
	u, err := s.actOn(ctx, actor, tenantID, targetID)
	if err != nil {
		return err
	}
	return s.SetPassword(ctx, u.Username, password)
}

// DeleteUser removes another user of the tenant; their sessions go with
// them, and what they published or imported keeps no author.
func (s *Service) DeleteUser(ctx context.Context, actor *User, tenantID, targetID int64) error {
	if _, err := s.actOn(ctx, actor, tenantID, targetID); err != nil {
		return err
	}
	_, err := s.db.NewDelete().Model((*User)(nil)).Where("id = ? AND tenant_id = ?", targetID, tenantID).Exec(ctx)
	return err
}

// CreateTenantWithAdmin creates a tenant and, when admin is not nil, its
// first admin, together or not at all, so an operator never leaves a tenant
// nobody can sign in to. Field errors of the admin are named "admin.<field>".
func (s *Service) CreateTenantWithAdmin(ctx context.Context, in NewTenant, admin *NewUser) (*Tenant, *User, error) {
	var t *Tenant
	var u *User
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		txs := *s
		txs.db = tx
		var err error
		if t, err = txs.CreateTenant(ctx, in); err != nil || admin == nil {
			return err
		}
		a := *admin
		a.TenantID, a.Role = &t.ID, RoleAdmin
		if u, err = txs.CreateUser(ctx, a); err != nil {
			return prefixFieldErrors(err, "admin.")
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

func prefixFieldErrors(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = prefix + f.Field
		out.Fields[i] = f
	}
	return &out
}
