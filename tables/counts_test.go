package tables_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

// TestRecordCounts: the maintained count (RecordCount, ListTables,
// ListRecords) equals count(*) after every kind of write, including
// upserts that update or leave rows alone, concurrent writers, many small
// statements (compaction) and the deletion of the table.
func TestRecordCounts(t *testing.T) {
	db := testkit.DB(t)
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, customerFields()...)
	other := publishedTable(t, s, tenant, customerFields()...)
	sc, err := s.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	row := func(i int, name string) map[string]string {
		return map[string]string{"phone": fmt.Sprintf("1390000%04d", i), "name": name, "level": "VIP"}
	}
	rows := func(from, to int, name string) []map[string]string {
		var out []map[string]string
		for i := from; i < to; i++ {
			out = append(out, row(i, name))
		}
		return out
	}
	createRecord(t, s, tenant, other.ID, row(1, "other"))

	steps := []struct {
		name  string
		write func(t *testing.T)
		want  int
	}{
		{"three records created one by one", func(t *testing.T) {
			for i := range 3 {
				createRecord(t, s, tenant, tb.ID, row(i, "a"))
			}
		}, 3},
		{"an upsert that updates two and inserts three", func(t *testing.T) {
			res, err := s.UpsertRows(ctx, db, sc, parseRows(t, sc, rows(1, 6, "b")...))
			if err != nil || res.Inserted != 3 || res.Updated != 2 {
				t.Fatalf("%+v %v", res, err)
			}
		}, 6},
		{"the same upsert again changes nothing", func(t *testing.T) {
			res, err := s.UpsertRows(ctx, db, sc, parseRows(t, sc, rows(1, 6, "b")...))
			if err != nil || res.Unchanged != 5 {
				t.Fatalf("%+v %v", res, err)
			}
		}, 6},
		{"a record deleted", func(t *testing.T) {
			_, r, err := s.FindByIndex(ctx, tenant, tb.ID, row(0, "")["phone"])
			if err != nil || r == nil {
				t.Fatalf("find: %v", err)
			}
			if err := s.DeleteRecord(ctx, tenant, tb.ID, r.ID); err != nil {
				t.Fatal(err)
			}
		}, 5},
		{"four concurrent importers of 250 rows each", func(t *testing.T) {
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					from := 1000 + w*250
					if _, err := s.UpsertRows(ctx, db, sc, parseRows(t, sc, rows(from, from+250, "c")...)); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}, 1005},
		{"a hundred single-record statements (compacted on read)", func(t *testing.T) {
			for i := range 100 {
				createRecord(t, s, tenant, tb.ID, row(5000+i, "d"))
			}
		}, 1105},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.write(t)
			var actual int
			if err := db.NewSelect().Table("base_records").Where("table_id = ?", tb.ID).ColumnExpr("count(*)").Scan(ctx, &actual); err != nil {
				t.Fatal(err)
			}
			if actual != st.want {
				t.Fatalf("count(*) = %d, want %d", actual, st.want)
			}
			if n, err := s.RecordCount(ctx, tb.ID); err != nil || n != st.want {
				t.Errorf("RecordCount = %d, %v; want %d", n, err, st.want)
			}
			if _, _, n, err := s.ListRecords(ctx, tenant, tb.ID, 0, 10); err != nil || n != st.want {
				t.Errorf("ListRecords total = %d, %v; want %d", n, err, st.want)
			}
			if got := listedCount(t, s, tenant, tb.ID); got != st.want {
				t.Errorf("ListTables record count = %d, want %d", got, st.want)
			}
			if got := listedCount(t, s, tenant, other.ID); got != 1 {
				t.Errorf("the other table's count = %d, want 1", got)
			}
		})
	}
	if n := countRows(t, db, tb.ID); n > 2 {
		t.Errorf("%d count rows after reads, want them compacted", n)
	}
	if err := s.DeleteTable(ctx, tenant, tb.ID); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, tb.ID); n != 0 {
		t.Errorf("%d count rows left after the table was deleted", n)
	}
	if got := listedCount(t, s, tenant, other.ID); got != 1 {
		t.Errorf("the other table's count = %d after a deletion, want 1", got)
	}
}

func listedCount(t *testing.T, s *tables.Service, tenantID, tableID int64) int {
	t.Helper()
	list, err := s.ListTables(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range list {
		if ts.ID == tableID {
			return ts.RecordCount
		}
	}
	t.Fatalf("table %d not listed", tableID)
	return 0
}

func countRows(t *testing.T, db bun.IDB, tableID int64) int {
	t.Helper()
	var n int
	if err := db.NewSelect().Table("base_record_counts").Where("table_id = ?", tableID).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
