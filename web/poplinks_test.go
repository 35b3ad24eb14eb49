package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// POST /api/v1/pop-links: an integration (a platform or middleware that can
// call an API before opening the pop) gets a signed pop URL for a call;
// the URL shows the customer once, without a session or a trusted address,
// for 300 s.
func TestPopLinksAPI(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": "13912345678", "姓名": "赵六"}); err != nil {
		t.Fatal(err)
	}
	draft, err := e.eng.Pages.CreatePage(t.Context(), f.Tenant.ID, name("草稿"))
	if err != nil {
		t.Fatal(err)
	}
	other := e.tenant()

	before := time.Now()
	resp, out := e.api(http.MethodPost, "/api/v1/pop-links", f.APIKey, map[string]any{
		"pageId": page.ID, "params": map[string]string{"callNumber": "+8613912345678", "callType": "Inbound", "contactId": "c-1"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out["_body"])
	}
	link, _ := out["url"].(string)
	u, err := url.Parse(link)
	if err != nil || u.Scheme == "" || !strings.HasPrefix(u.Path, fmt.Sprintf("/pop/%s/%d", f.Tenant.Slug, page.ID)) || u.Query().Get("sig") == "" {
		t.Fatalf("url %q", link)
	}
	exp, err := time.Parse(time.RFC3339, fmt.Sprint(out["expiresAt"]))
	if err != nil || exp.Before(before.Add(299*time.Second)) || exp.After(time.Now().Add(301*time.Second)) {
		t.Errorf("expiresAt %v (%v)", out["expiresAt"], err)
	}
	if resp, body := e.browser().get(u.RequestURI()); resp.StatusCode != 200 || !strings.Contains(body, "赵六") {
		t.Fatalf("first use: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := e.browser().get(u.RequestURI()); resp.StatusCode != 401 || strings.Contains(body, "赵六") {
		t.Fatalf("second use: %d", resp.StatusCode)
	}

	// A dialect can be named; its parameters are read its way.
	resp, out = e.api(http.MethodPost, "/api/v1/pop-links", f.APIKey, map[string]any{
		"pageId": page.ID, "dialect": "cti", "params": map[string]string{"number": "13912345678"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("with dialect: %d %s", resp.StatusCode, out["_body"])
	}
	u, _ = url.Parse(out["url"].(string))
	if resp, body := e.browser().get(u.RequestURI()); resp.StatusCode != 200 || !strings.Contains(body, "赵六") {
		t.Fatalf("cti link: %d", resp.StatusCode)
	}

	refusals := []struct {
		name   string
		key    string
		body   map[string]any
		status int
	}{
		{"no key (a keyless POST is a form without its CSRF token)", "", map[string]any{"pageId": page.ID}, http.StatusForbidden},
		{"unpublished page", f.APIKey, map[string]any{"pageId": draft.ID}, http.StatusNotFound},
		{"another tenant's page", other.APIKey, map[string]any{"pageId": page.ID}, http.StatusNotFound},
		{"own parameter", f.APIKey, map[string]any{"pageId": page.ID, "params": map[string]string{"sig": "x"}}, http.StatusUnprocessableEntity},
		{"unknown dialect", f.APIKey, map[string]any{"pageId": page.ID, "dialect": "genesys"}, http.StatusUnprocessableEntity},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			resp, out := e.api(http.MethodPost, "/api/v1/pop-links", r.key, r.body)
			if resp.StatusCode != r.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, r.status, out["_body"])
			}
		})
	}
}
