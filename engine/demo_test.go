package engine_test

import (
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/testkit"
)

// The seeded demo is ready to pop: a published customer table with a few
// hundred customers, a published page, an internal pop per media type, an
// agent with a work number, and the demo caller renders as a VIP customer
// with a masked phone.
func TestSeedDemoPopsACustomer(t *testing.T) {
	ctx := t.Context()
	key, err := masterkey.FromBytes(make([]byte, masterkey.Size))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(testkit.NewDB(t), key) // a database of its own: the demo is seeded once per database
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.External.Close)
	eng.Accounts.BcryptCost = 4
	logins, err := eng.SeedDemo(ctx)
	if err != nil || len(logins) != 3 {
		t.Fatalf("seed: %v (%d logins)", err, len(logins))
	}
	again, err := eng.SeedDemo(ctx)
	if err != nil || again != nil {
		t.Fatalf("second seed: %v %v, want nothing", again, err)
	}
	tenant, err := eng.Accounts.TenantBySlug(ctx, engine.DemoTenantSlug)
	if err != nil {
		t.Fatal(err)
	}
	tid := tenant.ID

	agent, err := eng.Accounts.UserByWorkNo(ctx, tid, "1001")
	if err != nil || agent.Username != engine.DemoAgent {
		t.Fatalf("work number 1001: %v %v", agent, err)
	}
	ts, err := eng.Tables.ListTables(ctx, tid)
	if err != nil || len(ts) != 1 {
		t.Fatalf("tables: %v %v", ts, err)
	}
	if n, err := eng.Tables.RecordCount(ctx, ts[0].ID); err != nil || n != engine.DemoCustomers {
		t.Fatalf("customers: %d %v, want %d", n, err, engine.DemoCustomers)
	}
	for _, media := range pops.MediaTypes {
		cs, err := eng.Pops.ListConfigs(ctx, tid, media)
		if err != nil || len(cs) != 1 || cs[0].PageType != pops.PageInternal || !cs[0].Enabled {
			t.Fatalf("%s pops: %+v %v", media, cs, err)
		}
	}
	ps, err := eng.Pages.ListPages(ctx, tid)
	if err != nil || len(ps) != 1 || ps[0].PublishedVersion == nil {
		t.Fatalf("pages: %+v %v", ps, err)
	}
	m, err := eng.Pages.RenderPublished(ctx, tid, ps[0].ID, pages.Call{CustomerNumber: engine.DemoCaller, CallerNum: engine.DemoCaller}, pages.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.State != pages.StateOK || len(m.Objects) != 1 {
		t.Fatalf("render: state %s, %d objects", m.State, len(m.Objects))
	}
	values := map[string]pages.FieldModel{}
	for _, f := range m.Objects[0].Fields {
		values[f.Label] = f
	}
	if values["开户日期"].Phone {
		t.Error("the opening date gets a dial button")
	}
	if values["姓名"].Value != "张伟" || !strings.HasSuffix(values["手机号"].Value, "*8000") || !values["客户等级"].Highlight {
		t.Fatalf("demo caller's pop: %+v", values)
	}
}
