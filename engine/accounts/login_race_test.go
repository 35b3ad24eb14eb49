package accounts_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
)

// Parallel sign-in attempts cannot exceed the limit: each attempt is
// counted before its password is checked, so of 100 simultaneous guesses
// at most MaxFailuresPerUser wrong ones are checked per
// name, MaxFailuresPerIP per address.
func TestLoginLimitHoldsUnderParallelAttempts(t *testing.T) {
	s := service(t)
	ctx := context.Background()
	tn, err := s.CreateTenant(ctx, accounts.NewTenant{Slug: uniq("race"), Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		ip    func(i int) string
		limit int
	}{
		{"one name, many addresses", func(i int) string { return fmt.Sprintf("10.1.%d.%d", i/250, i%250) }, accounts.MaxFailuresPerUser},
		{"many names, one address", func(int) string { return "10.9.9.9" }, accounts.MaxFailuresPerIP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.CreateUser(ctx, accounts.NewUser{TenantID: &tn.ID, Username: uniq("racer"), Role: accounts.RoleAgent, Password: "right-password"})
			if err != nil {
				t.Fatal(err)
			}
			// Known names: an unknown one costs a full-strength bcrypt.
			others := make([]string, 100)
			for i := range others {
				o, err := s.CreateUser(ctx, accounts.NewUser{TenantID: &tn.ID, Username: uniq("other"), Role: accounts.RoleAgent, Password: "other-password"})
				if err != nil {
					t.Fatal(err)
				}
				others[i] = o.Username
			}
			var checked atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					username, password := u.Username, "wrong-password"
					if tt.limit == accounts.MaxFailuresPerIP {
						username = others[i] // each guess another known name
					}
					_, err := s.Login(ctx, username, password, tt.ip(i))
					if apperr.Is(err, apperr.Unauthorized) {
						checked.Add(1) // a wrong password was checked
					}
				}()
			}
			close(start)
			wg.Wait()
			if n := checked.Load(); n > int64(tt.limit) {
				t.Fatalf("%d wrong passwords of 100 parallel attempts were checked, limit %d", n, tt.limit)
			}
			// The right password now waits too.
			if _, err := s.Login(ctx, u.Username, "right-password", tt.ip(0)); !apperr.Is(err, apperr.RateLimited) {
				t.Fatalf("right password after the parallel guesses: %v, want rate limited", err)
			}
		})
	}
}
