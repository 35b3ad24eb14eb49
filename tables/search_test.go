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
