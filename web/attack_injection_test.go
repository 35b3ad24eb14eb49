package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/pops"
)

// hostileNext are "next" values that must never leave the site or reach a
// response header as they are: header injection (CR/LF), hosts hidden
// behind characters browsers drop or rewrite (tab, backslash), other
// schemes, and encoded separators.
var hostileNext = []string{
	"/\r\nSet-Cookie: sp_session=attacker",
	"/%0d%0aSet-Cookie:%20x=1", // already decoded once by the query: stays literal, but harmless only if refused
	"/\nLocation: https://evil.example",
	"/\t/evil.example",
	"/ /evil.example",
	"//evil.example",
	"///evil.example",
	"/\\evil.example",
	"\\\\evil.example",
	"/x\\..\\..\\evil",
	"https://evil.example",
	"javascript:alert(1)",
	"evil.example",
	"/%2F/evil.example",
	"/%5Cevil.example",
	"/\x00/evil",
	"/\x7f/evil",
	"/é",
}

// Every redirect that takes "next" (GET /lang, POST /login, POST
// /pop/{t}/login) sends hostile values to "/" (or the role's home), never
// into Location as given, and sets no cookie of the attacker's.
func TestAttackRedirectNext(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tally := newAttackTally(t, "injection/redirect")

	check := func(t *testing.T, resp *http.Response, next string, allowed ...string) {
		t.Helper()
		loc := resp.Header.Get("Location")
		ok := resp.StatusCode == http.StatusSeeOther
		for _, c := range resp.Header.Values("Set-Cookie") {
			if strings.Contains(c, "attacker") || strings.HasPrefix(c, "x=") {
				ok = false
			}
		}
		for _, h := range []string{"Set-Cookie", "Location"} {
			for _, v := range resp.Header.Values(h) {
				if strings.ContainsAny(v, "\r\n\t\\") || strings.Contains(v, "evil") {
					ok = false
				}
			}
		}
		matched := false
		for _, a := range allowed {
			matched = matched || loc == a
		}
		if !tally.record(ok && matched) {
			t.Errorf("next=%q: status %d, Location %q, cookies %q; want one of %q", next, resp.StatusCode, loc, resp.Header.Values("Set-Cookie"), allowed)
		}
	}

	for _, next := range hostileNext {
		t.Run("lang "+url.QueryEscape(next), func(t *testing.T) {
			resp, _ := e.browser().get("/lang?to=en&next=" + url.QueryEscape(next))
			check(t, resp, next, "/")
		})
		t.Run("login "+url.QueryEscape(next), func(t *testing.T) {
			b := e.browser()
			b.get("/login")
			resp, _ := b.post("/login", url.Values{"username": {f.Admin.Username}, "password": {f.Password}, "next": {next}})
			check(t, resp, next, "/admin/tables")
		})
		t.Run("pop login "+url.QueryEscape(next), func(t *testing.T) {
			b := e.browser()
			loginPath := "/pop/" + f.Tenant.Slug + "/login"
			b.get(loginPath)
			resp, _ := b.post(loginPath, url.Values{"username": {f.Agent.Username}, "password": {f.Password}, "next": {next}})
			check(t, resp, next, loginPath+"?signed_in=1")
		})
	}

	// Ordinary same-site paths still work.
	for _, next := range []string{"/admin/data/1?q=a%20b", "/workspace"} {
		resp, _ := e.browser().get("/lang?to=en&next=" + url.QueryEscape(next))
		if loc := resp.Header.Get("Location"); loc != next {
			t.Errorf("same-site next %q became %q", next, loc)
		}
	}
}

// A NUL in JSON is a 400 with a reason, not a 500 from the database; a
// request header over 4 KB is a 431; both with the security headers.
func TestAttackMalformedRequests(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tally := newAttackTally(t, "injection/redirect")
	addr := e.listen(t)
	for _, tt := range []struct{ name, method, path, body string }{
		{"tables", "POST", "/api/v1/tables", `{"name":"a\u0000b"}`},
		{"users", "POST", "/api/v1/users", `{"username":"nul-user","role":"agent","password":"long-enough-1","displayName":"x\u0000"}`},
		{"call events", "POST", "/api/v1/calls/events", `{"event":"Ringing","workNo":"1001","callData":{"callerNum":"1\u00003"}}`},
		{"raw NUL byte", "POST", "/api/v1/tables", "{\"name\":\"a\x00b\"}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := e.api(tt.method, tt.path, f.APIKey, json.RawMessage(tt.body))
			ok := resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnprocessableEntity
			ok = ok && resp.Header.Get("X-Content-Type-Options") == "nosniff"
			if !tally.record(ok) {
				t.Fatalf("status %d, want 400/422 with security headers: %s", resp.StatusCode, out["_body"])
			}
		})
	}
	// An escaped backslash before "u0000" is text, not a NUL.
	if resp, out := e.api("POST", "/api/v1/tables", f.APIKey, json.RawMessage(`{"name":"back\\u0000slash"}`)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("escaped backslash: %d %s", resp.StatusCode, out["_body"])
	}

	t.Run("header over 4 KB", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/login", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 5000))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ok := resp.StatusCode == http.StatusRequestHeaderFieldsTooLarge && resp.Header.Get("X-Content-Type-Options") == "nosniff" &&
			strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
		if !tally.record(ok) {
			t.Fatalf("status %d headers %v, want 431 with security headers", resp.StatusCode, resp.Header)
		}
	})
}

// The SDK's public, cached files set no cookie; the demo may be framed by
// our own pages and, when it names a tenant, that tenant's platform
// origins, never by any https site.
func TestAttackSDKFilesNoCookiesNoFraming(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tally := newAttackTally(t, "injection/redirect")
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{FrameOrigins: []string{"https://cc.example.com"}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/sdk/screenpop.js", "/sdk/demo.html", "/sdk/demo.js", "/sdk/demo.html?tenant=" + f.Tenant.Slug} {
		t.Run(path, func(t *testing.T) {
			resp, _ := e.browser().get(path)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if !tally.record(len(resp.Header.Values("Set-Cookie")) == 0) {
				t.Errorf("public file sets cookies: %v", resp.Header.Values("Set-Cookie"))
			}
			if strings.HasPrefix(path, "/sdk/demo.html") {
				csp := resp.Header.Get("Content-Security-Policy")
				want := "frame-ancestors 'self'"
				if strings.Contains(path, "tenant=") {
					want += " https://cc.example.com"
				}
				if !tally.record(strings.HasSuffix(csp, want)) {
					t.Errorf("demo CSP %q, want it to end with %q", csp, want)
				}
			}
		})
	}
}
