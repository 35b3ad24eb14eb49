// Package pages is screenpop's custom pages (自定义页面, SPEC §5): what an
// admin builds in the page builder — a layout, a number of columns, and
// objects that show chosen fields of published base tables (or one external
// interface) — saved as a draft and frozen into published versions that pops
// show. It also builds the render model of a page for one call: the records
// looked up, values formatted and masked, rules applied. Turning the model
// into HTML is the web layer's job.
package pages

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/screenpop/screenpop/internal/apperr"
)

// Layout is how objects are laid out.
type Layout string

// The two layouts of SPEC §5.
const (
	LayoutBlock Layout = "block" // each object is its own titled section
	LayoutTile  Layout = "tile"  // all fields flow in one grid, object names as group labels
)

// Source says where a page's data comes from.
type Source string

// Data sources.
const (
	SourceInternal Source = "internal" // objects over published base tables
	SourceExternal Source = "external" // one queryCustomer interface
)

// Lookup keys: which value of the call an object looks its record up by.
const (
	KeyCustomer = "customer"  // the customer number the dialect resolved (default)
	KeyCaller   = "callerNum" // always the calling number
	KeyCalled   = "calledNum" // always the called number
	// "calldata:<key>" looks up by an associated-data (随路数据) value.
	keyCallDataPrefix = "calldata:"
)

// Limits of a page definition.
const (
	MaxNameLength    = 256
	MaxObjects       = 5 // SPEC §5: internal pages have up to 5 objects
	MaxFieldsPerPage = 200
	MaxLabelLength   = 64
)

// Definition is a page as built: the draft, or a frozen version.
type Definition struct {
	Layout              Layout   `json:"layout" doc:"block or tile"`
	Columns             int      `json:"columns" doc:"2, 3 or 4"`
	Source              Source   `json:"source" doc:"internal or external"`
	ExternalInterfaceID int64    `json:"externalInterfaceId,omitempty" doc:"For external pages: the granted interface"`
	Objects             []Object `json:"objects"`
	// PhoneValues marks values of an external page's reply as phone
	// numbers ("object.name"); the value equal to the customer number is
	// one without marking.
	PhoneValues []string `json:"phoneValues,omitempty" doc:"External pages: values that are phone numbers and get a call button, as object.name"`
	// Actions are buttons sending the record to the host platform (Sobot
	// tickets and cards, actions.go); internal pages only.
	Actions []Action `json:"actions,omitempty" doc:"Internal pages: buttons that send the record to the platform (Sobot ticket, product card, order card)"`
}

// Object is one block of an internal page: fields of one base table.
type Object struct {
	Name      string        `json:"name"`
	TableID   int64         `json:"tableId"`
	LookupKey string        `json:"lookupKey,omitempty" doc:"customer (default), callerNum, calledNum or calldata:<key>"`
	Visible   string        `json:"visible,omitempty" doc:"CEL: show the object only when true, e.g. record.level == \"2\""`
	Fields    []ObjectField `json:"fields"`
}

// ObjectField is a field shown by an object: a base-table field, or a
// computed value (FieldID 0 and Computed set).
type ObjectField struct {
	FieldID   int64  `json:"fieldId,omitempty"`
	Label     string `json:"label,omitempty" doc:"Shown instead of the field name"`
	Computed  string `json:"computed,omitempty" doc:"CEL expression of a computed field, e.g. record.points > 1000 ? \"Gold\" : \"Standard\""`
	Visible   string `json:"visible,omitempty" doc:"CEL: show the field only when true"`
	Highlight string `json:"highlight,omitempty" doc:"CEL: mark the field when true"`
	Badge     string `json:"badge,omitempty" doc:"Text of the badge shown when the highlight rule is true"`
	// Phone marks the value as a phone number, which gets a call button
	// (一键外呼). Unset, only the table's index field is one: a date such
	// as 1990-01-02 or any other number-like value never gets a button.
	Phone *bool `json:"phone,omitempty" doc:"The value is a phone number and gets a call button; default: only the table's index field"`
	// DialDesc is what the platform's dialer shows for the call (Tencent
	// callOut desc, seed 001 "呼出时系统显示字段"): a CEL expression like
	// Computed; empty, the customer's name.
	DialDesc string `json:"dialDesc,omitempty" doc:"CEL: text the dialer shows for the call (Tencent desc); default the customer's name"`
}

// DefaultDefinition is what a new page starts with.
func DefaultDefinition() Definition {
	return Definition{Layout: LayoutBlock, Columns: 2, Source: SourceInternal, Objects: []Object{}}
}

// TableCatalog tells validation which base tables exist for the tenant.
type TableCatalog interface {
	// PublishedTable returns the fields of a published table of the
	// tenant, or ok=false.
	PublishedTable(tableID int64) (fields map[int64]string, name string, ok bool)
}

// Validate checks a definition against the tenant's tables and limits,
// compiling every rule; messages name the object and field at fault.
// maxObjects is the system parameter (objects per page, at most MaxObjects).
func (d *Definition) Validate(cat TableCatalog, maxObjects int, externalGranted func(id int64) bool) error {
	var v apperr.Fields
	if d.Layout != LayoutBlock && d.Layout != LayoutTile {
		v.Add("layout", "page.layout")
	}
	if d.Columns < 2 || d.Columns > 4 {
		v.Add("columns", "page.columns")
	}
	maxObjects = min(maxObjects, MaxObjects)
	switch d.Source {
	case SourceExternal:
		if d.ExternalInterfaceID == 0 || externalGranted == nil || !externalGranted(d.ExternalInterfaceID) {
			v.Add("externalInterfaceId", "page.external_not_granted")
		}
		if len(d.Objects) > 0 {
			v.Add("objects", "page.external_objects")
		}
		if len(d.Actions) > 0 {
			v.Add("actions", "page.external_actions")
		}
	case SourceInternal:
		d.ExternalInterfaceID = 0
		if len(d.Objects) > maxObjects {
			v.Add("objects", "page.too_many_objects", maxObjects)
		}
		total := 0
		names := map[string]bool{}
		for i := range d.Objects {
			o := &d.Objects[i]
			total += len(o.Fields)
			validateObject(o, i, cat, names, &v)
		}
		if total > MaxFieldsPerPage {
			v.Add("objects", "page.too_many_fields", MaxFieldsPerPage)
		}
		validateActions(d, &v)
	default:
		v.Add("source", "page.source")
	}
	return v.Err()
}

func validateObject(o *Object, i int, cat TableCatalog, names map[string]bool, v *apperr.Fields) {
	at := fmt.Sprintf("objects[%d]", i)
	o.Name = strings.TrimSpace(o.Name)
	switch {
	case o.Name == "":
		v.Add(at+".name", "field.required")
	case utf8.RuneCountInString(o.Name) > MaxLabelLength:
		v.Add(at+".name", "field.too_long", MaxLabelLength)
	case names[o.Name]:
		v.Add(at+".name", "page.object_name_taken")
	}
	names[o.Name] = true
	fields, _, ok := cat.PublishedTable(o.TableID)
	if !ok {
		v.Add(at+".tableId", "page.table_not_published")
	}
	o.LookupKey = strings.TrimSpace(o.LookupKey)
	switch {
	case o.LookupKey == "":
		o.LookupKey = KeyCustomer
	case o.LookupKey == KeyCustomer, o.LookupKey == KeyCaller, o.LookupKey == KeyCalled:
	case strings.HasPrefix(o.LookupKey, keyCallDataPrefix) && len(o.LookupKey) > len(keyCallDataPrefix):
	default:
		v.Add(at+".lookupKey", "page.lookup_key")
	}
	if msg := checkRule(o.Visible, ruleBool); msg != nil {
		v.Add(at+".visible", msg.Key, msg.Args...)
	}
	if len(o.Fields) == 0 {
		v.Add(at+".fields", "page.object_empty")
	}
	seen := map[int64]bool{}
	for j := range o.Fields {
		f := &o.Fields[j]
		fat := fmt.Sprintf("%s.fields[%d]", at, j)
		f.Label, f.Badge = strings.TrimSpace(f.Label), strings.TrimSpace(f.Badge)
		if utf8.RuneCountInString(f.Label) > MaxLabelLength {
			v.Add(fat+".label", "field.too_long", MaxLabelLength)
		}
		if utf8.RuneCountInString(f.Badge) > MaxLabelLength {
			v.Add(fat+".badge", "field.too_long", MaxLabelLength)
		}
		switch {
		case f.FieldID == 0 && strings.TrimSpace(f.Computed) == "":
			v.Add(fat+".fieldId", "page.field_missing")
		case f.FieldID == 0:
			if f.Label == "" {
				v.Add(fat+".label", "page.computed_label")
			}
			if msg := checkRule(f.Computed, ruleAny); msg != nil {
				v.Add(fat+".computed", msg.Key, msg.Args...)
			}
		case ok:
			if _, exists := fields[f.FieldID]; !exists {
				v.Add(fat+".fieldId", "page.field_not_in_table")
			} else if seen[f.FieldID] {
				v.Add(fat+".fieldId", "page.field_twice")
			}
			seen[f.FieldID] = true
		}
		if msg := checkRule(f.Visible, ruleBool); msg != nil {
			v.Add(fat+".visible", msg.Key, msg.Args...)
		}
		if msg := checkRule(f.Highlight, ruleBool); msg != nil {
			v.Add(fat+".highlight", msg.Key, msg.Args...)
		}
		if msg := checkRule(f.DialDesc, ruleAny); msg != nil {
			v.Add(fat+".dialDesc", msg.Key, msg.Args...)
		}
	}
}
