package pops_test

import (
	"context"
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/testengine"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

var ctx = context.Background()

func uniq(p string) string { return testengine.Unique(p) }

// allowedURL is under the URL whitelist entry every engine of these tests
// has; the whitelist is system-wide, so it is added once per database.
const (
	whitelistPattern = "https://crm.example.com/pop/"
	allowedURL       = "https://crm.example.com/pop/customer"
)

// newEngine wires the services as the server does, on the package database,
// with the whitelist entry external pops need.
func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	eng := testengine.New(t)
	if _, err := eng.Settings.AddWhitelist(ctx, whitelistPattern, "pops tests"); err != nil && !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("whitelist: %v", err)
	}
	return eng
}

func tenant(t testing.TB, eng *engine.Engine) int64 { return testengine.Tenant(t, eng) }

// page creates a custom page of the tenant, published or not.
func page(t testing.TB, eng *engine.Engine, tenantID int64, published bool) *pages.Page {
	t.Helper()
	p, err := eng.Pages.CreatePage(ctx, tenantID, uniq("页面"))
	if err != nil {
		t.Fatal(err)
	}
	if published {
		if _, err := eng.Pages.Publish(ctx, tenantID, p.ID, nil, ""); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	return p
}

// external is a valid input for an enabled external audio pop.
func external(name string) pops.ConfigInput {
	return pops.ConfigInput{MediaType: pops.MediaAudio, Name: name, PageType: pops.PageExternal,
		URL: allowedURL, OpenMode: pops.OpenEmbed, Enabled: true}
}

func create(t testing.TB, s *pops.Service, tenantID int64, in pops.ConfigInput) *pops.Config {
	t.Helper()
	c, err := s.CreateConfig(ctx, tenantID, in)
	if err != nil {
		t.Fatalf("create %q: %v", in.Name, err)
	}
	return c
}

// setParam changes a system parameter for the test and restores its default.
func setParam(t *testing.T, eng *engine.Engine, p settings.Param, v int) {
	t.Helper()
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

// fieldErr is one expected field error: its field, message key and arguments.
type fieldErr struct {
	Field string
	Key   string
	Args  []any
}

// fieldErrors returns the field errors of a validation error, failing the
// test if err is not one.
func fieldErrors(t *testing.T, err error) []fieldErr {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("err %v (%T), want an *apperr.Error", err, err)
	}
	if e.Code != apperr.Invalid || e.Key != "error.invalid" {
		t.Fatalf("err code %q key %q (%v), want invalid / error.invalid", e.Code, e.Key, err)
	}
	out := make([]fieldErr, 0, len(e.Fields))
	for _, f := range e.Fields {
		args := f.Args
		if len(args) == 0 {
			args = nil
		}
		out = append(out, fieldErr{f.Field, f.Key, args})
	}
	return out
}

func wantFieldErrors(t *testing.T, err error, want ...fieldErr) {
	t.Helper()
	for i := range want {
		if len(want[i].Args) == 0 {
			want[i].Args = nil
		}
	}
	if got := fieldErrors(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("field errors\n got %+v\nwant %+v", got, want)
	}
}

// wantCode checks err is an *apperr.Error with the code and message key.
func wantCode(t *testing.T, err error, code apperr.Code, key string, args ...any) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("err %v (%T), want %s / %s", err, err, code, key)
	}
	if e.Code != code || e.Key != key {
		t.Fatalf("err %q / %q (%v), want %s / %s", e.Code, e.Key, err, code, key)
	}
	if len(args) > 0 && !reflect.DeepEqual(e.Args, args) {
		t.Errorf("err args %v, want %v", e.Args, args)
	}
	return e
}

func wantNotFound(t *testing.T, err error) {
	t.Helper()
	wantCode(t, err, apperr.NotFound, "pop.not_found")
}
