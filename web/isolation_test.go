package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A user or API key of tenant A cannot list or change anything of tenant B:
// every id of B answers 404 and no B data appears in any response.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(), e.tenant()
	bKeys, err := e.eng.Accounts.ListAPIKeys(t.Context(), b.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	bKeyID := bKeys[0].ID

	tests := []struct {
		method, path string
		body         any
	}{
		{"GET", fmt.Sprintf("/api/v1/users/%d", b.Admin.ID), nil},
		{"PATCH", fmt.Sprintf("/api/v1/users/%d", b.Admin.ID), map[string]any{"disabled": true}},
		{"DELETE", fmt.Sprintf("/api/v1/api-keys/%d", bKeyID), nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, out := e.api(tt.method, tt.path, a.APIKey, tt.body)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404; body %s", resp.StatusCode, out["_body"])
			}
			if strings.Contains(out["_body"].(string), b.Admin.Username) {
				t.Fatal("response leaks tenant B's data")
			}
		})
	}

	// Lists show only the caller's tenant.
	_, out := e.api("GET", "/api/v1/users", a.APIKey, nil)
	body := out["_body"].(string)
	if !strings.Contains(body, a.Admin.Username) || strings.Contains(body, b.Admin.Username) || strings.Contains(body, b.Agent.Username) {
		t.Fatalf("user list crosses tenants: %s", body)
	}

	// Nothing of B changed.
	u, err := e.eng.Accounts.GetUser(t.Context(), b.Tenant.ID, b.Admin.ID)
	if err != nil || u.Disabled {
		t.Fatalf("tenant B's admin was changed: %+v %v", u, err)
	}
	if _, err := e.eng.Accounts.AuthenticateAPIKey(t.Context(), b.APIKey); err != nil {
		t.Fatalf("tenant B's key was revoked: %v", err)
	}

	// The same through the UI with a session: revoking B's key by id is 404.
	br := e.browser()
	br.login(a.Admin.Username, a.Password)
	br.get("/admin/settings")
	resp, _ := br.post(fmt.Sprintf("/admin/settings/apikeys/%d/revoke", bKeyID), url.Values{})
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("UI revoke of B's key: status %d, want 404", resp.StatusCode)
	}
	_, page := br.get("/admin/settings")
	if strings.Contains(page, b.Admin.Username) {
		t.Fatal("settings page shows tenant B's users")
	}
}

// Tenant keys cannot reach operator endpoints, and anonymous calls are refused.
func TestAPIRoles(t *testing.T) {
	e := newEnv(t)
	a := e.tenant()
	tests := []struct {
		name, method, path, key string
		want                    int
	}{
		{"anonymous", "GET", "/api/v1/users", "", http.StatusUnauthorized},
		{"bad key", "GET", "/api/v1/users", "sp_not-a-real-key", http.StatusUnauthorized},
		{"tenant key on operator route", "GET", "/api/v1/tenants", a.APIKey, http.StatusForbidden},
		{"tenant key on own users", "GET", "/api/v1/users", a.APIKey, http.StatusOK},
		{"openapi is public", "GET", "/api/v1/openapi.json", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := e.api(tt.method, tt.path, tt.key, nil)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d; %s", resp.StatusCode, tt.want, out["_body"])
			}
			if tt.want >= 400 && !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
				t.Errorf("error content type %q, want application/problem+json", resp.Header.Get("Content-Type"))
			}
		})
	}
}

func TestOpenAPIDescribesTheAPI(t *testing.T) {
	e := newEnv(t)
	resp, out := e.api("GET", "/api/v1/openapi.json", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if v, _ := out["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Fatalf("openapi version %q, want 3.1.x", v)
	}
	paths, _ := out["paths"].(map[string]any)
	for _, p := range []string{"/users", "/users/{id}", "/api-keys", "/tenants", "/system-params", "/url-whitelist", "/me"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("OpenAPI lacks %s", p)
		}
	}
}
