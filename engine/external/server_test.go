package external_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/audit"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
)

// servedPage is a tenant with a customer table, one record and a published
// page of two objects over it: one looked up by the customer number, one
// by the called number (which the queryCustomer call never carries).
type servedPage struct {
	tenant int64
	page   *pages.Page
}

func newServedPage(t *testing.T, eng *engine.Engine) servedPage {
	t.Helper()
	tn := tenant(t, eng)
	tb := table(t, eng, tn,
		tables.FieldInput{Name: "手机", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
		tables.FieldInput{Name: "姓名", Encrypted: true, Type: tables.TypeString, Length: 32, Mandatory: true, Masked: true, MaskStyle: tables.MaskFirstFour},
		tables.FieldInput{Name: "付费方式", Type: tables.TypeDict, Mandatory: true, DictItems: []tables.DictItem{{Key: "1", Value: "预付费"}, {Key: "2", Value: "后付费"}}},
		tables.FieldInput{Name: "积分", Type: tables.TypeNumber, Length: 10},
		tables.FieldInput{Name: "卡号", Type: tables.TypeNumber, Length: 19, Masked: true, MaskStyle: tables.MaskLastFour},
		tables.FieldInput{Name: "生日", Type: tables.TypeDate},
		tables.FieldInput{Name: "备注", Type: tables.TypeString},
	)
	if _, err := eng.Tables.CreateRecord(ctx, tn, tb.ID, map[string]string{
		"手机": "15200001028", "姓名": "zengxiangyu01", "付费方式": "后付费", "积分": "1200", "卡号": "6222021234567890123", "生日": "1990-01-02",
	}); err != nil {
		t.Fatal(err)
	}
	f := func(name string) int64 { return tb.FieldByName(name).ID }
	p, err := eng.Pages.CreatePage(ctx, tn, uniq("客户页"))
	if err != nil {
		t.Fatal(err)
	}
	def := pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceInternal, Objects: []pages.Object{
		{Name: "客户信息", TableID: tb.ID, Fields: []pages.ObjectField{
			{FieldID: f("姓名")}, {FieldID: f("手机"), Label: "电话"}, {FieldID: f("付费方式")}, {FieldID: f("积分")},
			{FieldID: f("卡号")}, {FieldID: f("生日")}, {FieldID: f("备注")},
			{Label: "等级", Computed: `record.积分 > 1000 ? "金卡" : "普通"`},
			{Label: "隐藏", Computed: `"x"`, Visible: "false"},
		}},
		{Name: "被叫", TableID: tb.ID, LookupKey: pages.KeyCalled, Fields: []pages.ObjectField{{FieldID: f("姓名")}}},
	}}
	if _, err := eng.Pages.SaveDraft(ctx, tn, p.ID, def, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Pages.Publish(ctx, tn, p.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	return servedPage{tenant: tn, page: p}
}

func TestAnswer(t *testing.T) {
	eng := newEngine(t)
	sp := newServedPage(t, eng)
	key := func(scopes ...string) *accounts.APIKey {
		_, k, err := eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: sp.tenant, Name: uniq("qc"), Scopes: scopes, PageID: &sp.page.ID})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	masked, revealing := key(), key(string(accounts.PermReveal))
	dict := []querycustomer.DictItem{{Key: "1", Value: "预付费"}, {Key: "2", Value: "后付费"}}
	want := func(name, phone, card string) []querycustomer.Object {
		return []querycustomer.Object{{ObjectName: "客户信息", Values: []querycustomer.Value{
			{ValueNo: "1", Name: "姓名", Value: name, Type: "1", Length: "32", IsMandatory: true, MaskStyle: "2"},
			{ValueNo: "2", Name: "电话", Value: phone, Type: "1", Length: "20", IsMandatory: true, MaskStyle: "1"},
			{ValueNo: "3", Name: "付费方式", Value: "2", Type: "5", IsMandatory: true, DictItems: dict},
			{ValueNo: "4", Name: "积分", Value: "1200", Type: "2", Length: "10"},
			{ValueNo: "5", Name: "卡号", Value: card, Type: "2", Length: "19", MaskStyle: "1"},
			{ValueNo: "6", Name: "生日", Value: "1990-01-02", Type: "3"},
			{ValueNo: "7", Name: "备注", Value: "", Type: "1", Length: "256"},
			{ValueNo: "8", Name: "等级", Value: "金卡", Type: "1"},
		}}}
	}

	got, err := eng.QueryCustomer.Answer(ctx, masked, "152-0000-1028")
	if err != nil {
		t.Fatal(err)
	}
	if w := want("zeng*********", "*******1028", "***************0123"); !reflect.DeepEqual(got, w) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("masked:\n%s", g)
	}
	// What we serve, our own checker finds conforming.
	body, _ := json.Marshal(got)
	if rep, err := querycustomer.Parse(body); err != nil || !rep.Conforms() || rep.ValueCount() != 8 {
		t.Fatalf("conformance of our own reply: %v %v", rep.Violations, err)
	}

	got, err = eng.QueryCustomer.Answer(ctx, revealing, "15200001028")
	if err != nil {
		t.Fatal(err)
	}
	if w := want("zengxiangyu01", "15200001028", "6222021234567890123"); !reflect.DeepEqual(got, w) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("revealed:\n%s", g)
	}
	es, _ := audit.List(ctx, eng.DB, sp.tenant, "querycustomer.reveal", 10)
	if len(es) != 1 || es[0].Detail["values"] != float64(3) || es[0].Detail["param"] != "152****1028" {
		t.Errorf("reveal audit %+v", es)
	}

	for _, param := range []string{"13900000000", ""} {
		got, err = eng.QueryCustomer.Answer(ctx, masked, param)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("unknown customer %q: %v %v, want []", param, got, err)
		}
	}

	_, unbound, _ := eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: sp.tenant, Name: uniq("rest")})
	if _, err := eng.QueryCustomer.Answer(ctx, unbound, "15200001028"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("unbound key: %v", err)
	}
}

func TestPageBoundKeys(t *testing.T) {
	eng := newEngine(t)
	sp := newServedPage(t, eng)
	other := tenant(t, eng)
	draft, _ := eng.Pages.CreatePage(ctx, sp.tenant, uniq("草稿"))
	for name, tt := range map[string]struct {
		tenant int64
		page   int64
		want   string
	}{
		"another tenant's page": {other, sp.page.ID, "Choose one of your pages."},
		"no such page":          {sp.tenant, 999999999, "Choose one of your pages."},
		"unpublished page":      {sp.tenant, draft.ID, "Publish this page first"},
	} {
		_, _, err := eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: tt.tenant, Name: "k", PageID: &tt.page})
		if msg := fieldMessage(err, "pageId"); len(msg) < len(tt.want) || msg[:len(tt.want)] != tt.want {
			t.Errorf("%s: %v", name, err)
		}
	}
	secret, k, err := eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: sp.tenant, Name: "qc", PageID: &sp.page.ID})
	if err != nil {
		t.Fatal(err)
	}
	// A bound key has no role: it can do nothing but queryCustomer.
	if r := (&accounts.Principal{APIKey: k}).Role(); r != "" {
		t.Errorf("bound key role %q", r)
	}
	if got, err := eng.Accounts.AuthenticateAPIKey(ctx, secret); err != nil || got.PageID == nil || *got.PageID != sp.page.ID {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	// Deleting the page deletes the key: it never becomes an unbound one.
	if err := eng.Pages.DeletePage(ctx, sp.tenant, sp.page.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Accounts.AuthenticateAPIKey(ctx, secret); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("key of a deleted page: %v", err)
	}
}
