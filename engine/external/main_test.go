package external_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/external"
	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/apperrtest"
	"github.com/screenpop/screenpop/testkit/slowendpoint"
	"github.com/screenpop/screenpop/testkit/testengine"
)

func TestMain(m *testing.M) {
	if slowendpoint.ServeIfChild() {
		return // this binary was the benchmark's endpoint process
	}
	os.Exit(testkit.Main(m))
}

var ctx = context.Background()

func uniq(p string) string { return testengine.Unique(p) }

// newEngine wires the services as the server does, on the package database.
// Its connector reaches loopback (AllowLoopback), where the tests' endpoints
// listen; the production client is tested in TestProductionClientRefusesLoopback.
func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	eng := testengine.New(t)
	eng.External.UseClient(querycustomer.NewClient(querycustomer.Options{AllowLoopback: true}))
	return eng
}

func tenant(t testing.TB, eng *engine.Engine) int64 { return testengine.Tenant(t, eng) }

// endpoint is a local queryCustomer endpoint over plain http.
func endpoint(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func reply(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		io.WriteString(w, body)
	}
}

// iface registers an interface at url (http allowed) granted to tenants.
func iface(t testing.TB, eng *engine.Engine, url string, timeoutMS int, tenants ...int64) *external.Interface {
	t.Helper()
	it, err := eng.External.Create(ctx, external.Input{Name: uniq("crm"), URL: url, AllowHTTP: true, TimeoutMS: timeoutMS,
		Headers: map[string]string{"Authorization": "Bearer s3cret-token"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tenants) > 0 {
		if err := eng.External.SetGrants(ctx, it.ID, tenants); err != nil {
			t.Fatal(err)
		}
	}
	return it
}

// externalPage publishes an external page of the tenant over the interface.
func externalPage(t testing.TB, eng *engine.Engine, tenantID, interfaceID int64) *pages.Page {
	t.Helper()
	p, err := eng.Pages.CreatePage(ctx, tenantID, uniq("页面"))
	if err != nil {
		t.Fatal(err)
	}
	def := pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal, ExternalInterfaceID: interfaceID}
	if _, err := eng.Pages.SaveDraft(ctx, tenantID, p.ID, def, 0); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	if _, err := eng.Pages.Publish(ctx, tenantID, p.ID, nil, ""); err != nil {
		t.Fatalf("publish: %v", err)
	}
	return p
}

func table(t testing.TB, eng *engine.Engine, tenantID int64, fields ...tables.FieldInput) *tables.Table {
	t.Helper()
	tb, err := eng.Tables.CreateTable(ctx, tenantID, tables.TableInput{Name: uniq("表")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if _, err := eng.Tables.AddField(ctx, tenantID, tb.ID, f); err != nil {
			t.Fatalf("add field %q: %v", f.Name, err)
		}
	}
	if _, err := eng.Tables.Publish(ctx, tenantID, tb.ID); err != nil {
		t.Fatal(err)
	}
	tb, err = eng.Tables.GetTable(ctx, tenantID, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func wantField(t *testing.T, err error, field, want string) {
	t.Helper()
	if msg := fieldMessage(err, field); !strings.Contains(msg, want) {
		t.Errorf("%s: message %q (err %v), want it to contain %q", field, msg, err, want)
	}
}

// fieldMessage is shared with the other packages' tests.
var fieldMessage = apperrtest.FieldMessage
