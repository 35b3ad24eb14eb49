package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Every response, whatever its route or status, carries the security
// headers; admin and API responses forbid framing.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	b := e.browser()
	b.login(f.Admin.Username, f.Password)

	paths := []struct {
		name, method, path string
		signedIn           bool
	}{
		{"healthz", "GET", "/healthz", false},
		{"readyz", "GET", "/readyz", false},
		{"static asset", "GET", "/static/app.css", false},
		{"login page", "GET", "/login", false},
		{"unknown page", "GET", "/no/such/page", false},
		{"openapi", "GET", "/api/v1/openapi.json", false},
		{"api unauthorised", "GET", "/api/v1/users", false},
		{"admin page", "GET", "/admin/settings", true},
		{"operator page as admin (403)", "GET", "/operator/tenants", true},
		{"post without csrf (403)", "POST", "/admin/settings/users", true},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			var resp *http.Response
			if p.signedIn {
				resp, _ = b.do(httptest.NewRequest(p.method, p.path, nil))
			} else {
				resp, _ = e.browser().do(httptest.NewRequest(p.method, p.path, nil))
			}
			want := map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
			}
			for h, v := range want {
				if got := resp.Header.Get(h); got != v {
					t.Errorf("%s: %s = %q, want %q", p.path, h, got, v)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q lacks frame-ancestors 'none'", p.path, csp)
			}
			cc := resp.Header.Get("Cache-Control")
			if p.path == "/static/app.css" {
				if !strings.Contains(cc, "max-age") {
					t.Errorf("static asset Cache-Control = %q, want long caching", cc)
				}
			} else if cc != "no-store" {
				t.Errorf("%s: Cache-Control = %q, want no-store", p.path, cc)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	b.get("/admin/settings")

	tests := []struct {
		name       string
		csrf       *string // nil: keep the page's token
		dropCookie bool
		wantStatus int
	}{
		{"no token", ptr(""), false, http.StatusForbidden},
		{"forged token", ptr("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), false, http.StatusForbidden},
		{"token without its cookie", nil, true, http.StatusForbidden},
		{"valid token", nil, false, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"username": {name("csrf")}, "password": {"long-enough-1"}, "role": {"agent"}}
			if tt.csrf != nil {
				form.Set("_csrf", *tt.csrf)
			}
			saved := b.cookies["sp_csrf"]
			if tt.dropCookie {
				delete(b.cookies, "sp_csrf")
			}
			resp, body := b.post("/admin/settings/users", form)
			b.cookies["sp_csrf"] = saved
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusForbidden && !strings.Contains(body, "表单已过期") && !strings.Contains(body, "form has expired") {
				t.Errorf("refusal does not explain itself: %s", body)
			}
			users, err := e.eng.Accounts.ListUsers(t.Context(), f.Tenant.ID)
			if err != nil {
				t.Fatal(err)
			}
			created := false
			for _, u := range users {
				created = created || u.Username == form.Get("username")
			}
			if created != (tt.wantStatus == http.StatusSeeOther) {
				t.Errorf("user created = %v after status %d", created, resp.StatusCode)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// What oversized or compressed request bodies get: 413 before any handler
// reads them (a gzip body could inflate far beyond its size).
func TestRequestBodyLimits(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tests := []struct {
		name     string
		body     string
		encoding string
		want     int
	}{
		{"gzip body", "\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip", http.StatusRequestEntityTooLarge},
		{"over 1 MB", `{"name":"` + strings.Repeat("x", 1<<20+10) + `"}`, "", http.StatusRequestEntityTooLarge},
		{"ordinary", `{"name":"ok"}`, "", http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/tables", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+f.APIKey)
			if tt.encoding != "" {
				req.Header.Set("Content-Encoding", tt.encoding)
			}
			resp, err := e.overSocket(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
