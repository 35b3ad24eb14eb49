package tables_test

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit/benchdata"
	"github.com/screenpop/screenpop/testkit/benchstat"
)

// BenchmarkFindByIndex1M runs on testkit/benchdata's million customers,
// shared with the pages and web benchmarks (loaded once per run):
//
//	go run ./testkit/testpg -- go test -run '^$' -bench FindByIndex1M -benchtime 1x ./tables/
//
// With SCREENPOP_BENCH_DSN the set is kept in that database across runs.

// benchLookups is how many random customers a run looks up.
const benchLookups = 20_000

// percentile is shared with the other benchmarks.
var percentile = benchstat.Percentile

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// BenchmarkFindByIndex1M measures the pop lookup — index value in, the
// decrypted and masked view out (Service.FindView) — on a table of a
// million records, against a raw SELECT of the same rows by their stored
// key over the same pool.
func BenchmarkFindByIndex1M(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 1M-row table")
	}
	db := benchdata.DB(b)
	keys, err := tables.NewKeyring(db, benchdata.MasterKey)
	if err != nil {
		b.Fatal(err)
	}
	s := tables.NewService(db, keys, defaultLimits)
	set, err := benchdata.Ensure(ctx, db, s, pages.NewService(db, s, pages.FixedLimits{Pages: 5, Objects: 5}, pages.NoExternal{}))
	if err != nil {
		b.Fatal(err)
	}
	tenant, tb := set.Tenant.ID, set.Table

	rnd := mrand.New(mrand.NewPCG(1, 2))
	phones := make([]string, benchLookups)
	for i := range phones {
		phones[i] = benchdata.Phone(rnd.IntN(benchdata.Rows))
	}
	// Warm up (keys, schema, connections, prepared descriptions) and learn
	// each sample's record id and stored key, for the raw queries.
	ids := make([]int64, len(phones))
	for i, p := range phones {
		v, err := s.FindView(ctx, tenant, tb.ID, p, false)
		if err != nil || v == nil {
			b.Fatalf("find %s: %v %v", p, v, err)
		}
		ids[i] = v.RecordID
	}
	keyByID := map[int64][]byte{}
	rows, err := db.DB.QueryContext(ctx, "SELECT id, index_key FROM base_records WHERE id = ANY($1)", ids)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var k []byte
		if err := rows.Scan(&id, &k); err != nil {
			b.Fatal(err)
		}
		keyByID[id] = k
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		b.Fatal(err)
	}

	const raw = "SELECT * FROM base_records WHERE tenant_id = $1 AND table_id = $2 AND index_key = $3"
	rawFind := func(key []byte) error {
		var (
			id, tenantID, tableID int64
			indexKey, sealed, dig []byte
			plain, suffix         []byte
			created, updated      time.Time
		)
		// Every column, index_suffix (migration 0009) last.
		return db.DB.QueryRowContext(ctx, raw, tenant, tb.ID, key).
			Scan(&id, &tenantID, &tableID, &indexKey, &plain, &sealed, &dig, &created, &updated, &suffix)
	}

	var find, rawd []time.Duration
	for b.Loop() {
		find, rawd = find[:0], rawd[:0]
		// Alternate the two, so drift on a shared machine hits both alike.
		for i, p := range phones {
			t0 := time.Now()
			v, err := s.FindView(ctx, tenant, tb.ID, p, false)
			t1 := time.Now()
			if err != nil || v == nil || v.RecordID != ids[i] {
				b.Fatalf("find %s: %v %v", p, v, err)
			}
			if err := rawFind(keyByID[ids[i]]); err != nil {
				b.Fatalf("raw find %s: %v", p, err)
			}
			t2 := time.Now()
			find, rawd = append(find, t1.Sub(t0)), append(rawd, t2.Sub(t1))
		}
	}
	p50, p99 := percentile(find, .50), percentile(find, .99)
	r50, r99 := percentile(rawd, .50), percentile(rawd, .99)
	ratio := float64(p99) / float64(r99)
	b.ReportMetric(micros(p50), "p50-µs")
	b.ReportMetric(micros(p99), "p99-µs")
	b.ReportMetric(micros(r50), "raw-p50-µs")
	b.ReportMetric(micros(r99), "raw-p99-µs")
	b.ReportMetric(ratio, "ratio-p99")
	if set.Load > 0 {
		b.ReportMetric(set.Load.Seconds(), "load-s")
	}
	verdict := "target met"
	if p99 >= 5*time.Millisecond || ratio >= 3 {
		verdict = "TARGET MISSED (p99 < 5ms and < 3x raw)"
	}
	fmt.Printf("bench: FindView over %d records, %d lookups: p50 %.0fµs p99 %.0fµs | raw SELECT p50 %.0fµs p99 %.0fµs | p99 ratio %.2f: %s\n",
		benchdata.Rows, len(find), micros(p50), micros(p99), micros(r50), micros(r99), ratio, verdict)
}
