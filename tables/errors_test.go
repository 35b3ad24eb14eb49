package tables_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

// A failure of the database says what the service was doing, and still
// matches what caused it; domain errors stay domain errors.
func TestErrorsSayWhatFailed(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: uniq("t")})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name string
		call func(ctx context.Context) error
		want string
	}{
		{"list tables", func(ctx context.Context) error { _, err := s.ListTables(ctx, tenant); return err }, "list the tables of tenant"},
		{"get table", func(ctx context.Context) error { _, err := s.GetTable(ctx, tenant, tb.ID); return err }, "get table"},
		{"delete record", func(ctx context.Context) error { return s.DeleteRecord(ctx, tenant, tb.ID, 1) }, "delete record 1"},
		{"count records", func(ctx context.Context) error { _, err := s.RecordCount(ctx, tb.ID); return err }, "count the records of table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(cancelled)
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v: want context.Canceled wrapped with %q", err, tt.want)
			}
		})
	}
	if _, err := s.GetTable(ctx, tenant, tb.ID+1_000_000); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("missing table: %v, want not found", err)
	}
}

// A service without limits is a programming error caught at construction,
// not a silent default.
func TestNewServiceNeedsLimits(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewService accepted nil limits")
		}
	}()
	k, err := tables.NewKeyring(testkit.DB(t), masterKey)
	if err != nil {
		t.Fatal(err)
	}
	tables.NewService(testkit.DB(t), k, nil)
}
