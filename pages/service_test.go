package pages_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
)

func TestCreatePageName(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	e.setLimits(pages.FixedLimits{Pages: 100, Objects: 5})
	if _, err := e.pages.CreatePage(ctx, tenant, "来电客户"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		in       string
		wantCode apperr.Code // "" means created
		wantMsg  string
	}{
		{"empty", "   ", apperr.Invalid, "This field is required."},
		{"257 characters", strings.Repeat("页", 257), apperr.Invalid, "At most 256 characters."},
		{"256 characters", strings.Repeat("页", 256), "", ""},
		{"duplicate", "来电客户", apperr.Conflict, "A page with this name already exists."},
		{"duplicate after trimming", "  来电客户 ", apperr.Conflict, "A page with this name already exists."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.pages.CreatePage(ctx, tenant, tt.in)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p.Name != strings.TrimSpace(tt.in) || p.DraftRevision != 1 || p.PublishedVersion != nil {
					t.Fatalf("page %+v", p)
				}
				if d := p.Draft; d.Layout != pages.LayoutBlock || d.Columns != 2 || d.Source != pages.SourceInternal || len(d.Objects) != 0 {
					t.Fatalf("default draft %+v", d)
				}
				return
			}
			wantField(t, err, tt.wantCode, "name", tt.wantMsg)
		})
	}

	// The same name in another tenant is fine; renaming onto a taken name is not.
	if _, err := e.pages.CreatePage(ctx, e.tenant(t), "来电客户"); err != nil {
		t.Fatalf("same name in another tenant: %v", err)
	}
	p, err := e.pages.CreatePage(ctx, tenant, "另一个")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.pages.RenamePage(ctx, tenant, p.ID, "来电客户")
	wantField(t, err, apperr.Conflict, "name", "A page with this name already exists.")
	_, err = e.pages.RenamePage(ctx, tenant, p.ID, strings.Repeat("x", 257))
	wantField(t, err, apperr.Invalid, "name", "At most 256 characters.")
	if p, err = e.pages.RenamePage(ctx, tenant, p.ID, " 改名 "); err != nil || p.Name != "改名" {
		t.Fatalf("rename: %+v %v", p, err)
	}
}

func TestPagesPerTenant(t *testing.T) {
	e := newEnv(t)
	e.setLimits(pages.FixedLimits{Pages: 2, Objects: 5})
	tenant := e.tenant(t)

	// Concurrent creators cannot both pass the limit.
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { _, errs[i] = e.pages.CreatePage(ctx, tenant, uniq("p")) })
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		default:
			wantMessage(t, err, apperr.Invalid, "This tenant already has 2 custom pages, the most allowed.")
		}
	}
	if created != 2 {
		t.Fatalf("%d pages created, want 2", created)
	}
	list, err := e.pages.ListPages(ctx, tenant)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	// Another tenant has its own count; deleting one makes room.
	if _, err := e.pages.CreatePage(ctx, e.tenant(t), "p"); err != nil {
		t.Fatal(err)
	}
	if err := e.pages.DeletePage(ctx, tenant, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pages.CreatePage(ctx, tenant, uniq("p")); err != nil {
		t.Fatalf("after a delete: %v", err)
	}
	// The default is 5.
	e.setLimits(defaultLimits)
	tenant = e.tenant(t)
	for i := range 6 {
		_, err := e.pages.CreatePage(ctx, tenant, uniq("p"))
		if i < 5 && err != nil {
			t.Fatal(err)
		}
		if i == 5 {
			wantMessage(t, err, apperr.Invalid, "This tenant already has 5 custom pages, the most allowed.")
		}
	}
}

func TestObjectsPerPage(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	tb := e.table(t, tenant, false, customerFields()...)
	objects := func(n int) pages.Definition {
		d := def()
		for i := range n {
			d.Objects = append(d.Objects, pages.Object{Name: uniq("对象"), TableID: tb.ID, Fields: fields(tb, "手机")})
			_ = i
		}
		return d
	}
	p := e.page(t, tenant, def())
	tests := []struct {
		name    string
		param   int
		objects int
		wantMsg string // "" means saved
	}{
		{"3 of 3", 3, 3, ""},
		{"4 of 3", 3, 4, "At most 3 objects per page."},
		{"5 of a parameter of 9", 9, 5, ""},
		{"6 of a parameter of 9: capped at 5", 9, 6, "At most 5 objects per page."},
		{"1 of 1", 1, 1, ""},
		{"2 of 1", 1, 2, "At most 1 objects per page."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.setLimits(pages.FixedLimits{Pages: 5, Objects: tt.param})
			_, err := e.pages.SaveDraft(ctx, tenant, p.ID, objects(tt.objects), 0)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantField(t, err, apperr.Invalid, "objects", tt.wantMsg)
		})
	}
	// Publish checks the limit again: the parameter may have gone down.
	e.setLimits(pages.FixedLimits{Pages: 5, Objects: 5})
	if _, err := e.pages.SaveDraft(ctx, tenant, p.ID, objects(4), 0); err != nil {
		t.Fatal(err)
	}
	e.setLimits(pages.FixedLimits{Pages: 5, Objects: 3})
	_, err := e.pages.Publish(ctx, tenant, p.ID, nil, "")
	wantField(t, err, apperr.Invalid, "objects", "At most 3 objects per page.")
}

func TestDefinitionValidation(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	tb := e.table(t, tenant, false, customerFields()...)
	other := e.table(t, tenant, false, tables.FieldInput{Name: "号码", IsIndex: true, Type: tables.TypeString})
	draftTable := e.table(t, tenant, true, tables.FieldInput{Name: "号码", IsIndex: true, Type: tables.TypeString})
	foreign := e.table(t, e.tenant(t), false, customerFields()...)
	e.setExternal(grants{tenant: tenant, id: 7})
	p := e.page(t, tenant, def())

	obj := func(mod func(o *pages.Object)) pages.Definition {
		o := pages.Object{Name: "客户", TableID: tb.ID, Fields: fields(tb, "手机", "等级")}
		mod(&o)
		return def(o)
	}
	with := func(mod func(d *pages.Definition)) pages.Definition {
		d := obj(func(*pages.Object) {})
		mod(&d)
		return d
	}
	computed := func(f pages.ObjectField) pages.Definition {
		return obj(func(o *pages.Object) { o.Fields = append(o.Fields, f) })
	}
	tests := []struct {
		name    string
		def     pages.Definition
		field   string
		wantMsg string // "" means valid
	}{
		{"valid", obj(func(*pages.Object) {}), "", ""},
		{"tile, 4 columns", with(func(d *pages.Definition) { d.Layout, d.Columns = pages.LayoutTile, 4 }), "", ""},
		{"unknown layout", with(func(d *pages.Definition) { d.Layout = "grid" }), "layout", "Choose block or tile layout."},
		{"1 column", with(func(d *pages.Definition) { d.Columns = 1 }), "columns", "Choose 2, 3 or 4 columns."},
		{"5 columns", with(func(d *pages.Definition) { d.Columns = 5 }), "columns", "Choose 2, 3 or 4 columns."},
		{"unknown source", with(func(d *pages.Definition) { d.Source = "database" }), "source", "Choose internal (base tables) or external (an interface)."},
		{"external, granted", pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal, ExternalInterfaceID: 7}, "", ""},
		{"external, not granted", pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal, ExternalInterfaceID: 8},
			"externalInterfaceId", "Choose an external interface granted to this tenant."},
		{"external, no interface", pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal},
			"externalInterfaceId", "Choose an external interface granted to this tenant."},
		{"external with objects", with(func(d *pages.Definition) { d.Source, d.ExternalInterfaceID = pages.SourceExternal, 7 }),
			"objects", "External pages take their objects from the interface."},
		{"object without a name", obj(func(o *pages.Object) { o.Name = " " }), "objects[0].name", "This field is required."},
		{"object name of 65", obj(func(o *pages.Object) { o.Name = strings.Repeat("名", 65) }), "objects[0].name", "At most 64 characters."},
		{"two objects of one name", with(func(d *pages.Definition) { d.Objects = append(d.Objects, d.Objects[0]) }),
			"objects[1].name", "Two objects have this name."},
		{"object with no fields", obj(func(o *pages.Object) { o.Fields = nil }), "objects[0].fields", "Drag at least one field into this object."},
		{"field of another table", obj(func(o *pages.Object) { o.Fields = append(o.Fields, fields(other, "号码")...) }),
			"objects[0].fields[2].fieldId", "This field is not in the object's table."},
		{"field twice", obj(func(o *pages.Object) { o.Fields = append(o.Fields, fields(tb, "等级")...) }),
			"objects[0].fields[2].fieldId", "This field is already in the object."},
		{"draft table", obj(func(o *pages.Object) { o.TableID, o.Fields = draftTable.ID, fields(draftTable, "号码") }),
			"objects[0].tableId", "Choose a published base table."},
		{"another tenant's table", obj(func(o *pages.Object) { o.TableID, o.Fields = foreign.ID, fields(foreign, "手机") }),
			"objects[0].tableId", "Choose a published base table."},
		{"no such table", obj(func(o *pages.Object) { o.TableID = 1 << 40 }), "objects[0].tableId", "Choose a published base table."},
		{"lookup by callerNum", obj(func(o *pages.Object) { o.LookupKey = "callerNum" }), "", ""},
		{"lookup by calldata", obj(func(o *pages.Object) { o.LookupKey = "calldata:vip_no" }), "", ""},
		{"lookup by calldata without a key", obj(func(o *pages.Object) { o.LookupKey = "calldata:" }),
			"objects[0].lookupKey", "Look up by customer, callerNum, calledNum or calldata:<key>."},
		{"lookup by agent", obj(func(o *pages.Object) { o.LookupKey = "workNo" }),
			"objects[0].lookupKey", "Look up by customer, callerNum, calledNum or calldata:<key>."},
		{"neither field nor expression", computed(pages.ObjectField{Label: "空"}),
			"objects[0].fields[2].fieldId", "Choose a field or write a computed expression."},
		{"computed without label", computed(pages.ObjectField{Computed: `"x"`}),
			"objects[0].fields[2].label", "A computed field needs a label."},
		{"computed", computed(pages.ObjectField{Label: "会员", Computed: `has(record.积分) && record.积分 > 1000 ? "Gold" : "Standard"`}), "", ""},
		{"label of 65", computed(pages.ObjectField{Label: strings.Repeat("名", 65), Computed: `"x"`}),
			"objects[0].fields[2].label", "At most 64 characters."},
		{"badge of 65", obj(func(o *pages.Object) { o.Fields[0].Badge = strings.Repeat("名", 65) }),
			"objects[0].fields[0].badge", "At most 64 characters."},
		{"computed syntax error", computed(pages.ObjectField{Label: "会员", Computed: `record.积分 +`}),
			"objects[0].fields[2].computed", "Line 1, column 12: Syntax error"},
		{"computed syntax error after a Chinese name", computed(pages.ObjectField{Label: "会员", Computed: `record.积分 > 1000 ? "金卡" :`}),
			"objects[0].fields[2].computed", "Line 1, column 26: Syntax error"},
		{"second line", computed(pages.ObjectField{Label: "会员", Computed: "has(record.积分) &&\n  record.积分 >"}),
			"objects[0].fields[2].computed", "Line 2, column 14: Syntax error"},
		{"unknown variable", computed(pages.ObjectField{Label: "会员", Computed: `customer.level`}),
			"objects[0].fields[2].computed", "Line 1, column 1: undeclared reference to 'customer'"},
		{"field visibility: = for ==", obj(func(o *pages.Object) { o.Fields[0].Visible = `record.等级 = "VIP"` }),
			"objects[0].fields[0].visible", "Line 1, column 11: Syntax error"},
		{"object visibility syntax", obj(func(o *pages.Object) { o.Visible = `record.等级 == "VIP" &&` }),
			"objects[0].visible", "Line 1, column 22: Syntax error"},
		{"object visibility not bool", obj(func(o *pages.Object) { o.Visible = `"yes"` }),
			"objects[0].visible", "The rule must give true or false, not string."},
		{"field visibility not bool", obj(func(o *pages.Object) { o.Fields[1].Visible = `1 + 2` }),
			"objects[0].fields[1].visible", "The rule must give true or false, not int."},
		{"highlight not bool", obj(func(o *pages.Object) { o.Fields[1].Highlight = `record.等级 + "!"` }),
			"objects[0].fields[1].highlight", "The rule must give true or false, not string."},
		{"visibility over a field and the call", obj(func(o *pages.Object) {
			o.Visible = `record.等级 == "VIP" || call.direction == "out"`
			o.Fields[0].Highlight = `record["等级"] == "VIP"`
		}), "", ""},
		{"rule too long", obj(func(o *pages.Object) { o.Visible = "true" + strings.Repeat(" && true", 125) }),
			"objects[0].visible", "At most 1,000 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.pages.SaveDraft(ctx, tenant, p.ID, tt.def, 0)
			if err == nil && len(got.DraftProblems) > 0 {
				// Rules that do not compile are saved and reported, not
				// refused (issue 14); the messages are the same.
				err = &apperr.Error{Code: apperr.Invalid, Message: apperr.Message{Key: "error.invalid"}, Fields: got.DraftProblems}
			}
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.Draft.Source == pages.SourceInternal && got.Draft.Objects[0].LookupKey == "" {
					t.Fatalf("lookup key not defaulted: %+v", got.Draft.Objects[0])
				}
				return
			}
			wantField(t, err, apperr.Invalid, tt.field, tt.wantMsg)
		})
	}
}

// A table unpublished cannot be; a table deleted after a draft was saved
// makes Publish refuse the draft, while the published version keeps
// rendering (render_test covers that side).
func TestPublishChecksTablesAgain(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	tb := e.table(t, tenant, false, customerFields()...)
	p := e.page(t, tenant, def(pages.Object{Name: "客户", TableID: tb.ID, Fields: fields(tb, "手机")}))
	if err := e.tables.DeleteTable(ctx, tenant, tb.ID); err != nil {
		t.Fatal(err)
	}
	_, err := e.pages.Publish(ctx, tenant, p.ID, nil, "")
	wantField(t, err, apperr.Invalid, "objects[0].tableId", "Choose a published base table.")
}

func labels(m *pages.Model) []string {
	var out []string
	for _, o := range m.Objects {
		for _, f := range o.Fields {
			out = append(out, o.Name+"."+f.Label+"="+f.Value)
		}
	}
	return out
}

func TestDraftPublishRollback(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	manager := e.user(t, tenant, "王经理")
	noDisplayName := e.user(t, tenant, "")
	tb := e.table(t, tenant, false, customerFields()...)
	e.record(t, tenant, tb.ID, map[string]string{"手机": "13800138000", "姓名": "张三丰先生", "等级": "1", "积分": "1500"})
	call := pages.Call{CustomerNumber: "13800138000"}

	v1 := def(pages.Object{Name: "客户", TableID: tb.ID, Fields: []pages.ObjectField{
		{FieldID: tb.FieldByName("姓名").ID, Label: "客户姓名"},
		{FieldID: tb.FieldByName("等级").ID},
	}})
	p := e.page(t, tenant, v1)
	if _, err := e.pages.RenderPublished(ctx, tenant, p.ID, call, pages.RenderOptions{}); !apperr.Is(err, apperr.NotFound) ||
		message(err) != "This page has not been published yet." {
		t.Fatalf("render before publishing: %v", err)
	}
	if vs, err := e.pages.Versions(ctx, tenant, p.ID); err != nil || len(vs) != 0 {
		t.Fatalf("versions before publishing: %v %v", vs, err)
	}
	ver, err := e.pages.Publish(ctx, tenant, p.ID, &manager, "  first  ")
	if err != nil {
		t.Fatal(err)
	}
	if ver.Version != 1 || ver.Note != "first" || ver.PageID != p.ID {
		t.Fatalf("v1 %+v", ver)
	}
	wantV1 := []string{"客户.客户姓名=张三丰先*", "客户.等级=VIP"}
	render := func(want []string, wantVersion int) {
		t.Helper()
		m, err := e.pages.RenderPublished(ctx, tenant, p.ID, call, pages.RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := labels(m); strings.Join(got, "|") != strings.Join(want, "|") || m.Version != wantVersion || m.PageID != p.ID || m.PageName != p.Name {
			t.Fatalf("rendered v%d %q, want v%d %q", m.Version, got, wantVersion, want)
		}
	}
	render(wantV1, 1)

	// Saving a changed draft changes nothing agents see.
	v2 := def(pages.Object{Name: "会员", TableID: tb.ID, Fields: []pages.ObjectField{
		{FieldID: tb.FieldByName("等级").ID, Label: "会员等级"},
		{FieldID: tb.FieldByName("积分").ID},
	}})
	v2.Columns = 3
	saved, err := e.pages.SaveDraft(ctx, tenant, p.ID, v2, p.DraftRevision)
	if err != nil {
		t.Fatal(err)
	}
	if saved.DraftRevision != p.DraftRevision+1 || *saved.PublishedVersion != 1 {
		t.Fatalf("after save: revision %d, published %v", saved.DraftRevision, saved.PublishedVersion)
	}
	render(wantV1, 1)

	// Someone who started from the old revision is told.
	_, err = e.pages.SaveDraft(ctx, tenant, p.ID, v1, p.DraftRevision)
	wantMessage(t, err, apperr.Conflict, "Someone else saved this page meanwhile.")
	if got, _ := e.pages.GetPage(ctx, tenant, p.ID); got.Draft.Columns != 3 {
		t.Fatalf("stale save overwrote the draft: %+v", got.Draft)
	}

	if _, err := e.pages.Publish(ctx, tenant, p.ID, &noDisplayName, ""); err != nil {
		t.Fatal(err)
	}
	wantV2 := []string{"会员.会员等级=VIP", "会员.积分=1500"}
	render(wantV2, 2)

	vs, err := e.pages.Versions(ctx, tenant, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 {
		t.Fatalf("versions %+v", vs)
	}
	if vs[1].PublisherName != "王经理" || vs[1].Note != "first" || vs[1].PublishedBy == nil || *vs[1].PublishedBy != manager {
		t.Fatalf("v1 publisher %q note %q", vs[1].PublisherName, vs[1].Note)
	}
	// Without a display name, the user name.
	if !strings.HasPrefix(vs[0].PublisherName, "admin") {
		t.Fatalf("v2 publisher %q, want the user name", vs[0].PublisherName)
	}

	// Rollback publishes v1's definition as v3 and resets the draft to it.
	before, _ := e.pages.GetPage(ctx, tenant, p.ID)
	v3, err := e.pages.Rollback(ctx, tenant, p.ID, 1, &manager)
	if err != nil {
		t.Fatal(err)
	}
	if v3.Version != 3 || v3.Note != "rollback to v1" {
		t.Fatalf("rollback %+v", v3)
	}
	render(wantV1, 3)
	after, err := e.pages.GetPage(ctx, tenant, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if js(after.Draft) != js(vs[1].Definition) || js(v3.Definition) != js(vs[1].Definition) {
		t.Fatalf("after rollback the draft is %s, v3 %s; want v1's %s", js(after.Draft), js(v3.Definition), js(vs[1].Definition))
	}
	if *after.PublishedVersion != 3 || after.DraftRevision <= before.DraftRevision {
		t.Fatalf("after rollback: published %v, revision %d (was %d)", *after.PublishedVersion, after.DraftRevision, before.DraftRevision)
	}
	// An editor still on the pre-rollback draft is told rather than
	// overwriting the rolled-back draft.
	_, err = e.pages.SaveDraft(ctx, tenant, p.ID, v2, before.DraftRevision)
	wantMessage(t, err, apperr.Conflict, "Someone else saved this page meanwhile.")

	vs, _ = e.pages.Versions(ctx, tenant, p.ID)
	if len(vs) != 3 || vs[0].Version != 3 || vs[0].PublisherName != "王经理" {
		t.Fatalf("versions after rollback %+v", vs)
	}

	_, err = e.pages.Rollback(ctx, tenant, p.ID, 9, nil)
	wantMessage(t, err, apperr.NotFound, "Version not found.")

	// Deleting the page deletes its versions.
	if err := e.pages.DeletePage(ctx, tenant, p.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := e.db.NewSelect().Table("page_versions").ColumnExpr("count(*)").Where("page_id = ?", p.ID).Scan(ctx, &n); err != nil || n != 0 {
		t.Fatalf("%d versions left (%v)", n, err)
	}
	_, err = e.pages.GetPage(ctx, tenant, p.ID)
	wantMessage(t, err, apperr.NotFound, "Page not found.")
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Publishers racing get consecutive version numbers.
func TestConcurrentPublish(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	tb := e.table(t, tenant, false, customerFields()...)
	p := e.page(t, tenant, def(pages.Object{Name: "客户", TableID: tb.ID, Fields: fields(tb, "手机")}))
	const n = 6
	var wg sync.WaitGroup
	got := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			v, err := e.pages.Publish(ctx, tenant, p.ID, nil, "")
			if err == nil {
				got[i] = v.Version
			}
			errs[i] = err
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, v := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		seen[v] = true
	}
	for v := 1; v <= n; v++ {
		if !seen[v] {
			t.Fatalf("versions %v, want 1..%d", got, n)
		}
	}
	if pg, _ := e.pages.GetPage(ctx, tenant, p.ID); *pg.PublishedVersion != n {
		t.Fatalf("published version %d, want %d", *pg.PublishedVersion, n)
	}
}

// Another tenant's page id answers "not found" everywhere, and the page is
// left as it was.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	owner, intruder := e.tenant(t), e.tenant(t)
	tb := e.table(t, owner, false, customerFields()...)
	e.record(t, owner, tb.ID, map[string]string{"手机": "13800138000", "姓名": "张三", "等级": "1"})
	p := e.published(t, owner, def(pages.Object{Name: "客户", TableID: tb.ID, Fields: fields(tb, "姓名")}))
	// The intruder has a page and a table of its own, so a valid definition
	// and version 1 exist on its side too.
	itb := e.table(t, intruder, false, customerFields()...)
	e.published(t, intruder, def(pages.Object{Name: "客户", TableID: itb.ID, Fields: fields(itb, "姓名")}))
	valid := def(pages.Object{Name: "客户", TableID: itb.ID, Fields: fields(itb, "姓名")})

	tests := []struct {
		name string
		call func() error
	}{
		{"GetPage", func() error { _, err := e.pages.GetPage(ctx, intruder, p.ID); return err }},
		{"RenamePage", func() error { _, err := e.pages.RenamePage(ctx, intruder, p.ID, "x"); return err }},
		{"SaveDraft", func() error { _, err := e.pages.SaveDraft(ctx, intruder, p.ID, valid, 0); return err }},
		{"SaveDraft with revision", func() error { _, err := e.pages.SaveDraft(ctx, intruder, p.ID, valid, 2); return err }},
		{"Publish", func() error { _, err := e.pages.Publish(ctx, intruder, p.ID, nil, ""); return err }},
		{"Versions", func() error { _, err := e.pages.Versions(ctx, intruder, p.ID); return err }},
		{"Rollback", func() error { _, err := e.pages.Rollback(ctx, intruder, p.ID, 1, nil); return err }},
		{"PublishedVersion", func() error { _, _, err := e.pages.PublishedVersion(ctx, intruder, p.ID); return err }},
		{"RenderPublished", func() error {
			_, err := e.pages.RenderPublished(ctx, intruder, p.ID, pages.Call{CustomerNumber: "13800138000"}, pages.RenderOptions{})
			return err
		}},
		{"DeletePage", func() error { return e.pages.DeletePage(ctx, intruder, p.ID) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantMessage(t, tt.call(), apperr.NotFound, "Page not found.")
		})
	}
	got, err := e.pages.GetPage(ctx, owner, p.ID)
	if err != nil || got.Name != p.Name || *got.PublishedVersion != 1 || got.DraftRevision != p.DraftRevision {
		t.Fatalf("the owner's page changed: %+v %v", got, err)
	}
	if list, _ := e.pages.ListPages(ctx, intruder); len(list) != 1 || list[0].ID == p.ID {
		t.Fatalf("intruder lists %+v", list)
	}
	// Rendering the owner's table through a definition on the intruder's
	// side finds nothing either: the object is left out.
	m, err := e.pages.Render(ctx, intruder, &pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceInternal,
		Objects: []pages.Object{{Name: "偷看", TableID: tb.ID, Fields: fields(tb, "姓名")}}}, pages.Call{CustomerNumber: "13800138000"}, pages.RenderOptions{Reveal: true})
	if err != nil || len(m.Objects) != 0 {
		t.Fatalf("cross-tenant render: %+v %v", m, err)
	}
}

// The catalog offers published tables only, with their fields.
func TestCatalog(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	pub := e.table(t, tenant, false, customerFields()...)
	e.table(t, tenant, true, tables.FieldInput{Name: "号码", IsIndex: true, Type: tables.TypeString})
	e.table(t, e.tenant(t), false, customerFields()...)
	list, err := e.pages.Catalog(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != pub.ID || len(list[0].Fields) != len(customerFields()) {
		t.Fatalf("catalog %+v", list)
	}
}
