package main_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/internal/pgserver"
)

// The chaos test (issue 15): two instances on one PostgreSQL of their own,
// agents connected to both, call events posted steadily to both; meanwhile
// PostgreSQL restarts three times and instance A is killed with SIGKILL
// (its agents move to B, as behind a load balancer). Every accepted event
// (201) must reach its agent exactly once and in order, including agents
// that had no event before.
func TestChaosNoAcceptedEventLost(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos: about a minute")
	}
	ctx := t.Context()
	// A short directory: the cluster's socket path must fit in ~100 bytes,
	// and its socket directory and port must stay the same across restarts.
	dir, err := os.MkdirTemp("", "spchaos-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	pgOpts := pgserver.Options{DataDir: filepath.Join(dir, "pg"), Ephemeral: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	pg, err := pgserver.Start(ctx, pgOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	dsn := pg.DSN("postgres")

	keyFile := filepath.Join(dir, "master.key")
	env := []string{"DATABASE_URL=" + dsn, "SCREENPOP_MASTER_KEY_FILE=" + keyFile, "SCREENPOP_CREATE_MASTER_KEY=1",
		"SCREENPOP_DATA_DIR=" + dir}
	a := startServer(t, nil, env...)
	b := startServer(t, nil, env...)

	// The agents, an API key and the events some agents had before, made
	// through the engine's own accounts service on the same database.
	rig := newEventRig(t, dsn, "demo", "chaos", []string{a.URL, b.URL})
	const agents = 16
	var clients []*agentClient
	for i := range agents {
		workNo := fmt.Sprintf("9%03d", i)
		if i%2 == 0 { // half the agents had a call before; the others none
			if _, ok := rig.poster.post(workNo, "before-"+workNo); !ok {
				t.Fatal("posting the earlier call failed")
			}
		}
		// Agents alternate between the instances; A's move to B when A dies.
		home := []*server{a, b}[i%2]
		clients = append(clients, rig.agent(workNo, []string{home.URL, b.URL}))
	}
	stopStreams := connect(t, clients)

	// Events flow, to both instances in turn.
	stopPosting := postSteadily(t, rig.poster, clients, 100*time.Millisecond, nil)

	restartPG := func(n int) {
		t.Helper()
		time.Sleep(4 * time.Second)
		start := time.Now()
		if err := pg.Stop(ctx); err != nil {
			t.Fatalf("stop PostgreSQL: %v", err)
		}
		time.Sleep(time.Second)
		if pg, err = pgserver.Start(ctx, pgOpts); err != nil {
			t.Fatalf("restart PostgreSQL: %v", err)
		}
		if got := pg.DSN("postgres"); got != dsn {
			t.Fatalf("PostgreSQL came back at %s, not %s", got, dsn)
		}
		t.Logf("PostgreSQL restart %d: down %v", n, time.Since(start).Round(time.Millisecond))
	}
	restartPG(1)
	restartPG(2)
	time.Sleep(3 * time.Second)
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.done
	t.Log("instance A killed with SIGKILL")
	restartPG(3)
	time.Sleep(4 * time.Second)
	stopPosting()

	// Every accepted event arrives, within a while.
	n := tally(t, clients, 30*time.Second, stopStreams)
	t.Logf("chaos: %d agents on 2 instances, 3 PostgreSQL restarts, 1 SIGKILL: %v; %d post attempts failed; %d stream reconnects, %d resync events",
		agents, n, rig.poster.failed.Load(), n.reconnects, n.resyncs)
	checkMetrics(t, b, n.delivered)
	if n.accepted < 200 {
		t.Errorf("only %d events accepted: the test did not exercise much", n.accepted)
	}
	if n.missing > 0 || n.duplicated > 0 || n.disordered > 0 {
		t.Errorf("%d missing, %d duplicated, %d out of order; want none\nB:\n%s", n.missing, n.duplicated, n.disordered, tail(b.Output.String(), 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// checkMetrics scrapes the instance's metrics listener (apart from its
// application port, which has no /metrics) and logs its call-event counts.
func checkMetrics(t *testing.T, s *server, delivered int) {
	t.Helper()
	if s.MetricsURL == "" {
		t.Fatal("the instance printed no metrics address")
	}
	resp, err := http.Get(s.MetricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	values := map[string]string{}
	for _, line := range strings.Split(string(body), "\n") {
		if name, value, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			values[name] = value
		}
	}
	for _, name := range []string{`screenpop_call_events_total{stage="accepted"}`, `screenpop_call_events_total{stage="delivered"}`,
		`screenpop_call_events_total{stage="replayed"}`, `screenpop_call_events_total{stage="resynchronised"}`,
		"screenpop_call_listener_up", "screenpop_call_listener_reconnects_total", "screenpop_workspace_streams_open",
		`go_sql_max_open_connections{db_name="screenpop"}`} {
		if values[name] == "" {
			t.Errorf("metric %s missing from %s/metrics", name, s.MetricsURL)
		}
	}
	if reconnects, _ := strconv.ParseFloat(values["screenpop_call_listener_reconnects_total"], 64); values["screenpop_call_listener_up"] != "1" || reconnects < 3 {
		t.Errorf("listener up %s, reconnects %s: want 1 and at least 3", values["screenpop_call_listener_up"], values["screenpop_call_listener_reconnects_total"])
	}
	t.Logf("B's metrics: accepted %s, delivered %s, replayed %s, resynchronised %s, listener reconnects %s (clients got %d)",
		values[`screenpop_call_events_total{stage="accepted"}`], values[`screenpop_call_events_total{stage="delivered"}`],
		values[`screenpop_call_events_total{stage="replayed"}`], values[`screenpop_call_events_total{stage="resynchronised"}`],
		values["screenpop_call_listener_reconnects_total"], delivered)
	if resp, err := http.Get(s.MetricsURL + "/debug/pprof/"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("pprof on the metrics listener: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get(s.URL + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the application port: %v %v, want 404", resp, err)
	} else {
		resp.Body.Close()
	}
}
