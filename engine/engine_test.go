package engine_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/testengine"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// The services New builds are bounded by the operator's system parameters
// as they are now: settings is the Limits of tables, pages and importer.
func TestLimitsFollowSettings(t *testing.T) {
	ctx := context.Background()
	eng := testengine.New(t)
	tests := []struct {
		param settings.Param
		value int
		check func(t *testing.T, eng *engine.Engine, tenant int64)
	}{
		{settings.BaseTablesPerTenant, 1, func(t *testing.T, eng *engine.Engine, tenant int64) {
			if _, err := eng.Tables.CreateTable(ctx, tenant, tables.TableInput{Name: "a"}); err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Tables.CreateTable(ctx, tenant, tables.TableInput{Name: "b"}); !isKey(err, "table.limit") {
				t.Fatalf("second table: %v, want table.limit", err)
			}
		}},
		{settings.CustomPagesPerTenant, 1, func(t *testing.T, eng *engine.Engine, tenant int64) {
			if _, err := eng.Pages.CreatePage(ctx, tenant, "a"); err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Pages.CreatePage(ctx, tenant, "b"); !isKey(err, "page.limit") {
				t.Fatalf("second page: %v, want page.limit", err)
			}
		}},
		{settings.ObjectsPerPage, 1, func(t *testing.T, eng *engine.Engine, tenant int64) {
			tb, err := eng.Tables.CreateTable(ctx, tenant, tables.TableInput{Name: "t"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Tables.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "手机", IsIndex: true, Type: tables.TypeString}); err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Tables.Publish(ctx, tenant, tb.ID); err != nil {
				t.Fatal(err)
			}
			p, err := eng.Pages.CreatePage(ctx, tenant, "p")
			if err != nil {
				t.Fatal(err)
			}
			def := pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceInternal}
			for _, name := range []string{"甲", "乙"} {
				def.Objects = append(def.Objects, pages.Object{Name: name, TableID: tb.ID})
			}
			if _, err := eng.Pages.SaveDraft(ctx, tenant, p.ID, def, p.DraftRevision); !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("two objects: %v, want invalid", err)
			}
		}},
		{settings.ImportFileSizeMB, 3, func(t *testing.T, eng *engine.Engine, _ int64) {
			if n, err := eng.Imports.FileLimit(ctx); err != nil || n != 3<<20 {
				t.Fatalf("file limit %d, %v; want %d", n, err, 3<<20)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.param), func(t *testing.T) {
			setParam(t, eng, tt.param, tt.value)
			tt.check(t, eng, testengine.Tenant(t, eng))
		})
	}
}

func isKey(err error, key string) bool {
	e, ok := apperr.As(err)
	return ok && e.Key == key
}

// setParam changes a system parameter for the test and restores its
// default.
func setParam(t *testing.T, eng *engine.Engine, p settings.Param, v int) {
	t.Helper()
	ctx := context.Background()
	if err := eng.Settings.SetParams(ctx, map[settings.Param]string{p: strconv.Itoa(v)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, spec := range settings.ParamSpecs {
			if spec.Name == p {
				if err := eng.Settings.SetParams(ctx, map[settings.Param]string{p: strconv.Itoa(spec.Default)}); err != nil {
					t.Errorf("restore %s: %v", p, err)
				}
			}
		}
	})
}
