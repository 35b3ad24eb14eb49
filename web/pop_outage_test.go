package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// While the database is down a pop answers 503 "temporarily unavailable"
// with a page that retries by itself, never 404 "Unknown tenant." (issue
// 15: 74,861 pops got that 404 in a 10 s outage, unlogged); the outage is
// logged once, not per request; and pops work again when it is back.
func TestPopDuringDatabaseOutage(t *testing.T) {
	e := newStreamEnv(t)
	get := func() (int, http.Header, string) {
		t.Helper()
		resp, err := http.Get(e.base + "/pop/" + e.slug + "/1?callerNum=13800138000")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body)
	}
	e.proxy.Down()
	for i := range 20 {
		status, h, body := get()
		if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
			t.Fatalf("pop %d during the outage: %d (Retry-After %q): %.300s", i, status, h.Get("Retry-After"), body)
		}
		if !strings.Contains(body, "temporarily unavailable") && !strings.Contains(body, "暂时不可用") {
			t.Fatalf("pop page during the outage does not say so: %.400s", body)
		}
		if !strings.Contains(body, `http-equiv="refresh"`) {
			t.Fatalf("the 503 page does not retry by itself: %.400s", body)
		}
	}
	if n := e.logs.count("database unavailable"); n != 1 {
		t.Fatalf("outage logged %d times for 20 pops, want once", n)
	}
	e.proxy.Up()
	// The tenant exists: once the database is back the answer is about
	// the pop (not authorised: no credentials), not the database.
	status, _, body := get()
	if status == http.StatusServiceUnavailable || status == http.StatusNotFound && strings.Contains(body, "Unknown tenant") {
		t.Fatalf("pop after the outage: %d %.300s", status, body)
	}
	// An unknown tenant is still 404.
	resp, err := http.Get(e.base + "/pop/no-such-tenant/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown tenant: %d, want 404", resp.StatusCode)
	}
}
