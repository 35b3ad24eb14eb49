package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
)

// An admin manages another user entirely in the UI: role, permissions,
// password, disable, delete; their own row cannot be managed, and an
// admin without reveal sees why the permission cannot be granted.
func TestManageUsersInTheUI(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	ctx := t.Context()
	// The fixture's admin holds no reveal.
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	_, body := b.get("/admin/settings")
	if strings.Contains(body, fmt.Sprintf(`href="/admin/settings/users/%d"`, f.Admin.ID)) {
		t.Fatal("own row has a manage link")
	}
	if !strings.Contains(body, "只有拥有") {
		t.Fatal("no note how to get the reveal permission on the new-user form")
	}
	userPath := fmt.Sprintf("/admin/settings/users/%d", f.Agent.ID)
	if _, body = b.get(userPath); !strings.Contains(body, `data-testid="perm-reveal"`) || !strings.Contains(body, "disabled aria-describedby=\"grant-reveal\"") {
		t.Fatalf("reveal box not disabled with its note: %s", body)
	}

	steps := []struct {
		name   string
		action string
		form   url.Values
		status int
		want   string
		check  func(u *accounts.User) bool
	}{
		{"grant unheld reveal", "permissions", url.Values{"perm.reveal": {"on"}}, http.StatusForbidden, "只有拥有", nil},
		{"bad role", "role", url.Values{"role": {"operator"}}, http.StatusUnprocessableEntity, "", nil},
		{"make admin", "role", url.Values{"role": {"admin"}}, http.StatusSeeOther, "", func(u *accounts.User) bool { return u.Role == accounts.RoleAdmin }},
		{"short password", "password", url.Values{"password": {"x"}}, http.StatusUnprocessableEntity, "", nil},
		{"reset password", "password", url.Values{"password": {"another-pass-9"}}, http.StatusSeeOther, "", nil},
		{"disable", "disable", url.Values{}, http.StatusSeeOther, "", func(u *accounts.User) bool { return u.Disabled }},
		{"enable", "enable", url.Values{}, http.StatusSeeOther, "", func(u *accounts.User) bool { return !u.Disabled }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			b.get(userPath)
			resp, body := b.post(userPath+"/"+s.action, s.form)
			if resp.StatusCode != s.status || !strings.Contains(body, s.want) {
				t.Fatalf("status %d, want %d with %q", resp.StatusCode, s.status, s.want)
			}
			if s.check != nil {
				u, err := e.eng.Accounts.GetUser(ctx, f.Tenant.ID, f.Agent.ID)
				if err != nil || !s.check(u) {
					t.Fatalf("after %s: %+v %v", s.action, u, err)
				}
			}
		})
	}
	other := e.browser()
	other.login(f.Agent.Username, "another-pass-9")

	// Managing oneself is refused, even by a crafted post.
	self := fmt.Sprintf("/admin/settings/users/%d/disable", f.Admin.ID)
	if resp, _ := b.post(self, url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("disable self: %d", resp.StatusCode)
	}
	b.get(userPath)
	if resp, _ := b.post(userPath+"/delete", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, err := e.eng.Accounts.GetUser(ctx, f.Tenant.ID, f.Agent.ID); err == nil {
		t.Fatal("user not deleted")
	}
	// Another tenant's user is not found.
	g := e.tenant()
	if resp, _ := b.get(fmt.Sprintf("/admin/settings/users/%d", g.Agent.ID)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("other tenant's user: %d", resp.StatusCode)
	}
}

// The operator creates a tenant with its first admin, who can sign in,
// and adds users on the tenant's page.
func TestOperatorCreatesTenantWithFirstAdmin(t *testing.T) {
	e := newEnv(t)
	op := e.user(nil, accounts.RoleOperator, "correct-horse-1")
	b := e.browser()
	b.login(op.Username, "correct-horse-1")
	b.get("/operator/tenants")
	slug, admin := name("acme"), name("boss")
	resp, body := b.post("/operator/tenants", url.Values{"slug": {slug}, "name": {"ACME"}, "admin.username": {admin}, "admin.password": {"x"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "err-admin.password") || !strings.Contains(body, `value="`+admin+`"`) {
		t.Fatalf("short admin password: %d", resp.StatusCode)
	}
	resp, _ = b.post("/operator/tenants", url.Values{"slug": {slug}, "name": {"ACME"}, "admin.username": {admin}, "admin.password": {"first-admin-1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	e.browser().login(admin, "first-admin-1")

	tn, err := e.eng.Accounts.TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/operator/tenants/%d", tn.ID)
	if _, body = b.get(page); !strings.Contains(body, admin) {
		t.Fatal("tenant page lacks its admin")
	}
	agent := name("agent")
	resp, _ = b.post(page+"/users", url.Values{"username": {agent}, "password": {"agent-pass-1"}, "role": {"agent"}, "reveal": {"on"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("operator adds agent: %d", resp.StatusCode)
	}
	if _, body = b.get(page); !strings.Contains(body, agent) || !strings.Contains(body, "查看脱敏字段明文") {
		t.Fatal("agent with reveal not listed")
	}
}

// Without reveal, the record page says how to get it instead of showing
// nothing where the button would be.
func TestRevealNoteWithoutPermission(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	r, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": "13900002222", "姓名": "赵六", "证件号": "ID-1"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	_, body := b.get(fmt.Sprintf("/admin/data/%d/records/%d", tb.ID, r.ID))
	if !strings.Contains(body, `data-testid="reveal-how"`) || strings.Contains(body, `data-testid="reveal-证件号"`) {
		t.Fatal("no note on how to get reveal")
	}
}
