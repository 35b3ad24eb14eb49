package pages_test

import (
	"testing"

	"github.com/screenpop/screenpop/pages"
)

var yes, no = true, false

// Call buttons belong to phone values only (issue 16: "1990-01-02 dials
// 19900102 on Huawei, Tencent and CTI"): the index field by default, a
// field marked as a phone, nothing else — not a date, not a number-like
// note. The dialer's text (Tencent callOut desc, seed 001 "呼出时系统显示字段",
// its example the customer's name) defaults to the customer's name and
// follows the field's dialDesc rule when it has one.
func TestDialButtonsOnlyOnPhones(t *testing.T) {
	c := newCustomers(t)
	c.record(t, c.tenant, c.tb.ID, map[string]string{"手机": "13700001111", "姓名": "赵六", "等级": "1", "备注": "1990-01-02", "座机": "010-12345678", "邮箱": "z@example.com"})
	d := def(pages.Object{Name: "客户", TableID: c.tb.ID, Fields: []pages.ObjectField{
		{FieldID: c.id("手机")},
		{FieldID: c.id("备注")},
		{FieldID: c.id("座机")},
		{Label: "座机副本", Computed: `record.座机`},
	}}, pages.Object{Name: "标记", TableID: c.tb.ID, Fields: []pages.ObjectField{
		{FieldID: c.id("手机"), Phone: &no},
		{FieldID: c.id("座机"), Phone: &yes, DialDesc: `"座机 " + record.姓名`},
	}})
	p := c.published(t, c.tenant, d)
	m, err := c.pages.RenderPublished(ctx, c.tenant, p.ID, pages.Call{CustomerNumber: "13700001111"}, pages.RenderOptions{Reveal: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		object, label string
		phone         bool
		desc          string
	}{
		{"客户", "手机", true, "赵六"}, // the index field, by default
		{"客户", "备注", false, ""},  // a date is no phone
		{"客户", "座机", false, ""},  // phone-like, but not marked
		{"客户", "座机副本", false, ""},
		{"标记", "手机", false, ""},
		{"标记", "座机", true, "座机 赵六"},
	}
	for _, tt := range tests {
		f := field(m, tt.object, tt.label)
		if f == nil || f.Phone != tt.phone || f.DialDesc != tt.desc {
			t.Errorf("%s.%s = %+v, want phone %v desc %q", tt.object, tt.label, f, tt.phone, tt.desc)
		}
	}
	// The default text is the name as the page shows it: masked when masked.
	m, _ = c.pages.RenderPublished(ctx, c.tenant, p.ID, pages.Call{CustomerNumber: "13700001111"}, pages.RenderOptions{})
	if f := field(m, "标记", "座机"); f == nil || !f.Phone || f.DialDesc != "座机 **" {
		t.Errorf("masked: %+v", f)
	}
	// A dialDesc that is not CEL is not published (a draft may keep it).
	bad := def(pages.Object{Name: "客户", TableID: c.tb.ID, Fields: []pages.ObjectField{{FieldID: c.id("座机"), Phone: &yes, DialDesc: `record.(`}}})
	pg, err := c.pages.CreatePage(ctx, c.tenant, uniq("坏"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.pages.SaveDraft(ctx, c.tenant, pg.ID, bad, pg.DraftRevision); err != nil {
		t.Fatal(err)
	}
	if _, err := c.pages.Publish(ctx, c.tenant, pg.ID, nil, ""); err == nil {
		t.Error("a bad dialDesc rule was published")
	}
}
