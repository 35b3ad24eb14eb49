package tables_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

// WriteEncoded with fresh copies new rows in; when one of them is stored
// already it rolls the copy back and upserts, and the transaction goes on.
// Either way the records, their values and the maintained count are what
// an upsert gives.
func TestWriteEncodedCopiesOrFallsBack(t *testing.T) {
	db := testkit.DB(t)
	s := newServiceOn(t, db)
	tenant := newTenantOn(t, db)
	tb := publishedTable(t, s, tenant, customerFields()...)
	sc, err := s.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows := func(from, to int, name string) []tables.Row {
		var out []tables.Row
		for i := from; i < to; i++ {
			row, errs := sc.ParseCells([]string{fmt.Sprintf("139%08d", i), name, "1", ""})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			out = append(out, row)
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		rows       []tables.Row
		fresh      bool
		wantCopied bool
		want       tables.UpsertResult
		wantCount  int
	}{
		{"new rows are copied", rows(0, 50, "甲"), true, true, tables.UpsertResult{Inserted: 50}, 50},
		{"a stored row makes the batch upsert", rows(45, 60, "乙"), true, false, tables.UpsertResult{Inserted: 10, Updated: 5}, 60},
		{"not fresh: upserted", rows(60, 70, "丙"), false, false, tables.UpsertResult{Inserted: 10}, 70},
		{"unchanged rows upserted, not copied", rows(60, 70, "丙"), true, false, tables.UpsertResult{Unchanged: 10}, 70},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, copied := writeEncoded(t, db, s, sc, tc.rows, tc.fresh)
			if copied != tc.wantCopied || res != tc.want {
				t.Fatalf("copied %v, %+v; want %v, %+v", copied, res, tc.wantCopied, tc.want)
			}
			n, err := s.RecordCount(ctx, tb.ID)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := db.NewSelect().Table("base_records").Where("table_id = ?", tb.ID).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.wantCount || int(stored) != tc.wantCount {
				t.Fatalf("count %d, %d records; want %d", n, stored, tc.wantCount)
			}
		})
	}
	// Copied records read back like upserted ones, encrypted fields too.
	for phone, name := range map[string]string{"13900000010": "甲", "13900000050": "乙", "13900000065": "丙"} {
		_, r, err := s.FindByIndex(ctx, tenant, tb.ID, phone)
		if err != nil || r == nil {
			t.Fatalf("find %s: %v, %v", phone, r, err)
		}
		if got := r.Values[sc.Fields[1].ID]; got != name {
			t.Fatalf("%s: name %q, want %q", phone, got, name)
		}
	}
}

// A table without encrypted fields stores no sealed object (NULL), and a
// short index value no suffix: COPY writes the NULLs the upsert writes.
func TestWriteEncodedCopiesNulls(t *testing.T) {
	db := testkit.DB(t)
	s := newServiceOn(t, db)
	tenant := newTenantOn(t, db)
	tb := publishedTable(t, s, tenant,
		tables.FieldInput{Name: "code", IsIndex: true, Type: tables.TypeString, Length: 20},
		tables.FieldInput{Name: "note", Type: tables.TypeString})
	sc, err := s.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	var rows []tables.Row
	for _, cells := range [][]string{{"A1", "短"}, {"LONG-CODE-0001", ""}} {
		row, errs := sc.ParseCells(cells)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		rows = append(rows, row)
	}
	if res, copied := writeEncoded(t, db, s, sc, rows, true); !copied || res.Inserted != 2 {
		t.Errorf("copied %v, %+v", copied, res)
	}
	var sealed, suffixes int
	if err := db.NewRaw("SELECT count(sealed), count(index_suffix) FROM base_records WHERE table_id = ?", tb.ID).Scan(ctx, &sealed, &suffixes); err != nil {
		t.Fatal(err)
	}
	if sealed != 0 || suffixes != 1 {
		t.Fatalf("%d sealed objects, %d suffixes; want none and one (the short code has none)", sealed, suffixes)
	}
	for code, note := range map[string]string{"A1": "短", "LONG-CODE-0001": ""} {
		_, r, err := s.FindByIndex(ctx, tenant, tb.ID, code)
		if err != nil || r == nil || r.Values[sc.Fields[1].ID] != note {
			t.Fatalf("find %s: %+v, %v", code, r, err)
		}
	}
}

// writeEncoded encodes rows and writes them with WriteEncoded in a
// transaction of their own, which must still take a statement afterwards
// (after a fallback, too), and commits it.
func writeEncoded(t *testing.T, db *bun.DB, s *tables.Service, sc *tables.Schema, rows []tables.Row, fresh bool) (tables.UpsertResult, bool) {
	t.Helper()
	enc, err := s.EncodeRows(ctx, sc, rows)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var res tables.UpsertResult
	var copied bool
	err = conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if res, copied, err = s.WriteEncoded(ctx, conn, tx, enc, fresh); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "SELECT 1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, copied
}
