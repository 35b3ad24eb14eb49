package migrations_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/migrations"
	"github.com/screenpop/screenpop/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

func open(t *testing.T, dsn string) *bun.DB {
	t.Helper()
	db, err := database.Open(context.Background(), dsn, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func tableExists(t *testing.T, db *bun.DB, name string) bool {
	t.Helper()
	var ok bool
	if err := db.NewRaw("SELECT to_regclass(?) IS NOT NULL", "public."+name).Scan(context.Background(), &ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// Up creates every table, Down removes them again, and Up after Down gives
// the same schema: each migration's down file really undoes its up file.
func TestUpDownUp(t *testing.T) {
	ctx := context.Background()
	db := open(t, testkit.EmptyDatabase(t))
	tables := []string{"tenants", "users", "sessions", "login_failures", "api_keys", "system_params", "url_whitelist", "audit_log", "install_state",
		"tenant_keys", "base_tables", "base_fields", "base_records", "pages", "page_versions", "pop_configs", "pop_settings", "pop_nonces", "call_events", "verify_results",
		"external_interfaces", "external_interface_grants", "external_allow_prefixes"}

	applied, err := migrations.Up(ctx, db)
	if err != nil || len(applied) == 0 {
		t.Fatalf("up: %v %v", applied, err)
	}
	for _, tb := range tables {
		if !tableExists(t, db, tb) {
			t.Errorf("after up, %s is missing", tb)
		}
	}
	again, err := migrations.Up(ctx, db)
	if err != nil || len(again) != 0 {
		t.Fatalf("second up applied %v, %v; want nothing", again, err)
	}
	status, err := migrations.List(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range status {
		if !s.Applied {
			t.Errorf("%s not applied after up", s.Name)
		}
	}

	for {
		rolled, err := migrations.Down(ctx, db)
		if err != nil {
			t.Fatalf("down: %v", err)
		}
		if len(rolled) == 0 {
			break
		}
	}
	for _, tb := range tables {
		if tableExists(t, db, tb) {
			t.Errorf("after down, %s still exists", tb)
		}
	}
	if _, err := migrations.Up(ctx, db); err != nil {
		t.Fatalf("up after down: %v", err)
	}
	if !tableExists(t, db, "tenants") {
		t.Error("up after down did not recreate tenants")
	}
}

// Several processes migrating one empty database at once all succeed and
// the schema is applied exactly once.
func TestConcurrentUp(t *testing.T) {
	ctx := context.Background()
	dsn := testkit.EmptyDatabase(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	appliedBy := make([]int, n)
	for i := range n {
		db := open(t, dsn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied, err := migrations.Up(ctx, db)
			errs[i], appliedBy[i] = err, len(applied)
		}()
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("migrator %d: %v", i, errs[i])
		}
		total += appliedBy[i]
	}
	coll, err := migrations.Collection()
	if err != nil {
		t.Fatal(err)
	}
	if want := len(coll.Sorted()); total != want {
		t.Errorf("migrations applied %d times in all, want %d (each once)", total, want)
	}
}
