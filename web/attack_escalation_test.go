package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/audit"
)

// sessionAPI calls the REST API as a signed-in browser (session cookie and
// CSRF header), the way the admin UI's scripts do.
func (b *browser) sessionAPI(method, path string, body any) (*http.Response, string) {
	b.e.t.Helper()
	b.get("/admin/settings") // a page, for the CSRF token
	data, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, strings.NewReader(string(data)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", b.csrf)
	return b.do(req)
}

// reveal can only be granted or withdrawn by a holder of reveal, nobody
// changes their own permissions, and every grant, key creation and
// revocation is in the audit log with its actor.
func TestAttackRevealEscalation(t *testing.T) {
	e := newEnv(t)
	f := e.tenant() // f.APIKey has no scopes
	ctx := context.Background()
	tally := newAttackTally(t, "escalation")
	revealKey, _, err := e.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: f.Tenant.ID, Name: "holder", Scopes: []string{"reveal"}})
	if err != nil {
		t.Fatal(err)
	}
	revealAdmin, err := e.eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: &f.Tenant.ID, Username: name("ra"), Role: accounts.RoleAdmin, Password: f.Password, Permissions: []string{"reveal"}})
	if err != nil {
		t.Fatal(err)
	}
	plain := e.browser() // an admin without reveal
	plain.login(f.Admin.Username, f.Password)
	holder := e.browser()
	holder.login(revealAdmin.Username, f.Password)

	attacks := []struct {
		name string
		do   func() int
	}{
		{"key without reveal creates a key with reveal", func() int {
			resp, _ := e.api("POST", "/api/v1/api-keys", f.APIKey, map[string]any{"name": "x", "scopes": []string{"reveal"}})
			return resp.StatusCode
		}},
		{"key without reveal creates an admin with reveal", func() int {
			resp, _ := e.api("POST", "/api/v1/users", f.APIKey, map[string]any{"username": name("x"), "role": "admin", "password": "long-enough-1", "permissions": []string{"reveal"}})
			return resp.StatusCode
		}},
		{"key without reveal takes reveal from an admin", func() int {
			resp, _ := e.api("PATCH", fmt.Sprintf("/api/v1/users/%d", revealAdmin.ID), f.APIKey, map[string]any{"permissions": []string{}})
			return resp.StatusCode
		}},
		{"admin without reveal grants it to another", func() int {
			resp, _ := plain.sessionAPI("PATCH", fmt.Sprintf("/api/v1/users/%d", f.Agent.ID), map[string]any{"permissions": []string{"reveal"}})
			return resp.StatusCode
		}},
		{"admin without reveal gives it to himself", func() int {
			resp, _ := plain.sessionAPI("PATCH", fmt.Sprintf("/api/v1/users/%d", f.Admin.ID), map[string]any{"permissions": []string{"reveal"}})
			return resp.StatusCode
		}},
		{"holder removes his own reveal (no self changes)", func() int {
			resp, _ := holder.sessionAPI("PATCH", fmt.Sprintf("/api/v1/users/%d", revealAdmin.ID), map[string]any{"permissions": []string{}})
			return resp.StatusCode
		}},
		{"admin without reveal creates a key with reveal in the UI", func() int {
			plain.get("/admin/settings")
			resp, body := plain.post("/admin/settings/apikeys", map[string][]string{"name": {"ui"}, "reveal": {"on"}})
			if strings.Contains(body, "sp_") && resp.StatusCode == 200 && !strings.Contains(body, "reveal") {
				return 200
			}
			return resp.StatusCode
		}},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			if status := a.do(); !tally.record(status == http.StatusForbidden) {
				t.Fatalf("status %d, want 403", status)
			}
		})
	}
	// Nothing was granted.
	for _, id := range []int64{f.Admin.ID, f.Agent.ID} {
		if u, _ := e.eng.Accounts.GetUser(ctx, f.Tenant.ID, id); u.Can(accounts.PermReveal) {
			t.Errorf("user %d got reveal", id)
		}
	}
	if u, _ := e.eng.Accounts.GetUser(ctx, f.Tenant.ID, revealAdmin.ID); !u.Can(accounts.PermReveal) {
		t.Error("reveal was taken from its holder")
	}
	keys, _ := e.eng.Accounts.ListAPIKeys(ctx, f.Tenant.ID)
	for _, k := range keys {
		if k.Name != "holder" && (&accounts.Principal{APIKey: &k}).Can(accounts.PermReveal) {
			t.Errorf("key %q got reveal", k.Name)
		}
	}

	// A holder may grant and withdraw; each change, key creation and
	// revocation is audited with its actor.
	if resp, out := e.api("PATCH", fmt.Sprintf("/api/v1/users/%d", f.Agent.ID), revealKey, map[string]any{"permissions": []string{"reveal"}}); resp.StatusCode != 200 {
		t.Fatalf("holder key grants reveal: %d %s", resp.StatusCode, out["_body"])
	}
	if resp, body := holder.sessionAPI("PATCH", fmt.Sprintf("/api/v1/users/%d", f.Agent.ID), map[string]any{"permissions": []string{}}); resp.StatusCode != 200 {
		t.Fatalf("holder admin withdraws reveal: %d %s", resp.StatusCode, body)
	}
	resp, out := e.api("POST", "/api/v1/api-keys", revealKey, map[string]any{"name": "granted", "scopes": []string{"reveal"}})
	if resp.StatusCode != 201 {
		t.Fatalf("holder key creates a reveal key: %d %s", resp.StatusCode, out["_body"])
	}
	newID := int64(out["apiKey"].(map[string]any)["id"].(float64))
	if resp, body := holder.sessionAPI("DELETE", fmt.Sprintf("/api/v1/api-keys/%d", newID), nil); resp.StatusCode != 204 && resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	entries, err := audit.List(ctx, e.eng.DB, f.Tenant.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"user.permissions by apiKey holder":                false,
		"user.permissions by user " + revealAdmin.Username: false,
		"apikey.create by apiKey holder":                   false,
		"apikey.revoke by user " + revealAdmin.Username:    false,
	}
	for _, en := range entries {
		who := fmt.Sprint(en.Detail["keyName"])
		if en.Detail["actor"] == "user" {
			who = fmt.Sprint(en.Detail["username"])
			if en.UserID == nil || *en.UserID != revealAdmin.ID {
				continue
			}
		}
		k := fmt.Sprintf("%s by %s %s", en.Action, en.Detail["actor"], who)
		if _, ok := want[k]; ok {
			want[k] = true
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("audit log lacks %q", k)
		}
	}
}

// A reveal and a revealed export by an API key name the key (prefix and
// name) in the audit log: a key has no user.
func TestRevealByKeyIsAttributed(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	ctx := context.Background()
	secret, k, err := e.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: f.Tenant.ID, Name: "etl-job", Scopes: []string{"reveal"}})
	if err != nil {
		t.Fatal(err)
	}
	tb := e.customerTable(f.Tenant.ID)
	rec, err := e.eng.Tables.CreateRecord(ctx, f.Tenant.ID, tb.ID, map[string]string{"手机号": "13912345678", "姓名": "张三", "证件号": "110101199001011234"})
	if err != nil {
		t.Fatal(err)
	}
	if resp, out := e.api("POST", fmt.Sprintf("/api/v1/tables/%d/records/%d/reveal", tb.ID, rec.ID), secret,
		map[string]any{"fieldId": tb.FieldByName("证件号").ID}); resp.StatusCode/100 != 2 {
		t.Fatalf("reveal: %d %s", resp.StatusCode, out["_body"])
	}
	if resp, _ := e.api("GET", fmt.Sprintf("/api/v1/tables/%d/export?format=csv&reveal=true", tb.ID), secret, nil); resp.StatusCode != 200 {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	for _, action := range []string{"record.reveal", "data.export_reveal"} {
		es, err := audit.List(ctx, e.eng.DB, f.Tenant.ID, action, 1)
		if err != nil || len(es) != 1 {
			t.Fatalf("%s: %v %v", action, es, err)
		}
		if es[0].Detail["keyPrefix"] != k.Prefix || es[0].Detail["keyName"] != "etl-job" {
			t.Errorf("%s not attributed to the key: %v", action, es[0].Detail)
		}
	}
}
