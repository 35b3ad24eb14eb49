package web_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

type readyBody struct {
	Ready     bool   `json:"ready"`
	Database  string `json:"database"`
	Listener  string `json:"listener"`
	Saturated bool   `json:"poolSaturated"`
	Pool      struct {
		Max int `json:"max"`
	} `json:"pool"`
}

func (e *streamEnv) readyz() (int, readyBody) {
	e.t.Helper()
	resp, err := http.Get(e.base + "/readyz")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b readyBody
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		e.t.Fatalf("readyz body: %v", err)
	}
	return resp.StatusCode, b
}

// /readyz reports the database, the pool and the listener, and does not
// flap: after a failure it stays "not ready" for a while even if one probe
// gets through (issue 15: 200 while events were being lost).
func TestReadyzReportsOutagesSteadily(t *testing.T) {
	e := newStreamEnv(t)
	status, b := e.readyz()
	if status != http.StatusOK || !b.Ready || b.Database != "ok" || b.Listener != "subscribed" || b.Pool.Max != 10 {
		t.Fatalf("ready instance: %d %+v", status, b)
	}
	e.proxy.Down()
	time.Sleep(1100 * time.Millisecond) // past the shared check's second
	status, b = e.readyz()
	if status != http.StatusServiceUnavailable || b.Ready || b.Database != "unavailable" {
		t.Fatalf("database down: %d %+v", status, b)
	}
	e.proxy.Up()
	for range 3 {
		time.Sleep(1100 * time.Millisecond)
		status, b = e.readyz()
		if status != http.StatusServiceUnavailable || b.Database == "unavailable" {
			t.Fatalf("just after the outage: %d %+v, want 503 held while the database answers again", status, b)
		}
	}
}
