package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/internal/logging"
	"github.com/screenpop/screenpop/web"
)

// Every response carries a request id: the caller's when it is plain, a
// new one otherwise.
func TestRequestID(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"none sent", "", false},
		{"a proxy's id", "lb-7f3a.42", true},
		{"too long", strings.Repeat("a", 65), false},
		{"forged log line", "x\" level=ERROR msg=\"forged", false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/healthz", nil)
			if tt.sent != "" {
				req.Header.Set("X-Request-ID", tt.sent)
			}
			resp, err := e.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			got := resp.Header.Get("X-Request-ID")
			if tt.kept && got != tt.sent {
				t.Fatalf("X-Request-ID %q, want the caller's %q", got, tt.sent)
			}
			if !tt.kept && (!regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got) || seen[got]) {
				t.Fatalf("X-Request-ID %q, want a new id", got)
			}
			seen[got] = true
		})
	}
}

// The application's log handler puts the request id on every line logged
// with the request's context.
func TestLogLinesCarryRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, slog.LevelDebug)
	log.InfoContext(logging.WithRequestID(context.Background(), "abc123"), "inside a request", "k", 1)
	log.With("component", "hub").WarnContext(logging.WithRequestID(context.Background(), "def456"), "derived logger")
	log.Info("outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "request_id=abc123") || !strings.Contains(lines[1], "request_id=def456") ||
		strings.Contains(lines[2], "request_id") {
		t.Fatalf("log:\n%s", buf.String())
	}
}

// Pops are counted by platform and outcome, with their duration.
func TestPopMetrics(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		resp, err := e.app.Test(httptest.NewRequest("GET", "/pop/no-such-tenant/1", nil), -1)
		if err != nil || resp.StatusCode != 404 {
			t.Fatalf("pop of an unknown tenant: %v %v", resp, err)
		}
	}
	m := e.eng.Metrics
	if n := testutil.ToFloat64(m.PopRequests.WithLabelValues("unknown", "not_found")); n != 3 {
		t.Fatalf("not_found pops counted %v, want 3", n)
	}
	if n := testutil.CollectAndCount(m.PopDuration); n != 1 {
		t.Fatalf("pop duration series %d, want 1", n)
	}
}

// Access lines are at debug: at info a pop logs nothing; at debug its line
// carries the request id.
func TestAccessLinesAtDebug(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		level slog.Level
		want  bool
	}{{slog.LevelInfo, false}, {slog.LevelDebug, true}} {
		var buf bytes.Buffer
		srv, err := web.New(e.eng, config.Config{Addr: "127.0.0.1:0", BaseURL: "http://127.0.0.1", LogLevel: "debug"}, logging.New(&buf, tt.level))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set("X-Request-ID", "probe-1")
		if _, err := srv.App().Test(req, -1); err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(buf.String(), "msg=http") && strings.Contains(buf.String(), "request_id=probe-1")
		if got != tt.want {
			t.Fatalf("at %v: access line logged %v, want %v:\n%s", tt.level, got, tt.want, buf.String())
		}
	}
}
