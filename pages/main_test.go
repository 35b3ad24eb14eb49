package pages_test

import (
	"context"
	"crypto/rand"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/apperrtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

var ctx = context.Background()

var seq atomic.Int64

func uniq(p string) string { return p + strconv.FormatInt(seq.Add(1), 10) }

// env is the services the way engine.New wires them, on the package
// database.
type env struct {
	db       *bun.DB
	tables   *tables.Service
	pages    *pages.Service
	limits   pages.FixedLimits
	external pages.ExternalSource
}

// defaultLimits are the defaults of the system parameters.
var defaultLimits = pages.FixedLimits{Pages: 5, Objects: 5}

// setLimits rebuilds the pages service with limits; what it stored stays
// (it is in the database, and the service caches nothing).
func (e *env) setLimits(l pages.FixedLimits) {
	e.limits = l
	e.pages = pages.NewService(e.db, e.tables, e.limits, e.external)
}

// setExternal rebuilds the pages service over the external source x.
func (e *env) setExternal(x pages.ExternalSource) {
	e.external = x
	e.pages = pages.NewService(e.db, e.tables, e.limits, e.external)
}

// grants is an ExternalSource without a connector that grants the
// interface id to tenant alone.
type grants struct {
	pages.NoExternal
	tenant, id int64
}

func (g grants) Granted(_ context.Context, tenantID, id int64) bool {
	return tenantID == g.tenant && id == g.id
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, testkit.DB(t), nil)
}

// newEnvOn builds the services on db; key nil means a fresh random master key.
func newEnvOn(t testing.TB, db *bun.DB, key []byte) *env {
	t.Helper()
	if key == nil {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	keys, err := tables.NewKeyring(db, key)
	if err != nil {
		t.Fatal(err)
	}
	ts := tables.NewService(db, keys, tables.FixedLimits{Tables: 5})
	e := &env{db: db, tables: ts, limits: defaultLimits, external: pages.NoExternal{}}
	e.setLimits(defaultLimits)
	return e
}

func (e *env) tenant(t testing.TB) int64 {
	t.Helper()
	tn, err := accounts.New(e.db).CreateTenant(ctx, accounts.NewTenant{Slug: uniq("t"), Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// user creates an admin of the tenant and returns its id.
func (e *env) user(t testing.TB, tenantID int64, display string) int64 {
	t.Helper()
	acc := accounts.New(e.db)
	acc.BcryptCost = 4
	u, err := acc.CreateUser(ctx, accounts.NewUser{TenantID: &tenantID, Username: uniq("admin"), DisplayName: display,
		Role: accounts.RoleAdmin, Password: "long-enough"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// table creates a table with fields, published unless draft.
func (e *env) table(t testing.TB, tenantID int64, draft bool, fields ...tables.FieldInput) *tables.Table {
	t.Helper()
	tb, err := e.tables.CreateTable(ctx, tenantID, tables.TableInput{Name: uniq("表")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if _, err := e.tables.AddField(ctx, tenantID, tb.ID, f); err != nil {
			t.Fatalf("add field %q: %v", f.Name, err)
		}
	}
	if !draft {
		if _, err := e.tables.Publish(ctx, tenantID, tb.ID); err != nil {
			t.Fatal(err)
		}
	}
	tb, err = e.tables.GetTable(ctx, tenantID, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func (e *env) record(t testing.TB, tenantID, tableID int64, in map[string]string) {
	t.Helper()
	if _, err := e.tables.CreateRecord(ctx, tenantID, tableID, in); err != nil {
		t.Fatalf("record %v: %v", in, err)
	}
}

// customerFields: an encrypted phone index masked to its last four, an
// encrypted name masked to its first four, a level dictionary, points, a
// note and a plain (unmasked) second phone.
func customerFields() []tables.FieldInput {
	return []tables.FieldInput{
		{Name: "手机", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
		{Name: "姓名", Encrypted: true, Type: tables.TypeString, Masked: true, MaskStyle: tables.MaskFirstFour},
		{Name: "等级", Type: tables.TypeDict, Mandatory: true, DictItems: []tables.DictItem{{Key: "1", Value: "VIP"}, {Key: "2", Value: "普通"}}},
		{Name: "积分", Type: tables.TypeNumber},
		{Name: "备注", Type: tables.TypeString},
		{Name: "座机", Type: tables.TypeString},
	}
}

// page creates a page with def as its draft and returns it.
func (e *env) page(t testing.TB, tenantID int64, def pages.Definition) *pages.Page {
	t.Helper()
	p, err := e.pages.CreatePage(ctx, tenantID, uniq("页面"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err = e.pages.SaveDraft(ctx, tenantID, p.ID, def, p.DraftRevision); err != nil {
		t.Fatalf("save draft: %v", err)
	}
	return p
}

// published creates a page with def and publishes it.
func (e *env) published(t testing.TB, tenantID int64, def pages.Definition) *pages.Page {
	t.Helper()
	p := e.page(t, tenantID, def)
	if _, err := e.pages.Publish(ctx, tenantID, p.ID, nil, ""); err != nil {
		t.Fatalf("publish: %v", err)
	}
	return p
}

// fields lists a table's fields by name as object fields.
func fields(tb *tables.Table, names ...string) []pages.ObjectField {
	out := make([]pages.ObjectField, 0, len(names))
	for _, n := range names {
		f := tb.FieldByName(n)
		if f == nil {
			panic("no field " + n)
		}
		out = append(out, pages.ObjectField{FieldID: f.ID})
	}
	return out
}

// def is an internal block page of 2 columns with objects.
func def(objects ...pages.Object) pages.Definition {
	return pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceInternal, Objects: objects}
}

// Assertions on domain errors, shared with the other packages' tests.
var (
	message     = apperrtest.Message
	wantField   = apperrtest.WantField
	wantMessage = apperrtest.WantMessage
)
