package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// POST /users with another tenant's user name says nothing about the other
// tenant: not "taken", the answer of a name that cannot be used. The own
// tenant's names are still "taken".
func TestAttackUsernameProbe(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(), e.tenant()
	tally := newAttackTally(t, "isolation")
	create := func(username string) (int, string) {
		resp, out := e.api("POST", "/api/v1/users", a.APIKey, map[string]any{"username": username, "role": "agent", "password": "long-enough-1"})
		return resp.StatusCode, out["_body"].(string)
	}
	for _, other := range []string{b.Admin.Username, b.Agent.Username} {
		status, body := create(other)
		if !tally.record(status == http.StatusUnprocessableEntity && !strings.Contains(body, "taken") && strings.Contains(body, "cannot be used")) {
			t.Errorf("another tenant's name %q: %d %s", other, status, body)
		}
	}
	if status, body := create(a.Agent.Username); status != http.StatusConflict || !strings.Contains(body, "taken") {
		t.Errorf("own tenant's name: %d %s", status, body)
	}
}
