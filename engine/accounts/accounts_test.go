package accounts_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/apperrtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

var seq atomic.Int64

func uniq(p string) string { return p + strconv.FormatInt(seq.Add(1), 10) }

func service(t *testing.T) *accounts.Service {
	s := accounts.New(testkit.DB(t))
	s.BcryptCost = 4
	return s
}

func TestCreateTenantValidation(t *testing.T) {
	s := service(t)
	ctx := context.Background()
	taken := uniq("taken")
	if _, err := s.CreateTenant(ctx, accounts.NewTenant{Slug: taken, Name: "T"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       accounts.NewTenant
		field    string
		wantMsg  string
		wantCode apperr.Code
	}{
		{"upper case slug", accounts.NewTenant{Slug: "ACME", Name: "x"}, "slug", "Use 2–63 lowercase letters", apperr.Invalid},
		{"one-letter slug", accounts.NewTenant{Slug: "a", Name: "x"}, "slug", "Use 2–63 lowercase letters", apperr.Invalid},
		{"empty name", accounts.NewTenant{Slug: uniq("ok"), Name: "  "}, "name", "This field is required.", apperr.Invalid},
		{"long name", accounts.NewTenant{Slug: uniq("ok"), Name: strings.Repeat("名", 129)}, "name", "At most 128 characters.", apperr.Invalid},
		{"duplicate", accounts.NewTenant{Slug: taken, Name: "x"}, "slug", "A tenant with this code already exists.", apperr.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateTenant(ctx, tt.in)
			if !apperr.Is(err, tt.wantCode) {
				t.Fatalf("err %v, want code %s", err, tt.wantCode)
			}
			if msg := fieldMessage(err, tt.field); !strings.HasPrefix(msg, tt.wantMsg) {
				t.Fatalf("%s message %q, want it to start with %q", tt.field, msg, tt.wantMsg)
			}
		})
	}
}

func TestCreateUserValidation(t *testing.T) {
	s := service(t)
	ctx := context.Background()
	tn, err := s.CreateTenant(ctx, accounts.NewTenant{Slug: uniq("users"), Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	tid := &tn.ID
	tests := []struct {
		name    string
		in      accounts.NewUser
		field   string
		wantMsg string
	}{
		{"short password", accounts.NewUser{TenantID: tid, Username: uniq("u"), Role: accounts.RoleAgent, Password: "short"}, "password", "At least 8 characters."},
		{"bad username", accounts.NewUser{TenantID: tid, Username: "a b", Role: accounts.RoleAgent, Password: "long-enough"}, "username", "Use 2–64 letters"},
		{"unknown role", accounts.NewUser{TenantID: tid, Username: uniq("u"), Role: "boss", Password: "long-enough"}, "role", "Choose operator, admin or agent."},
		{"operator in a tenant", accounts.NewUser{TenantID: tid, Username: uniq("u"), Role: accounts.RoleOperator, Password: "long-enough"}, "role", "Operators belong to no tenant"},
		{"agent without tenant", accounts.NewUser{Username: uniq("u"), Role: accounts.RoleAgent, Password: "long-enough"}, "role", "Operators belong to no tenant"},
		{"unknown permission", accounts.NewUser{TenantID: tid, Username: uniq("u"), Role: accounts.RoleAgent, Password: "long-enough", Permissions: []string{"sudo"}}, "permissions", `Unknown permission "sudo".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tt.in)
			if msg := fieldMessage(err, tt.field); !strings.HasPrefix(msg, tt.wantMsg) {
				t.Fatalf("%s message %q (err %v), want it to start with %q", tt.field, msg, err, tt.wantMsg)
			}
		})
	}
}

func TestSessionsAndDisabling(t *testing.T) {
	s := service(t)
	ctx := context.Background()
	tn, _ := s.CreateTenant(ctx, accounts.NewTenant{Slug: uniq("sess"), Name: "T"})
	u, err := s.CreateUser(ctx, accounts.NewUser{TenantID: &tn.ID, Username: uniq("u"), Role: accounts.RoleAgent, Password: "long-enough"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, u.Username, "long-enough", "192.0.2.1"); err != nil {
		t.Fatalf("login: %v", err)
	}
	token, err := s.CreateSession(ctx, u.ID, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionUser(ctx, token); err != nil || got.ID != u.ID {
		t.Fatalf("session user: %v %v", got, err)
	}
	if _, err := s.SessionUser(ctx, token+"x"); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("tampered token: %v", err)
	}

	// Disabling the tenant ends its sessions and sign-ins.
	if err := s.SetTenantDisabled(ctx, tn.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, token); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("session of a disabled tenant still valid: %v", err)
	}
	if _, err := s.Login(ctx, u.Username, "long-enough", "192.0.2.1"); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("login to a disabled tenant: %v", err)
	}
	_ = s.SetTenantDisabled(ctx, tn.ID, false)

	// A new password signs the user out everywhere.
	if err := s.SetPassword(ctx, u.Username, "another-pass"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, token); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("session survived a password change: %v", err)
	}
	if err := s.DeleteSession(ctx, token); err != nil {
		t.Fatal(err)
	}
}

func TestAPIKeys(t *testing.T) {
	s := service(t)
	ctx := context.Background()
	a, _ := s.CreateTenant(ctx, accounts.NewTenant{Slug: uniq("keys"), Name: "A"})
	b, _ := s.CreateTenant(ctx, accounts.NewTenant{Slug: uniq("keys"), Name: "B"})
	secret, k, err := s.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: a.ID, Name: "sync", Scopes: []string{"reveal"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.AuthenticateAPIKey(ctx, secret)
	if err != nil || got.TenantID != a.ID || !(&accounts.Principal{APIKey: got}).Can(accounts.PermReveal) {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	if err := s.RevokeAPIKey(ctx, b.ID, k.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("revoke by another tenant: %v, want not found", err)
	}
	if err := s.RevokeAPIKey(ctx, a.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, secret); !apperr.Is(err, apperr.Unauthorized) {
		t.Fatalf("revoked key still works: %v", err)
	}
	if _, _, err := s.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: a.ID, Name: ""}); fieldMessage(err, "name") != "This field is required." {
		t.Fatalf("empty name: %v", err)
	}
}

// fieldMessage is shared with the other packages' tests.
var fieldMessage = apperrtest.FieldMessage
