package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
)

// A wrong password and an unknown user get the same message, so names cannot
// be probed; after MaxFailuresPerUser failures the name is rate limited, even
// with the right password.
func TestLoginFailuresAreGenericAndRateLimited(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	const generic = "用户名或密码错误"

	attempt := func(username, password string) (int, string) {
		b := e.browser()
		b.get("/login")
		resp, body := b.post("/login", url.Values{"username": {username}, "password": {password}})
		return resp.StatusCode, body
	}

	for _, tt := range []struct{ name, username, password string }{
		{"wrong password", f.Admin.Username, "wrong-password"},
		{"unknown user", "nobody-" + f.Tenant.Slug, "whatever-123"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := attempt(tt.username, tt.password)
			if status != http.StatusUnauthorized || !strings.Contains(body, generic) {
				t.Fatalf("status %d, want 401 with %q; body %s", status, generic, body)
			}
			if strings.Contains(body, tt.password) {
				t.Error("the password was echoed back")
			}
		})
	}

	// One failure was recorded above for the admin; reach the limit.
	for i := 1; i < accounts.MaxFailuresPerUser; i++ {
		if status, _ := attempt(f.Admin.Username, "wrong-password"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, status)
		}
	}
	status, body := attempt(f.Admin.Username, f.Password)
	if status != http.StatusTooManyRequests || !strings.Contains(body, "尝试次数过多") {
		t.Fatalf("after %d failures the right password got %d, want 429 with a wait message", accounts.MaxFailuresPerUser, status)
	}
	// Another user is not affected by the first one's lock-out.
	if status, _ := attempt(f.Agent.Username, f.Password); status != http.StatusSeeOther {
		t.Fatalf("other user: status %d, want 303", status)
	}
}

func TestLoginLogoutAndRoleHomes(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	op := e.user(nil, accounts.RoleOperator, f.Password)
	tests := []struct {
		username, home, mustShow string
	}{
		{f.Admin.Username, "/admin/tables", "基础表"},
		{f.Agent.Username, "/workspace", "座席工作台"},
		{op.Username, "/operator/tenants", "租户管理"},
	}
	for _, tt := range tests {
		t.Run(tt.home, func(t *testing.T) {
			b := e.browser()
			b.get("/login")
			resp, _ := b.post("/login", url.Values{"username": {tt.username}, "password": {f.Password}})
			if loc := resp.Header.Get("Location"); loc != tt.home {
				t.Fatalf("redirect to %q, want %q", loc, tt.home)
			}
			resp, body := b.get(tt.home)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, tt.mustShow) {
				t.Fatalf("home %s: status %d; body lacks %q", tt.home, resp.StatusCode, tt.mustShow)
			}
			resp, _ = b.post("/logout", url.Values{})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("logout status %d", resp.StatusCode)
			}
			resp, _ = b.get(tt.home)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Fatalf("after logout %s gave %d → %s, want redirect to login", tt.home, resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

func TestAgentCannotOpenAdminPages(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	b := e.browser()
	b.login(f.Agent.Username, f.Password)
	for _, path := range []string{"/admin/settings", "/admin/tables", "/operator/tenants"} {
		if resp, _ := b.get(path); resp.StatusCode != http.StatusForbidden {
			t.Errorf("agent GET %s: status %d, want 403", path, resp.StatusCode)
		}
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	if _, body := b.get("/login"); !strings.Contains(body, "用户名") {
		t.Fatal("default language is not Chinese")
	}
	resp, _ := b.get("/lang?to=en&next=/login")
	if resp.Header.Get("Location") != "/login" {
		t.Fatalf("redirect to %q", resp.Header.Get("Location"))
	}
	if _, body := b.get("/login"); !strings.Contains(body, "Username") || !strings.Contains(body, `lang="en"`) {
		t.Fatal("switch to English did not stick")
	}
	if resp, _ := b.get("/lang?to=en&next=//evil.example/"); resp.Header.Get("Location") != "/" {
		t.Fatalf("open redirect: went to %q", resp.Header.Get("Location"))
	}
}
