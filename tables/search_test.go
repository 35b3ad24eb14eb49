package tables_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

// Searching the data page: the last four digits of an encrypted phone
// (a blind suffix index: the database holds no digits), the full number,
// plain fields and dictionary labels; encrypted fields are not searched;
// plain fields sort.
func TestSearchRecords(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, append(customerFields(), tables.FieldInput{Name: "points", Type: tables.TypeNumber})...)
	for _, in := range []map[string]string{
		{"phone": "13800005678", "name": "Zhang", "level": "1", "note": "likes 100% cotton", "points": "20"},
		{"phone": "13900005678", "name": "Li", "level": "2", "note": "call after six", "points": "300"},
		{"phone": "13700001234", "name": "Wang", "level": "2", "note": "secretnote", "points": "5"},
	} {
		createRecord(t, s, tenant, tb.ID, in)
	}
	tests := []struct {
		name string
		q    tables.Search
		want []string // names, in order
	}{
		{"last four digits", tables.Search{Text: "5678"}, []string{"Zhang", "Li"}},
		{"full number", tables.Search{Text: "139 0000 5678"}, []string{"Li"}},
		{"plain note", tables.Search{Text: "AFTER"}, []string{"Li"}},
		{"percent is literal", tables.Search{Text: "100%"}, []string{"Zhang"}},
		{"dictionary label", tables.Search{Text: "vip"}, []string{"Zhang"}},
		{"encrypted name is not searched", tables.Search{Text: "Wang"}, nil},
		{"no match", tables.Search{Text: "0000"}, nil},
		{"sort by number, descending", tables.Search{SortField: tb.FieldByName("points").ID, Desc: true}, []string{"Li", "Zhang", "Wang"}},
		{"sort by number", tables.Search{SortField: tb.FieldByName("points").ID}, []string{"Wang", "Zhang", "Li"}},
		{"sort by an encrypted field is ignored", tables.Search{SortField: tb.FieldByName("name").ID}, []string{"Zhang", "Li", "Wang"}},
	}
	nameID := tb.FieldByName("name").ID
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, recs, total, err := s.SearchRecords(ctx, tenant, tb.ID, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.Values[nameID])
			}
			if !slices.Equal(got, tt.want) || total != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v", got, total, tt.want)
			}
		})
	}
	// The stored suffix keys are keyed hashes, not the digits.
	var suffixes [][]byte
	if err := testkit.DB(t).NewSelect().Table("base_records").Column("index_suffix").Where("table_id = ?", tb.ID).Scan(ctx, &suffixes); err != nil {
		t.Fatal(err)
	}
	for _, sfx := range suffixes {
		if len(sfx) != 32 || bytes.Contains(sfx, []byte("5678")) || bytes.Contains(sfx, []byte("1234")) {
			t.Fatalf("suffix stored as %x", sfx)
		}
	}
}

// Sorted browsing without search text reports the maintained count (as
// plain browsing does), not a count(*) over the table: the test skews the
// maintained counter and sees the skew in both totals; a search still
// counts its matches.
func TestSearchRecordsSortedUsesMaintainedCount(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, append(customerFields(), tables.FieldInput{Name: "points", Type: tables.TypeNumber})...)
	for _, p := range []string{"3", "1", "2"} {
		createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "1380000000" + p, "name": "n" + p, "level": "1", "points": p})
	}
	const skew = 40
	if _, err := testkit.DB(t).ExecContext(ctx, "INSERT INTO base_record_counts (table_id, delta) VALUES (?, ?)", tb.ID, skew); err != nil {
		t.Fatal(err)
	}
	points := tb.FieldByName("points").ID
	tests := []struct {
		name      string
		q         tables.Search
		wantTotal int
		wantRows  int
	}{
		{"plain browsing", tables.Search{}, 3 + skew, 3},
		{"sorted browsing", tables.Search{SortField: points, Desc: true}, 3 + skew, 3},
		{"sorted search counts its matches", tables.Search{SortField: points, Text: "0001"}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, recs, total, err := s.SearchRecords(ctx, tenant, tb.ID, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.wantTotal || len(recs) != tt.wantRows {
				t.Fatalf("total %d rows %d, want %d and %d", total, len(recs), tt.wantTotal, tt.wantRows)
			}
		})
	}
}

// Records written before migration 0009 have no suffix blind index; the
// backfill gives it to them (decrypting in Go), so the last four digits
// find them; a second run has nothing left to do.
func TestBackfillIndexSuffixes(t *testing.T) {
	db := testkit.DB(t)
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, customerFields()...)
	plainIndex := publishedTable(t, s, tenant, tables.FieldInput{Name: "code", IsIndex: true, Type: tables.TypeString}, tables.FieldInput{Name: "name", Type: tables.TypeString})
	createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "138 0000 5678", "name": "Old", "level": "1"})
	createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "139", "name": "Short", "level": "1"})
	createRecord(t, s, tenant, plainIndex.ID, map[string]string{"code": "AB-9876", "name": "Plain"})
	if _, err := db.ExecContext(ctx, "UPDATE base_records SET index_suffix = NULL WHERE table_id IN (?, ?)", tb.ID, plainIndex.ID); err != nil {
		t.Fatal(err)
	}
	found := func(tableID int64, text string) int {
		t.Helper()
		_, recs, _, err := s.SearchRecords(ctx, tenant, tableID, tables.Search{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	if n := found(tb.ID, "5678"); n != 0 {
		t.Fatalf("before the backfill the suffix found %d records", n)
	}
	filled, err := s.BackfillIndexSuffixes(ctx, 1)
	if err != nil || filled < 2 {
		t.Fatalf("filled %d, %v; want at least the phone and the code", filled, err)
	}
	if n := found(tb.ID, "5678"); n != 1 {
		t.Fatalf("after the backfill the suffix found %d records, want 1", n)
	}
	if n := found(plainIndex.ID, "9876"); n != 1 {
		t.Fatalf("plain index: the suffix found %d records, want 1", n)
	}
	// Every record has its suffix now but the one too short to have one.
	var missing []string
	if err := db.NewSelect().Table("base_records").ColumnExpr("plain::text").
		Where("table_id IN (?, ?) AND index_suffix IS NULL", tb.ID, plainIndex.ID).Scan(ctx, &missing); err != nil || len(missing) != 1 {
		t.Fatalf("records without a suffix: %q (%v), want only the short one", missing, err)
	}
	if again, err := s.BackfillIndexSuffixes(ctx, 1); err != nil || again != 0 {
		t.Fatalf("second run filled %d, %v; want 0", again, err)
	}
}
