package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/testkit"
)

// Two serve processes on one database: a call event posted to instance A
// reaches the workspace of an agent connected to instance B, through
// PostgreSQL LISTEN/NOTIFY (ARCHITECTURE.md, "One pop request").
func TestTwoInstancesDeliverCallEvents(t *testing.T) {
	dsn := testkit.NewDatabase(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	env := []string{"DATABASE_URL=" + dsn, "SCREENPOP_MASTER_KEY_FILE=" + keyFile, "SCREENPOP_CREATE_MASTER_KEY=1",
		"SCREENPOP_DATA_DIR=" + t.TempDir()}

	// A starts first and seeds the demo tenant, printing demo.agent's
	// password (work number 1001); B finds it seeded.
	a := startServer(t, nil, env...)
	password := a.Logins["demo.agent"]
	if password == "" {
		t.Fatalf("instance A did not print the demo logins:\n%s", a.Output.String())
	}
	b := startServer(t, nil, env...)

	// An API key for the demo tenant, from the CLI, on the same database.
	cmd := exec.Command(binary, "apikey", "create", "--tenant", "demo", "--name", "t")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "SCREENPOP_LOG_LEVEL=warn"}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	key := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(key, "sp_") {
		t.Fatalf("apikey create: %v, stdout %q\n%s", err, out, stderr.String())
	}

	// The agent signs in on B through the login form and opens the
	// workspace's event stream there.
	agent := formLogin(t, b.URL, "demo.agent", password)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.URL+"/workspace/stream", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := agent.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("stream on B: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	messages := make(chan string, 16)
	connected := make(chan struct{})
	go func() {
		defer close(messages)
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, ": connected") {
				close(connected)
			}
			if name, ok := strings.CutPrefix(line, "event: "); ok {
				event = name
			}
			// The stream opens with the agent's current state (SSE event
			// "state"); the messages are what comes after it.
			if data, ok := strings.CutPrefix(line, "data: "); ok && event != "state" {
				messages <- data
			}
			if line == "" {
				event = ""
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream on B never said it was connected")
	}

	// The telephony side posts Ringing for work number 1001 to A.
	event := `{"event":"Ringing","workNo":"1001","callData":{"callerNum":"13800138000","callType":"0","callid":"x-1"}}`
	post, _ := http.NewRequest(http.MethodPost, a.URL+"/api/v1/calls/events", strings.NewReader(event))
	post.Header.Set("Content-Type", "application/json")
	post.Header.Set("Authorization", "Bearer "+key)
	sent := time.Now()
	presp, err := http.DefaultClient.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	pbody, _ := io.ReadAll(presp.Body)
	presp.Body.Close()
	if presp.StatusCode != http.StatusCreated {
		t.Fatalf("post event to A: %d %s", presp.StatusCode, pbody)
	}

	// B's stream carries it within a few seconds.
	select {
	case data, ok := <-messages:
		if !ok {
			t.Fatalf("the stream on B ended before the event arrived\nB:\n%s", b.Output.String())
		}
		var m struct {
			Type      string         `json:"type"`
			Event     string         `json:"event"`
			CallID    string         `json:"callId"`
			EventData map[string]any `json:"eventData"`
		}
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("message %q: %v", data, err)
		}
		if m.Type != "call" || m.Event != "Ringing" || m.CallID != "x-1" || m.EventData["callerNum"] != "13800138000" || m.EventData["workNo"] != "1001" {
			t.Fatalf("message on B: %s", data)
		}
		t.Logf("posted to A, delivered by B in %v", time.Since(sent).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatalf("no message on B within 5 s of posting to A\nA:\n%s\nB:\n%s", a.Output.String(), b.Output.String())
	}

	// Stopping B (a deploy) ends the open stream at once, so the browser
	// reconnects to another instance and B does not wait out its shutdown
	// timeout.
	stopping := time.Now()
	b.stop()
	if took := time.Since(stopping); took > 5*time.Second {
		t.Errorf("B took %v to stop with a workspace connected:\n%s", took.Round(time.Millisecond), b.Output.String())
	}
	select {
	case _, open := <-messages:
		if open {
			t.Error("an unexpected message on B's stream while stopping")
		}
	case <-time.After(5 * time.Second):
		t.Error("B's stream still open after B stopped")
	}
}

// formLogin signs in (signIn) and returns the signed-in client.
func formLogin(t *testing.T, base, username, password string) *http.Client {
	t.Helper()
	c, code := signIn(t, base, username, password)
	if code != http.StatusSeeOther {
		t.Fatalf("sign in as %s on %s: status %d, want 303", username, base, code)
	}
	return c
}
