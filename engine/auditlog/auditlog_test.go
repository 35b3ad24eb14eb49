package auditlog_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/auditlog"
	"github.com/screenpop/screenpop/internal/audit"
	"github.com/screenpop/screenpop/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// List reads one tenant's entries, newest first, of one action or all,
// never another tenant's; no entries is an empty list, not null.
func TestListIsPerTenant(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	acc := accounts.New(db)
	a, err := acc.CreateTenant(ctx, accounts.NewTenant{Slug: "audit-a", Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := acc.CreateTenant(ctx, accounts.NewTenant{Slug: "audit-b", Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []audit.Entry{
		{TenantID: &a.ID, Action: "record.reveal", Target: "a1"},
		{TenantID: &a.ID, Action: "data.export_reveal", Target: "a2"},
		{TenantID: &a.ID, Action: "record.reveal", Target: "a3"},
		{TenantID: &b.ID, Action: "record.reveal", Target: "b1"},
	} {
		if err := audit.Record(ctx, db, e); err != nil {
			t.Fatal(err)
		}
	}
	s := auditlog.New(db)
	cases := []struct {
		name     string
		tenantID int64
		action   string
		limit    int64
		want     []string
	}{
		{"all of a tenant", a.ID, "", 10, []string{"a3", "a2", "a1"}},
		{"one action", a.ID, "record.reveal", 10, []string{"a3", "a1"}},
		{"the newest", a.ID, "", 1, []string{"a3"}},
		{"the other tenant", b.ID, "", 10, []string{"b1"}},
		{"none", b.ID, "data.export_reveal", 10, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es, err := s.List(ctx, tc.tenantID, tc.action, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, e := range es {
				got = append(got, e.Target)
			}
			if es == nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v (nil %v), want %v", got, es == nil, tc.want)
			}
		})
	}
}
