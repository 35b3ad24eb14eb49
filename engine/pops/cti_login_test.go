package pops_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/audit"
)

// An agent's CTI password (seed 003 §二 login.cgi) is stored sealed with the
// tenant's key, for the tenant's own users only, and only its presence is
// ever reported.
func TestCTIPassword(t *testing.T) {
	eng := newEngine(t)
	tn, other := tenant(t, eng), tenant(t, eng)
	work := "101"
	u, err := eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: &tn, Username: uniq("agent"), Role: accounts.RoleAgent, Password: "correct-horse-1", WorkNo: work})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "cti-Secret-101"
	if err := eng.Pops.SetCTIPassword(ctx, tn, u.ID, secret); err != nil {
		t.Fatal(err)
	}
	if set, err := eng.Pops.CTIPasswordSet(ctx, tn, u.ID); err != nil || !set {
		t.Fatalf("set %v %v", set, err)
	}
	var sealed []byte
	if err := eng.DB.NewSelect().Table("cti_credentials").Column("password_sealed").Where("user_id = ?", u.ID).Scan(ctx, &sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(secret)) {
		t.Fatal("the CTI password is stored in clear")
	}
	cases := []struct {
		name     string
		tenantID int64
		password string
		code     apperr.Code
	}{
		{"another tenant's user", other, "x", apperr.NotFound},
		{"too long", tn, string(bytes.Repeat([]byte("a"), pops.MaxCTIPasswordLength+1)), apperr.Invalid},
		{"a line break", tn, "a\r\nb", apperr.Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := eng.Pops.SetCTIPassword(ctx, c.tenantID, u.ID, c.password); !apperr.Is(err, c.code) {
				t.Fatalf("err %v, want %s", err, c.code)
			}
		})
	}
	if set, _ := eng.Pops.CTIPasswordSet(ctx, other, u.ID); set {
		t.Fatal("another tenant sees the password as set")
	}

	// The login.cgi address: off, the default, the tenant's own.
	back := "https://screenpop.example.com/pop/t/1?dialect=cti"
	if to, err := eng.Pops.CTILoginRedirect(ctx, tn, u, "", back); err != nil || to != "" {
		t.Fatalf("way off: %q %v", to, err)
	}
	if _, err := eng.Pops.SaveSettings(ctx, tn, pops.SettingsInput{CTIUnifiedLogin: true}); err != nil {
		t.Fatal(err)
	}
	to, err := eng.Pops.CTILoginRedirect(ctx, tn, u, "", back)
	if want := "http://localhost:180/cgi-bin/login.cgi?user=101&pass=cti-Secret-101&url=https%3A%2F%2Fscreenpop.example.com%2Fpop%2Ft%2F1%3Fdialect%3Dcti"; err != nil || to != want {
		t.Fatalf("redirect %q %v, want %q", to, err, want)
	}
	if _, err := eng.Pops.SaveSettings(ctx, tn, pops.SettingsInput{CTIUnifiedLogin: true, CTILoginURL: "http://127.0.0.1:8180/cgi-bin/login.cgi"}); err != nil {
		t.Fatal(err)
	}
	if to, _ := eng.Pops.CTILoginRedirect(ctx, tn, u, "typed", back); to != "http://127.0.0.1:8180/cgi-bin/login.cgi?user=101&pass=typed&url="+"https%3A%2F%2Fscreenpop.example.com%2Fpop%2Ft%2F1%3Fdialect%3Dcti" {
		t.Fatalf("typed password: %q", to)
	}
	// Removed, the agent must type it.
	if err := eng.Pops.SetCTIPassword(ctx, tn, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Pops.CTILoginRedirect(ctx, tn, u, "", back); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("no password: %v", err)
	}
}

// The login.cgi address is an absolute http(s) address without a query,
// credentials or fragment: screenpop appends the query.
func TestCTILoginURLValidation(t *testing.T) {
	eng := newEngine(t)
	tn := tenant(t, eng)
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"http://localhost:180/cgi-bin/login.cgi", true},
		{"https://cti.example.com/cgi-bin/login.cgi", true},
		{"", true},
		{"http://localhost:180/cgi-bin/login.cgi?x=1", false},
		{"http://user:pw@localhost:180/cgi-bin/login.cgi", false},
		{"javascript:alert(1)", false},
		{"/cgi-bin/login.cgi", false},
		{"http://localhost:180/login.cgi#x", false},
	} {
		_, err := eng.Pops.SaveSettings(ctx, tn, pops.SettingsInput{CTIUnifiedLogin: true, CTILoginURL: c.url})
		if (err == nil) != c.ok {
			t.Errorf("%q: err %v", c.url, err)
		}
	}
}

// Setting and removing an agent's CTI password is audited like the other
// credential changes: the actor, the user, "set" or "removed" — never the
// password, in any column of the row. Removing a password that was not
// stored changes nothing and is not audited; a refused change is not
// audited either.
func TestCTIPasswordAudit(t *testing.T) {
	eng := newEngine(t)
	tn := tenant(t, eng)
	u, err := eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: &tn, Username: uniq("agent"), Role: accounts.RoleAgent, Password: "correct-horse-1", WorkNo: "101"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: &tn, Username: uniq("admin"), Role: accounts.RoleAdmin, Password: "correct-horse-1"})
	if err != nil {
		t.Fatal(err)
	}
	asAdmin := accounts.WithActor(ctx, &accounts.Principal{User: admin})
	const secret = "cti-Audit-Secret-9"
	cases := []struct {
		name     string
		ctx      context.Context
		password string
		change   string // "" = no entry
		actor    string
	}{
		{"set by an admin", asAdmin, secret, "set", "user"},
		{"replaced by the server", ctx, secret + "x", "set", "system"},
		{"removed", asAdmin, "", "removed", "user"},
		{"removed again: nothing to remove", asAdmin, "", "", ""},
		{"refused", asAdmin, "a\nb", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, err := audit.List(ctx, eng.DB, tn, pops.AuditCTIPassword, 100)
			if err != nil {
				t.Fatal(err)
			}
			_ = eng.Pops.SetCTIPassword(c.ctx, tn, u.ID, c.password)
			es, err := audit.List(ctx, eng.DB, tn, pops.AuditCTIPassword, 100)
			if err != nil {
				t.Fatal(err)
			}
			if c.change == "" {
				if len(es) != len(before) {
					t.Fatalf("audited: %+v", es[0])
				}
				return
			}
			if len(es) != len(before)+1 {
				t.Fatalf("%d new entries, want 1", len(es)-len(before))
			}
			got := es[0]
			if got.Target != fmt.Sprintf("user:%d", u.ID) || got.Detail["user"] != u.Username || got.Detail["change"] != c.change || got.Detail["actor"] != c.actor {
				t.Fatalf("entry %+v", got)
			}
			if (c.actor == "user") != (got.UserID != nil && *got.UserID == admin.ID) {
				t.Fatalf("entry's user %v", got.UserID)
			}
			var row string
			if err := eng.DB.NewRaw("SELECT a::text FROM audit_log AS a WHERE id = ?", got.ID).Scan(ctx, &row); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(row, secret) {
				t.Fatalf("the audit row holds the password: %s", row)
			}
		})
	}
}
