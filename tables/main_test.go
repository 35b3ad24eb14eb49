package tables_test

import (
	"context"
	"crypto/rand"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/apperrtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// masterKey is the key-encryption key of every keyring in this package, as
// if each Keyring were another instance of one deployment.
var masterKey = func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}()

var seq atomic.Int64

func uniq(p string) string { return p + strconv.FormatInt(seq.Add(1), 10) }

var ctx = context.Background()

// newService returns a Service with its own keyring (its own key cache) on
// the package database.
func newService(t testing.TB) *tables.Service {
	t.Helper()
	return newServiceOn(t, testkit.DB(t))
}

func newServiceOn(t testing.TB, db bun.IDB) *tables.Service {
	t.Helper()
	return newLimitedServiceOn(t, db, defaultLimits)
}

// defaultLimits are the defaults of the system parameters.
var defaultLimits = tables.FixedLimits{Tables: 5}

// newLimitedServiceOn returns a Service with its own keyring on db, bounded
// by limits.
func newLimitedServiceOn(t testing.TB, db bun.IDB, limits tables.Limits) *tables.Service {
	t.Helper()
	k, err := tables.NewKeyring(db, masterKey)
	if err != nil {
		t.Fatal(err)
	}
	return tables.NewService(db, k, limits)
}

// newTenant creates a tenant and returns its id.
func newTenant(t testing.TB) int64 {
	t.Helper()
	return newTenantOn(t, testkit.DB(t))
}

func newTenantOn(t testing.TB, db bun.IDB) int64 {
	t.Helper()
	tn, err := accounts.New(db).CreateTenant(ctx, accounts.NewTenant{Slug: uniq("t"), Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// newTable creates a draft table with fields, in order.
func newTable(t testing.TB, s *tables.Service, tenantID int64, fields ...tables.FieldInput) *tables.Table {
	t.Helper()
	tb, err := s.CreateTable(ctx, tenantID, tables.TableInput{Name: uniq("table")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if _, err := s.AddField(ctx, tenantID, tb.ID, f); err != nil {
			t.Fatalf("add field %q: %v", f.Name, err)
		}
	}
	tb, err = s.GetTable(ctx, tenantID, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// publishedTable creates and publishes a table with fields.
func publishedTable(t testing.TB, s *tables.Service, tenantID int64, fields ...tables.FieldInput) *tables.Table {
	t.Helper()
	tb := newTable(t, s, tenantID, fields...)
	tb, err := s.Publish(ctx, tenantID, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// customerFields is a small customer table: an encrypted phone index, a
// masked encrypted name, a plain level dictionary and a plain note.
func customerFields() []tables.FieldInput {
	return []tables.FieldInput{
		{Name: "phone", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
		{Name: "name", Encrypted: true, Type: tables.TypeString, Masked: true, MaskStyle: tables.MaskFirstFour},
		{Name: "level", Type: tables.TypeDict, Mandatory: true, DictItems: []tables.DictItem{{Key: "1", Value: "VIP"}, {Key: "2", Value: "Normal"}}},
		{Name: "note", Type: tables.TypeString},
	}
}

func createRecord(t testing.TB, s *tables.Service, tenantID, tableID int64, in map[string]string) *tables.Record {
	t.Helper()
	r, err := s.CreateRecord(ctx, tenantID, tableID, in)
	if err != nil {
		t.Fatalf("create record %v: %v", in, err)
	}
	return r
}

// Assertions on domain errors, shared with the other packages' tests.
var (
	wantField   = apperrtest.WantField
	wantMessage = apperrtest.WantMessage
)
