package pages_test

import (
	"strings"
	"testing"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
)

// Action buttons are stored in the page definition and checked when saved:
// the kind, the object they read, each parameter's name (a card's own
// fields, a ticket's custom field ids) and its rule.
func TestActionValidation(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	tb := e.table(t, tenant, false, customerFields()...)
	p := e.page(t, tenant, def())
	with := func(actions ...pages.Action) pages.Definition {
		d := def(pages.Object{Name: "客户", TableID: tb.ID, Fields: fields(tb, "手机", "姓名")})
		d.Actions = actions
		return d
	}
	ticket := pages.Action{Kind: pages.ActionSobotTicket, Params: []pages.ActionParam{{Name: "card_title", Value: "record.姓名"}}}
	product := pages.Action{Kind: pages.ActionSobotProductCard, Params: []pages.ActionParam{{Name: "title", Value: "record.姓名"}, {Name: "url", Value: `"https://shop.example.com/p/1"`}}}
	order := pages.Action{Kind: pages.ActionSobotOrderCard, Object: "客户", Params: []pages.ActionParam{{Name: "orderCode", Value: "record.备注"}, {Name: "cid", Value: "call.cid"}}}
	mod := func(a pages.Action, f func(*pages.Action)) pages.Action {
		a.Params = append([]pages.ActionParam(nil), a.Params...)
		f(&a)
		return a
	}
	tests := []struct {
		name, field, wantMsg string
		def                  pages.Definition
	}{
		{"three buttons", "", "", with(ticket, product, order)},
		{"unknown kind", "actions[0].kind", "Choose what the button sends: a ticket, a product card or an order card.",
			with(mod(ticket, func(a *pages.Action) { a.Kind = "sobot_chat" }))},
		{"no such object", "actions[0].object", "No object of this page has that name.",
			with(mod(ticket, func(a *pages.Action) { a.Object = "订单" }))},
		{"label of 65", "actions[0].label", "At most 64 characters.",
			with(mod(ticket, func(a *pages.Action) { a.Label = strings.Repeat("单", 65) }))},
		{"ticket without params", "actions[0].params", "A ticket needs at least one field (the id of a Sobot custom ticket field).",
			with(mod(ticket, func(a *pages.Action) { a.Params = nil }))},
		{"ticket field id with a space", "actions[0].params[0].name", "A ticket field id is 1-64 letters, digits, _, *, . or -.",
			with(mod(ticket, func(a *pages.Action) { a.Params[0].Name = "card title" }))},
		{"the seed's card*title", "", "", with(mod(ticket, func(a *pages.Action) { a.Params[0].Name = "card*title" }))},
		{"a field the card lacks", "actions[0].params[1].name", "Not a field of this card; the card's fields are: cid, uid, title, url, description, label, thumbnail.",
			with(mod(product, func(a *pages.Action) { a.Params[1].Name = "price" }))},
		{"product card without url", "actions[0].params", "The card needs the field url.",
			with(mod(product, func(a *pages.Action) { a.Params = a.Params[:1] }))},
		{"order card without orderCode", "actions[0].params", "The card needs the field orderCode.",
			with(mod(order, func(a *pages.Action) { a.Params = a.Params[1:] }))},
		{"mapped twice", "actions[0].params[1].name", "This parameter is mapped twice.",
			with(mod(ticket, func(a *pages.Action) { a.Params = append(a.Params, a.Params[0]) }))},
		{"empty value", "actions[0].params[0].value", "This field is required.",
			with(mod(ticket, func(a *pages.Action) { a.Params[0].Value = " " }))},
		{"value rule syntax", "actions[0].params[0].value", "Line 1, column 12: Syntax error",
			with(mod(ticket, func(a *pages.Action) { a.Params[0].Value = "record.姓名 +" }))},
		{"external page", "actions", "Action buttons read base-table records: external pages have none.",
			pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal, ExternalInterfaceID: 7, Actions: []pages.Action{ticket}}},
		{"11 buttons", "actions", "At most 10 action buttons per page.",
			with(ticket, ticket, ticket, ticket, ticket, ticket, ticket, ticket, ticket, ticket, ticket)},
	}
	e.setExternal(grants{tenant: tenant, id: 7})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.pages.SaveDraft(ctx, tenant, p.ID, tt.def, 0)
			if err == nil && len(got.DraftProblems) > 0 {
				err = &apperr.Error{Code: apperr.Invalid, Message: apperr.Message{Key: "error.invalid"}, Fields: got.DraftProblems}
			}
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Draft.Actions) != len(tt.def.Actions) {
					t.Fatalf("actions not stored: %+v", got.Draft.Actions)
				}
				return
			}
			wantField(t, err, apperr.Invalid, tt.field, tt.wantMsg)
		})
	}
}

// A published page's actions are evaluated for the call: parameters in the
// definition's order from the record and the call, Sobot's cid and uid
// from the call when not mapped, masked values masked (a message must not
// be a way around a mask), and no button when the record is missing.
func TestRenderActions(t *testing.T) {
	c := newCustomers(t)
	d := def(pages.Object{Name: "客户", TableID: c.tb.ID, Fields: fields(c.tb, "手机", "姓名")})
	d.Actions = []pages.Action{
		{Kind: pages.ActionSobotTicket, Label: "建单", Params: []pages.ActionParam{{Name: "card_title", Value: "record.姓名"}, {Name: "card_note", Value: `string(record.积分) + "元"`}}},
		{Kind: pages.ActionSobotProductCard, Params: []pages.ActionParam{{Name: "title", Value: "record.座机"}, {Name: "url", Value: `"https://shop.example.com/" + call.customerNumber`}}},
	}
	p := c.published(t, c.tenant, d)
	call := pages.Call{CustomerNumber: phoneA, Params: map[string]string{"cid": "c-9", "uid": "u-7"}}
	m, err := c.pages.RenderPublished(ctx, c.tenant, p.ID, call, pages.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []pages.ActionModel{
		{Kind: pages.ActionSobotTicket, Label: "建单", Params: []pages.ActionValue{{Name: "card_title", Value: "张三丰先*"}, {Name: "card_note", Value: "1500元"}}},
		{Kind: pages.ActionSobotProductCard, Params: []pages.ActionValue{{Name: "title", Value: "010-12345678"},
			{Name: "url", Value: "https://shop.example.com/" + phoneA}, {Name: "cid", Value: "c-9"}, {Name: "uid", Value: "u-7"}}},
	}
	if len(m.Actions) != len(want) {
		t.Fatalf("actions %+v", m.Actions)
	}
	for i := range want {
		if m.Actions[i].Kind != want[i].Kind || m.Actions[i].Label != want[i].Label || len(m.Actions[i].Params) != len(want[i].Params) {
			t.Fatalf("action %d: %+v, want %+v", i, m.Actions[i], want[i])
		}
		for j := range want[i].Params {
			if m.Actions[i].Params[j] != want[i].Params[j] {
				t.Errorf("action %d param %d: %+v, want %+v", i, j, m.Actions[i].Params[j], want[i].Params[j])
			}
		}
	}
	m, err = c.pages.RenderPublished(ctx, c.tenant, p.ID, pages.Call{CustomerNumber: "13900000000"}, pages.RenderOptions{})
	if err != nil || len(m.Actions) != 0 {
		t.Fatalf("actions for nobody: %+v, %v", m.Actions, err)
	}
}
