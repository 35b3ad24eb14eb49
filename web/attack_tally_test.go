package web_test

import (
	"sync"
	"testing"
)

// attackTally counts the attempts of one attack class and how many were
// refused, and logs one summary line at the end of the test, so the security
// note can cite "attack class → attempts → refused" from a run:
//
//	go test ./web -run 'TestAttack' -v | grep 'attack summary'
type attackTally struct {
	t        *testing.T
	class    string
	mu       sync.Mutex
	attempts int
	refused  int
}

func newAttackTally(t *testing.T, class string) *attackTally {
	a := &attackTally{t: t, class: class}
	t.Cleanup(func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		t.Logf("attack summary: class=%s attempts=%d refused=%d", a.class, a.attempts, a.refused)
		if a.refused != a.attempts && !t.Failed() {
			t.Errorf("%s: %d of %d attempts were not refused", a.class, a.attempts-a.refused, a.attempts)
		}
	})
	return a
}

// record counts one attempt; refused says whether the server held.
func (a *attackTally) record(refused bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attempts++
	if refused {
		a.refused++
	}
	return refused
}
