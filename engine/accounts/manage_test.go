package accounts_test

import (
	"context"
	"slices"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
)

// The rules of managing users: only a holder grants a permission, nobody
// acts on themselves, an admin only in their own tenant.
func TestManageUserRules(t *testing.T) {
	s := service(t)
	ctx := context.Background()
	tenant, err := s.CreateTenant(ctx, accounts.NewTenant{Slug: uniq("m"), Name: "M"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateTenant(ctx, accounts.NewTenant{Slug: uniq("o"), Name: "O"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(tid *int64, role accounts.Role, perms ...string) *accounts.User {
		u, err := s.CreateUser(ctx, accounts.NewUser{TenantID: tid, Username: uniq("u"), Role: role, Permissions: perms, Password: "long-enough-1"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	revealer := mk(&tenant.ID, accounts.RoleAdmin, "reveal")
	plain := mk(&tenant.ID, accounts.RoleAdmin)
	agent := mk(&tenant.ID, accounts.RoleAgent)
	agent2 := mk(&tenant.ID, accounts.RoleAgent, "reveal")
	stranger := mk(&other.ID, accounts.RoleAdmin, "reveal")
	operator := mk(nil, accounts.RoleOperator)
	tid := tenant.ID

	refusals := []struct {
		name string
		do   func() error
		code apperr.Code
	}{
		{"grant unheld reveal", func() error { _, err := s.SetPermissions(ctx, plain, tid, agent.ID, []string{"reveal"}); return err }, apperr.Forbidden},
		{"withdraw unheld reveal", func() error { _, err := s.SetPermissions(ctx, plain, tid, agent2.ID, nil); return err }, apperr.Forbidden},
		{"own permissions", func() error { _, err := s.SetPermissions(ctx, revealer, tid, revealer.ID, nil); return err }, apperr.Forbidden},
		{"own role", func() error { _, err := s.SetRole(ctx, plain, tid, plain.ID, accounts.RoleAgent); return err }, apperr.Forbidden},
		{"disable self", func() error { _, err := s.SetUserDisabled(ctx, plain, tid, plain.ID, true); return err }, apperr.Forbidden},
		{"delete self", func() error { return s.DeleteUser(ctx, plain, tid, plain.ID) }, apperr.Forbidden},
		{"agent manages", func() error { _, err := s.SetRole(ctx, agent, tid, agent2.ID, accounts.RoleAdmin); return err }, apperr.Forbidden},
		{"other tenant", func() error { return s.DeleteUser(ctx, stranger, tid, agent.ID) }, apperr.NotFound},
		{"other tenant via own id", func() error { return s.DeleteUser(ctx, stranger, other.ID, agent.ID) }, apperr.NotFound},
		{"bad role", func() error { _, err := s.SetRole(ctx, plain, tid, agent.ID, accounts.RoleOperator); return err }, apperr.Invalid},
		{"short password", func() error { return s.ResetPassword(ctx, plain, tid, agent.ID, "short") }, apperr.Invalid},
		{"create with unheld reveal", func() error {
			_, err := s.CreateUserAs(ctx, plain, accounts.NewUser{TenantID: &tid, Username: uniq("n"), Role: accounts.RoleAgent, Permissions: []string{"reveal"}, Password: "long-enough-1"})
			return err
		}, apperr.Forbidden},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			err := r.do()
			if !apperr.Is(err, r.code) {
				t.Fatalf("err %v, want code %s", err, r.code)
			}
		})
	}

	// What is allowed.
	if u, err := s.SetPermissions(ctx, revealer, tid, agent.ID, []string{"reveal"}); err != nil || !u.Can(accounts.PermReveal) {
		t.Fatalf("holder grants reveal: %v", err)
	}
	if u, err := s.SetPermissions(ctx, revealer, tid, agent2.ID, nil); err != nil || len(u.Permissions) != 0 {
		t.Fatalf("holder withdraws reveal: %v %v", u, err)
	}
	if u, err := s.SetPermissions(ctx, operator, tid, agent2.ID, []string{"reveal"}); err != nil || !u.Can(accounts.PermReveal) {
		t.Fatalf("operator grants reveal: %v", err)
	}
	if u, err := s.SetRole(ctx, plain, tid, agent.ID, accounts.RoleAdmin); err != nil || u.Role != accounts.RoleAdmin {
		t.Fatalf("role: %v %v", u, err)
	}
	if err := s.ResetPassword(ctx, plain, tid, agent.ID, "brand-new-pass"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, agent.Username, "brand-new-pass", "127.0.0.1"); err != nil {
		t.Fatalf("login with the reset password: %v", err)
	}
	if u, err := s.SetUserDisabled(ctx, plain, tid, agent.ID, true); err != nil || !u.Disabled {
		t.Fatalf("disable: %v", err)
	}
	if err := s.DeleteUser(ctx, plain, tid, agent.ID); err != nil {
		t.Fatal(err)
	}
	us, _ := s.ListUsers(ctx, tid)
	if slices.ContainsFunc(us, func(u accounts.User) bool { return u.ID == agent.ID }) {
		t.Fatal("deleted user still listed")
	}
}

// A tenant and its first admin are created together or not at all.
func TestCreateTenantWithAdmin(t *testing.T) {
	s := service(t)
	ctx := context.Background()
	slug := uniq("fa")
	_, _, err := s.CreateTenantWithAdmin(ctx, accounts.NewTenant{Slug: slug, Name: "F"}, &accounts.NewUser{Username: uniq("a"), Password: "short"})
	if e, ok := apperr.As(err); !ok || len(e.Fields) == 0 || e.Fields[0].Field != "admin.password" {
		t.Fatalf("err %v, want a field error on admin.password", err)
	}
	if _, err := s.TenantBySlug(ctx, slug); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("tenant left behind after the admin failed: %v", err)
	}
	tn, u, err := s.CreateTenantWithAdmin(ctx, accounts.NewTenant{Slug: slug, Name: "F"}, &accounts.NewUser{Username: uniq("a"), Password: "long-enough-1"})
	if err != nil || u.Role != accounts.RoleAdmin || *u.TenantID != tn.ID {
		t.Fatalf("tenant with admin: %v %+v", err, u)
	}
}
