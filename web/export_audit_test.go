package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
)

// A revealed export is audited once, in the name of who asked (an API key
// with the reveal scope, or a user with the reveal permission), whether
// through the API or the admin page; a masked or refused one is not. The
// audit log reads back through the API.
func TestRevealedExportIsAuditedOnce(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": "13912345678", "姓名": "张三"}); err != nil {
		t.Fatal(err)
	}
	revealKey, k, err := e.eng.Accounts.CreateAPIKey(t.Context(), accounts.NewAPIKey{TenantID: f.Tenant.ID, Name: "exports", Scopes: []string{"reveal"}})
	if err != nil {
		t.Fatal(err)
	}
	withReveal := e.user(&f.Tenant.ID, accounts.RoleAdmin, f.Password)
	if _, err := e.eng.Accounts.UpdateUser(t.Context(), f.Tenant.ID, withReveal.ID, accounts.UserUpdate{Permissions: []string{"reveal"}}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(withReveal.Username, f.Password)
	exportAPI := fmt.Sprintf("/api/v1/tables/%d/export", tb.ID)
	exportPage := fmt.Sprintf("/admin/data/%d/export", tb.ID)

	cases := []struct {
		name    string
		export  func() (*http.Response, string)
		status  int
		audited string // the entry's detail or user, as printed; "" for no entry
	}{
		{"masked, by key", func() (*http.Response, string) { return apiBody(e, exportAPI+"?format=csv", revealKey) }, http.StatusOK, ""},
		{"revealed, by a key without the scope", func() (*http.Response, string) { return apiBody(e, exportAPI+"?reveal=true", f.APIKey) }, http.StatusForbidden, ""},
		{"revealed, by a key with it", func() (*http.Response, string) { return apiBody(e, exportAPI+"?reveal=true", revealKey) }, http.StatusOK, `"apiKey":"` + k.Prefix + `"`},
		{"revealed, on the admin page", func() (*http.Response, string) { return b.get(exportPage + "?reveal=1&format=xlsx") }, http.StatusOK, fmt.Sprintf(`"userId":%d`, withReveal.ID)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := exportAudits(t, e, f.APIKey)
			resp, body := tc.export()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tc.status, body)
			}
			after := exportAudits(t, e, f.APIKey)
			want := 0
			if tc.audited != "" {
				want = 1
			}
			if len(after)-len(before) != want {
				t.Fatalf("%d audit entries written, want %d", len(after)-len(before), want)
			}
			if want == 1 && (!strings.Contains(after[0], tc.audited) || !strings.Contains(after[0], `"table":"`+tb.Name+`"`)) {
				t.Fatalf("audit entry %s, want %s", after[0], tc.audited)
			}
		})
	}
}

func apiBody(e *env, path, key string) (*http.Response, string) {
	resp, out := e.api(http.MethodGet, path, key, nil)
	return resp, out["_body"].(string)
}

// exportAudits returns the tenant's revealed-export entries, newest first,
// each as JSON, read through GET /api/v1/audit.
func exportAudits(t *testing.T, e *env, key string) []string {
	t.Helper()
	resp, out := e.api(http.MethodGet, "/api/v1/audit?action=data.export_reveal", key, nil)
	items, ok := out["items"].([]any)
	if resp.StatusCode != http.StatusOK || !ok {
		t.Fatalf("audit log: %d %v", resp.StatusCode, out["_body"])
	}
	entries := make([]string, len(items))
	for i, it := range items {
		entries[i] = jsonText(it)
	}
	return entries
}

func jsonText(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}
