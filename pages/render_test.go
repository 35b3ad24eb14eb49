package pages_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
)

// customers is a tenant with the customer table and three customers; the
// mandatory 邮箱 field was added after they were stored, so all lack it.
type customers struct {
	*env
	tenant int64
	tb     *tables.Table
}

const (
	phoneA = "13800138000" // 张三丰先生, VIP, 1500 points, a plain second phone
	phoneB = "13700137000" // 李四, 普通, 200 points
	phoneC = "13600136000" // 王五先生, 普通, no points
)

func newCustomers(t *testing.T) *customers {
	t.Helper()
	e := newEnv(t)
	e.setLimits(pages.FixedLimits{Pages: 100, Objects: 5})
	c := &customers{env: e, tenant: e.tenant(t)}
	tb := e.table(t, c.tenant, false, customerFields()...)
	e.record(t, c.tenant, tb.ID, map[string]string{"手机": phoneA, "姓名": "张三丰先生", "等级": "1", "积分": "1500", "座机": "010-12345678"})
	e.record(t, c.tenant, tb.ID, map[string]string{"手机": phoneB, "姓名": "李四", "等级": "普通", "积分": "200"})
	e.record(t, c.tenant, tb.ID, map[string]string{"手机": phoneC, "姓名": "王五先生", "等级": "2"})
	if _, err := e.tables.AddField(ctx, c.tenant, tb.ID, tables.FieldInput{Name: "邮箱", Type: tables.TypeString, Mandatory: true}); err != nil {
		t.Fatal(err)
	}
	var err error
	if c.tb, err = e.tables.GetTable(ctx, c.tenant, tb.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *customers) id(name string) int64 { return c.tb.FieldByName(name).ID }

// field returns the field labelled label of the object named object, or nil.
func field(m *pages.Model, object, label string) *pages.FieldModel {
	for i := range m.Objects {
		if m.Objects[i].Name != object {
			continue
		}
		for j := range m.Objects[i].Fields {
			if f := &m.Objects[i].Fields[j]; f.Label == label {
				return f
			}
		}
	}
	return nil
}

func object(m *pages.Model, name string) *pages.ObjectModel {
	for i := range m.Objects {
		if m.Objects[i].Name == name {
			return &m.Objects[i]
		}
	}
	return nil
}

func TestRenderCustomer(t *testing.T) {
	c := newCustomers(t)
	d := def(pages.Object{Name: "客户", TableID: c.tb.ID, Fields: []pages.ObjectField{
		{FieldID: c.id("手机")},
		{FieldID: c.id("姓名"), Label: "客户姓名"},
		{FieldID: c.id("等级")},
		{FieldID: c.id("积分")},
		{FieldID: c.id("备注")},
		{FieldID: c.id("座机"), Phone: &yes},
		{FieldID: c.id("邮箱")},
		{Label: "会员", Computed: `has(record.积分) && record.积分 > 1000 ? "Gold" : "Standard"`},
		{Label: "双倍积分", Computed: `record.积分 * 2.0`},
		{Label: "姓名副本", Computed: `record.姓名`},
		{Label: "号码副本", Computed: `record["手机"]`},
		{Label: "尾号", Computed: `record.手机.endsWith("8000") ? "8000" : "其他"`},
	}})
	d.Columns = 3
	p := c.published(t, c.tenant, d)

	type want struct {
		value                                   string
		typ                                     tables.FieldType
		masked, empty, missing, computed, phone bool
	}
	tests := []struct {
		name   string
		call   string
		reveal bool
		want   map[string]want
	}{
		{"masked", "+86 138-0013-8000", false, map[string]want{
			"手机":   {value: "*******8000", typ: tables.TypeString, masked: true},
			"客户姓名": {value: "张三丰先*", typ: tables.TypeString, masked: true},
			"等级":   {value: "VIP", typ: tables.TypeDict},
			"积分":   {value: "1500", typ: tables.TypeNumber},
			"备注":   {typ: tables.TypeString, empty: true},
			"座机":   {value: "010-12345678", typ: tables.TypeString, phone: true},
			"邮箱":   {typ: tables.TypeString, empty: true, missing: true},
			"会员":   {value: "Gold", typ: tables.TypeString, computed: true},
			"双倍积分": {value: "3000", typ: tables.TypeString, computed: true},
			// Computed fields see masked values masked: no way around a mask.
			"姓名副本": {value: "张三丰先*", typ: tables.TypeString, computed: true},
			"号码副本": {value: "*******8000", typ: tables.TypeString, computed: true},
			"尾号":   {value: "8000", typ: tables.TypeString, computed: true},
		}},
		{"revealed", phoneA, true, map[string]want{
			"手机":   {value: phoneA, typ: tables.TypeString, phone: true},
			"客户姓名": {value: "张三丰先生", typ: tables.TypeString},
			"等级":   {value: "VIP", typ: tables.TypeDict},
			"姓名副本": {value: "张三丰先生", typ: tables.TypeString, computed: true},
			"号码副本": {value: phoneA, typ: tables.TypeString, computed: true},
			"邮箱":   {typ: tables.TypeString, empty: true, missing: true},
		}},
		{"another customer", phoneB, false, map[string]want{
			"客户姓名": {value: "**", typ: tables.TypeString, masked: true},
			"等级":   {value: "普通", typ: tables.TypeDict},
			"会员":   {value: "Standard", typ: tables.TypeString, computed: true},
		}},
		{"no points", phoneC, false, map[string]want{
			"积分":   {typ: tables.TypeNumber, empty: true},
			"会员":   {value: "Standard", typ: tables.TypeString, computed: true},
			"双倍积分": {typ: tables.TypeString, computed: true, empty: true}, // the rule fails: empty, not an error
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.pages.RenderPublished(ctx, c.tenant, p.ID, pages.Call{CustomerNumber: tt.call}, pages.RenderOptions{Reveal: tt.reveal})
			if err != nil {
				t.Fatal(err)
			}
			if m.State != pages.StateOK || m.Layout != pages.LayoutBlock || m.Columns != 3 || m.Version != 1 || len(m.Objects) != 1 || !m.Objects[0].Found {
				t.Fatalf("model %+v", m)
			}
			if len(m.Objects[0].Fields) != len(d.Objects[0].Fields) {
				t.Fatalf("%d fields, want %d", len(m.Objects[0].Fields), len(d.Objects[0].Fields))
			}
			for label, w := range tt.want {
				f := field(m, "客户", label)
				if f == nil {
					t.Fatalf("no field %s", label)
				}
				got := want{f.Value, f.Type, f.Masked, f.Empty, f.MissingMandatory, f.Computed, f.Phone}
				if got != w {
					t.Errorf("%s: %+v, want %+v", label, got, w)
				}
			}
		})
	}
	// The clear values never reach a masked model, not even its JSON.
	m, _ := c.pages.RenderPublished(ctx, c.tenant, p.ID, pages.Call{CustomerNumber: phoneA}, pages.RenderOptions{})
	if s := js(m.Objects); strings.Contains(s, "张三丰先生") || strings.Contains(s, "1380013") {
		t.Fatalf("clear value in the masked model: %s", s)
	}
	// Labels follow the definition's order.
	var order []string
	for _, f := range m.Objects[0].Fields {
		order = append(order, f.Label)
	}
	if got := strings.Join(order, ","); got != "手机,客户姓名,等级,积分,备注,座机,邮箱,会员,双倍积分,姓名副本,号码副本,尾号" {
		t.Fatalf("order %s", got)
	}
}

func TestRenderStates(t *testing.T) {
	c := newCustomers(t)
	d := def(pages.Object{Name: "客户", TableID: c.tb.ID, Fields: []pages.ObjectField{
		{FieldID: c.id("姓名")}, {FieldID: c.id("等级")}, {Label: "会员", Computed: `record.等级 == "VIP" ? "是" : "否"`},
	}})
	p := c.published(t, c.tenant, d)
	tests := []struct {
		name        string
		call        pages.Call
		opts        pages.RenderOptions
		state       pages.State
		keyDisplay  string
		found       bool
		name0, dict string
	}{
		{"found", pages.Call{CustomerNumber: phoneA}, pages.RenderOptions{}, pages.StateOK, "138****8000", true, "张三丰先*", "VIP"},
		{"unknown number", pages.Call{CustomerNumber: "13912345678"}, pages.RenderOptions{}, pages.StateNotFound, "139****5678", false, "", ""},
		{"not a phone number", pages.Call{CustomerNumber: "无此人"}, pages.RenderOptions{}, pages.StateNotFound, "***", false, "", ""},
		{"empty number", pages.Call{}, pages.RenderOptions{}, pages.StateNoKey, "", false, "", ""},
		{"blank number", pages.Call{CustomerNumber: "   "}, pages.RenderOptions{}, pages.StateNoKey, "", false, "", ""},
		{"short number", pages.Call{CustomerNumber: "95588"}, pages.RenderOptions{}, pages.StateNotFound, "*5588", false, "", ""},
		{"international", pages.Call{CustomerNumber: "+86 138 0013 8000"}, pages.RenderOptions{}, pages.StateOK, "138****8000", true, "张三丰先*", "VIP"},
		{"placeholder", pages.Call{}, pages.RenderOptions{Placeholder: true}, pages.StatePlaceholder, "", true, "示例 姓*", "VIP"},
		{"placeholder, reveal asked", pages.Call{}, pages.RenderOptions{Placeholder: true, Reveal: true}, pages.StatePlaceholder, "", true, "示例 姓*", "VIP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.pages.RenderPublished(ctx, c.tenant, p.ID, tt.call, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if m.State != tt.state || m.KeyDisplay != tt.keyDisplay {
				t.Fatalf("state %s key %q, want %s %q", m.State, m.KeyDisplay, tt.state, tt.keyDisplay)
			}
			o := object(m, "客户")
			if o == nil || o.Found != tt.found || len(o.Fields) != 3 {
				t.Fatalf("object %+v", o)
			}
			name, dict := field(m, "客户", "姓名"), field(m, "客户", "等级")
			if name.Value != tt.name0 || dict.Value != tt.dict || name.Empty != (tt.name0 == "") {
				t.Fatalf("姓名 %+v 等级 %+v", name, dict)
			}
			member := field(m, "客户", "会员")
			if wantMember := map[bool]string{true: "是"}[tt.dict == "VIP"]; tt.found && member.Value != wantMember || !tt.found && !member.Empty {
				t.Fatalf("会员 %+v", member)
			}
		})
	}
}

// Each object looks its record up by its own key of the call.
func TestRenderLookupKeys(t *testing.T) {
	c := newCustomers(t)
	obj := func(name, key string) pages.Object {
		return pages.Object{Name: name, TableID: c.tb.ID, LookupKey: key, Fields: []pages.ObjectField{{FieldID: c.id("姓名")}}}
	}
	d := def(obj("按客户", ""), obj("按主叫", "callerNum"), obj("按被叫", "calledNum"), obj("按随路", "calldata:vip_no"), obj("再按客户", "customer"))
	p := c.published(t, c.tenant, d)
	tests := []struct {
		name  string
		call  pages.Call
		state pages.State
		want  map[string]string // object → name shown; "" means not found
	}{
		{"each its own", pages.Call{CustomerNumber: "13900000000", CallerNum: phoneA, CalledNum: phoneB, AssociatedData: map[string]string{"vip_no": phoneC}},
			pages.StateOK, map[string]string{"按客户": "", "按主叫": "张三丰先生", "按被叫": "李四", "按随路": "王五先生", "再按客户": ""}},
		{"customer only", pages.Call{CustomerNumber: phoneB},
			pages.StateOK, map[string]string{"按客户": "李四", "按主叫": "", "按被叫": "", "按随路": "", "再按客户": "李四"}},
		{"other associated data", pages.Call{AssociatedData: map[string]string{"other": phoneA}},
			pages.StateNoKey, map[string]string{"按客户": "", "按主叫": "", "按被叫": "", "按随路": "", "再按客户": ""}},
		{"nobody", pages.Call{CustomerNumber: "13900000000", CallerNum: "13900000001"},
			pages.StateNotFound, map[string]string{"按客户": "", "按主叫": "", "按被叫": "", "按随路": "", "再按客户": ""}},
		{"associated data only", pages.Call{AssociatedData: map[string]string{"vip_no": " " + phoneA + " "}},
			pages.StateOK, map[string]string{"按客户": "", "按主叫": "", "按被叫": "", "按随路": "张三丰先生", "再按客户": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.pages.RenderPublished(ctx, c.tenant, p.ID, tt.call, pages.RenderOptions{Reveal: true})
			if err != nil {
				t.Fatal(err)
			}
			if m.State != tt.state || len(m.Objects) != 5 {
				t.Fatalf("state %s with %d objects, want %s", m.State, len(m.Objects), tt.state)
			}
			for name, want := range tt.want {
				o := object(m, name)
				if o.Found != (want != "") || o.Fields[0].Value != want {
					t.Errorf("%s: found %v %q, want %q", name, o.Found, o.Fields[0].Value, want)
				}
			}
		})
	}
}

func TestRenderRules(t *testing.T) {
	c := newCustomers(t)
	d := def(
		pages.Object{Name: "贵宾", TableID: c.tb.ID, Visible: `record.等级 == "VIP"`, Fields: []pages.ObjectField{{FieldID: c.id("姓名")}}},
		pages.Object{Name: "客户", TableID: c.tb.ID, Fields: []pages.ObjectField{
			{FieldID: c.id("姓名")},
			{FieldID: c.id("等级"), Highlight: `record.等级 == "VIP"`, Badge: "贵宾"},
			{FieldID: c.id("积分"), Visible: `call.direction == "in"`, Highlight: `record.积分 >= 1000`},
			{FieldID: c.id("备注"), Visible: `has(record.积分)`},
			{Label: "会员", Computed: `has(record.积分) && record.积分 > 1000 ? "Gold" : "Standard"`, Highlight: `has(record.积分) && record.积分 > 1000`, Badge: "金"},
			// These fail at run time: the page renders anyway.
			{FieldID: c.id("座机"), Visible: `record.不存在 == "x"`},
			{FieldID: c.id("邮箱"), Highlight: `int(record.姓名) > 0`, Badge: "坏"},
			{Label: "坏计算", Computed: `record.不存在 + "x"`},
		}},
		pages.Object{Name: "坏对象", TableID: c.tb.ID, Visible: `int(record.姓名) > 0`, Fields: []pages.ObjectField{{FieldID: c.id("姓名")}}},
	)
	p := c.published(t, c.tenant, d)
	tests := []struct {
		name      string
		call      pages.Call
		objects   string // names, in order
		fields    string // labels of 客户, in order
		highlight string // highlighted labels with badges
		member    string
	}{
		{"VIP, inbound", pages.Call{CustomerNumber: phoneA, Direction: "in"}, "贵宾,客户", "姓名,等级,积分,备注,会员,邮箱,坏计算", "等级:贵宾,积分:,会员:金", "Gold"},
		{"VIP, outbound", pages.Call{CustomerNumber: phoneA, Direction: "out"}, "贵宾,客户", "姓名,等级,备注,会员,邮箱,坏计算", "等级:贵宾,会员:金", "Gold"},
		{"normal, inbound", pages.Call{CustomerNumber: phoneB, Direction: "in"}, "客户", "姓名,等级,积分,备注,会员,邮箱,坏计算", "", "Standard"},
		{"no points", pages.Call{CustomerNumber: phoneC, Direction: "in"}, "客户", "姓名,等级,积分,会员,邮箱,坏计算", "", "Standard"},
		// No record: visibility rules over fields see nothing and hide.
		{"unknown", pages.Call{CustomerNumber: "13900000000", Direction: "in"}, "客户", "姓名,等级,积分,会员,邮箱,坏计算", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.pages.RenderPublished(ctx, c.tenant, p.ID, tt.call, pages.RenderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var objects, labels, hl []string
			for _, o := range m.Objects {
				objects = append(objects, o.Name)
			}
			o := object(m, "客户")
			for _, f := range o.Fields {
				labels = append(labels, f.Label)
				if f.Highlight {
					hl = append(hl, f.Label+":"+f.Badge)
				} else if f.Badge != "" {
					t.Errorf("%s has badge %q without highlight", f.Label, f.Badge)
				}
			}
			if got := strings.Join(objects, ","); got != tt.objects {
				t.Errorf("objects %s, want %s", got, tt.objects)
			}
			if got := strings.Join(labels, ","); got != tt.fields {
				t.Errorf("fields %s, want %s", got, tt.fields)
			}
			if got := strings.Join(hl, ","); got != tt.highlight {
				t.Errorf("highlighted %s, want %s", got, tt.highlight)
			}
			if f := field(m, "客户", "会员"); f.Value != tt.member {
				t.Errorf("会员 %q, want %q", f.Value, tt.member)
			}
			if f := field(m, "客户", "坏计算"); f.Value != "" || !f.Empty || !f.Computed {
				t.Errorf("坏计算 %+v", f)
			}
		})
	}
}

// A table or field deleted after publishing is left out; the rest renders.
func TestRenderAfterSchemaChanges(t *testing.T) {
	c := newCustomers(t)
	extra := c.table(t, c.tenant, false,
		tables.FieldInput{Name: "手机", IsIndex: true, Type: tables.TypeString},
		tables.FieldInput{Name: "地址", Type: tables.TypeString})
	c.record(t, c.tenant, extra.ID, map[string]string{"手机": phoneA, "地址": "北京"})
	d := def(
		pages.Object{Name: "客户", TableID: c.tb.ID, Fields: fields(c.tb, "姓名", "备注", "积分")},
		pages.Object{Name: "地址", TableID: extra.ID, Fields: fields(extra, "地址")},
	)
	p := c.published(t, c.tenant, d)
	call := pages.Call{CustomerNumber: phoneA}
	m, err := c.pages.RenderPublished(ctx, c.tenant, p.ID, call, pages.RenderOptions{})
	if err != nil || len(m.Objects) != 2 || field(m, "地址", "地址").Value != "北京" {
		t.Fatalf("before: %+v %v", m, err)
	}

	if err := c.tables.DeleteTable(ctx, c.tenant, extra.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.tables.DeleteField(ctx, c.tenant, c.tb.ID, c.id("备注")); err != nil {
		t.Fatal(err)
	}
	m, err = c.pages.RenderPublished(ctx, c.tenant, p.ID, call, pages.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) != 1 || m.Objects[0].Name != "客户" || m.State != pages.StateOK {
		t.Fatalf("after deleting a table: %s", js(m))
	}
	if got := labels(m); strings.Join(got, "|") != "客户.姓名=张三丰先*|客户.积分=1500" {
		t.Fatalf("after deleting a field: %q", got)
	}
	// A page whose every table is gone renders empty rather than failing.
	if err := c.tables.DeleteTable(ctx, c.tenant, c.tb.ID); err != nil {
		t.Fatal(err)
	}
	m, err = c.pages.RenderPublished(ctx, c.tenant, p.ID, call, pages.RenderOptions{})
	if err != nil || len(m.Objects) != 0 {
		t.Fatalf("with no tables: %+v %v", m, err)
	}
}

// fakeSource is an ExternalSource answering from memory: the seam where
// the engine's queryCustomer connector plugs in.
type fakeSource struct {
	grants
	mu    sync.Mutex
	calls []string
	reply func(param string) (*pages.ExternalReply, error)
}

func (f *fakeSource) Fetch(_ context.Context, tenantID, interfaceID int64, param string) (*pages.ExternalReply, error) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf("%d/%d/%s", tenantID, interfaceID, param))
	f.mu.Unlock()
	return f.reply(param)
}

func TestRenderExternal(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	e.setExternal(grants{tenant: tenant, id: 7})
	p := e.published(t, tenant, pages.Definition{Layout: pages.LayoutTile, Columns: 4, Source: pages.SourceExternal, ExternalInterfaceID: 7,
		PhoneValues: []string{"客户信息.伦敦"}})
	customer := &pages.ExternalReply{Objects: []pages.ExternalObject{
		{Name: "客户信息", Values: []pages.ExternalValue{
			{Name: "姓名", Display: "zengxiangyu01", Type: tables.TypeString, MaskStyle: tables.MaskLastFour, Mandatory: true},
			{Name: "证件号", Display: "110101199001011234", Type: tables.TypeString, MaskStyle: tables.MaskFirstFour},
			{Name: "类型", Display: "预付费", Type: tables.TypeDict},
			{Name: "电话", Display: "15200001028", Type: tables.TypeString},
			{Name: "邮箱", Type: tables.TypeString, Mandatory: true},
			{Name: "银行卡", Display: "6222021234567890123", Type: tables.TypeString},
			{Name: "伦敦", Display: "+44 20 7946 0958", Type: tables.TypeString},
		}},
		{Name: "账户", Values: []pages.ExternalValue{{Name: "余额", Display: "12.50", Type: tables.TypeNumber}}},
	}}
	src := &fakeSource{grants: grants{tenant: tenant, id: 7}, reply: func(param string) (*pages.ExternalReply, error) {
		switch param {
		case "15200001028":
			return customer, nil
		case "10000000000":
			return &pages.ExternalReply{}, nil
		case "10000000001":
			return nil, nil
		case "10000000002":
			return nil, &pages.ExternalError{Reason: "timeout", Err: context.DeadlineExceeded}
		case "10000000003":
			return nil, fmt.Errorf("wrapped: %w", &pages.ExternalError{Reason: "refused_address", Err: errors.New("10.0.0.1")})
		}
		return nil, errors.New("connector broke")
	}}
	type fv struct {
		value                         string
		masked, empty, missing, phone bool
	}
	tests := []struct {
		name    string
		source  pages.ExternalSource
		param   string
		opts    pages.RenderOptions
		state   pages.State
		reason  string
		fields  map[string]fv // "object.label"
		fetched bool
	}{
		{"masked", src, "15200001028", pages.RenderOptions{}, pages.StateOK, "", map[string]fv{
			"客户信息.姓名":  {value: "*********yu01", masked: true},
			"客户信息.证件号": {value: "1101**************", masked: true},
			"客户信息.类型":  {value: "预付费"},
			"客户信息.电话":  {value: "15200001028", phone: true},
			"客户信息.邮箱":  {empty: true, missing: true},
			"客户信息.银行卡": {value: "6222021234567890123"}, // no dial-out button on a card number
			"客户信息.伦敦":  {value: "+44 20 7946 0958", phone: true},
			"账户.余额":    {value: "12.50"},
		}, true},
		{"revealed", src, "15200001028", pages.RenderOptions{Reveal: true}, pages.StateOK, "", map[string]fv{
			"客户信息.姓名":  {value: "zengxiangyu01"},
			"客户信息.证件号": {value: "110101199001011234"},
		}, true},
		{"timeout", src, "10000000002", pages.RenderOptions{}, pages.StateError, "timeout", nil, true},
		{"wrapped reason", src, "10000000003", pages.RenderOptions{}, pages.StateError, "refused_address", nil, true},
		{"empty reply", src, "10000000000", pages.RenderOptions{}, pages.StateNotFound, "", nil, true},
		{"no reply", src, "10000000001", pages.RenderOptions{}, pages.StateNotFound, "", nil, true},
		{"no number", src, "", pages.RenderOptions{}, pages.StateNoKey, "", nil, false},
		// The preview never asks the enterprise with an empty parameter.
		{"placeholder", src, "", pages.RenderOptions{Placeholder: true}, pages.StatePlaceholder, "", nil, false},
		{"not configured", pages.NoExternal{}, "15200001028", pages.RenderOptions{}, pages.StateError, "not_configured", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src.calls = nil
			e.setExternal(tt.source)
			m, err := e.pages.RenderPublished(ctx, tenant, p.ID, pages.Call{CustomerNumber: tt.param}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if m.State != tt.state || m.Reason != tt.reason || m.Layout != pages.LayoutTile || m.Columns != 4 {
				t.Fatalf("state %s reason %q, want %s %q (%+v)", m.State, m.Reason, tt.state, tt.reason, m)
			}
			if tt.fetched != (len(src.calls) == 1) || tt.fetched && src.calls[0] != fmt.Sprintf("%d/7/%s", tenant, tt.param) {
				t.Fatalf("calls %q", src.calls)
			}
			if tt.fields == nil && len(m.Objects) != 0 {
				t.Fatalf("objects %+v", m.Objects)
			}
			for key, w := range tt.fields {
				o, label, _ := strings.Cut(key, ".")
				f := field(m, o, label)
				if f == nil {
					t.Fatalf("no %s", key)
				}
				if got := (fv{f.Value, f.Masked, f.Empty, f.MissingMandatory, f.Phone}); got != w {
					t.Errorf("%s: %+v, want %+v", key, got, w)
				}
			}
		})
	}
	// A failure that is not the source's own report is an error.
	e.setExternal(src)
	if _, err := e.pages.RenderPublished(ctx, tenant, p.ID, pages.Call{CustomerNumber: "19999999999"}, pages.RenderOptions{}); err == nil || apperr.Is(err, apperr.NotFound) {
		t.Fatalf("broken connector: %v", err)
	}
}
