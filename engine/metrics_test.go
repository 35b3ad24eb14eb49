package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/testkit/testengine"
)

// The pop path's reads are counted by the server that answered, also
// without replicas (all on the primary), and only under a pop's context.
func TestPopReadMetrics(t *testing.T) {
	eng := testengine.New(t)
	read := func(ctx context.Context) {
		var one int
		if err := database.Read(ctx, eng.DB, func(db bun.IDB) error { return db.NewRaw("SELECT 1").Scan(ctx, &one) }); err != nil {
			t.Fatal(err)
		}
	}
	read(context.Background()) // not a pop: not counted
	pop := database.WithReplicaReads(context.Background(), eng.Replicas)
	read(pop)
	read(pop)
	want := `
# HELP screenpop_pop_db_reads_total Database reads of the pop path (tenant, page, configuration, customer lookup) by the server that answered: primary or replica.
# TYPE screenpop_pop_db_reads_total counter
screenpop_pop_db_reads_total{server="primary"} 2
screenpop_pop_db_reads_total{server="replica"} 0
`
	if err := testutil.GatherAndCompare(eng.Metrics.Registry, strings.NewReader(want), "screenpop_pop_db_reads_total"); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(eng.Metrics.Registry, "screenpop_replica_fallbacks_total"); err != nil || n != 3 {
		t.Fatalf("fallback series: %d, %v (want one per reason)", n, err)
	}
}
