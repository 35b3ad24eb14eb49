package external

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/audit"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
)

// Server answers the queryCustomer contract from base tables.
type Server struct {
	db    bun.IDB
	pages *pages.Service
}

// NewServer returns the server on db, rendering through ps.
func NewServer(db bun.IDB, ps *pages.Service) *Server {
	return &Server{db: db, pages: ps}
}

// Answer serves the queryCustomer contract from base tables: the published
// version of the page the key is bound to, rendered for param as a pop
// would render it (its objects, visible fields in order, formats, masks).
// Objects that found no record are left out; a customer found by no object
// is the empty array. Masked values stay masked unless the key holds the
// reveal scope; a reply carrying revealed values is audited.
func (s *Server) Answer(ctx context.Context, key *accounts.APIKey, param string) ([]querycustomer.Object, error) {
	if key == nil {
		return nil, apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	if key.PageID == nil {
		return nil, apperr.New(apperr.Forbidden, "querycustomer.key_unbound")
	}
	p := &accounts.Principal{APIKey: key}
	reveal := p.Can(accounts.PermReveal)
	call := pages.Call{CustomerNumber: param, CallerNum: param, Direction: "in"}
	m, err := s.pages.RenderPublished(ctx, key.TenantID, *key.PageID, call, pages.RenderOptions{Reveal: reveal})
	if err != nil {
		return nil, err
	}
	if m.State == pages.StateError {
		// A page over another external interface: its failure is ours to
		// report, not an empty customer.
		return nil, apperr.New(apperr.Unavailable, "querycustomer.page_unavailable", m.Reason)
	}
	out := []querycustomer.Object{}
	if m.State != pages.StateOK {
		return out, nil // not found, or no customer number
	}
	revealed := 0
	for _, o := range m.Objects {
		if !o.Found {
			continue
		}
		obj := querycustomer.Object{ObjectName: o.Name, Values: make([]querycustomer.Value, 0, len(o.Fields))}
		for i, f := range o.Fields {
			obj.Values = append(obj.Values, contractValue(i+1, f))
			if reveal && f.MaskStyle != tables.MaskNone && !f.Empty {
				revealed++
			}
		}
		out = append(out, obj)
	}
	if revealed > 0 {
		tid := key.TenantID
		err := audit.Record(ctx, s.db, audit.Entry{
			TenantID: &tid, Action: "querycustomer.reveal", Target: "page:" + strconv.FormatInt(*key.PageID, 10),
			Detail: map[string]any{"apiKey": key.Prefix, "keyName": key.Name, "param": pages.MaskKey(param), "values": revealed},
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// contractValue spells one shown field the contract's way: every member a
// string except value and isMandatory, a dictionary value as its key with
// the dictionary beside it.
func contractValue(no int, f pages.FieldModel) querycustomer.Value {
	v := querycustomer.Value{
		ValueNo:     strconv.Itoa(no),
		Name:        f.Label,
		Value:       f.Value,
		Type:        strconv.Itoa(int(f.Type)),
		IsMandatory: f.Mandatory,
	}
	if f.Type < tables.TypeString || f.Type > tables.TypeDict {
		v.Type = "1"
	}
	if f.Length > 0 && f.Type.HasLength() {
		v.Length = strconv.Itoa(min(f.Length, 256))
	}
	if f.MaskStyle == tables.MaskLastFour || f.MaskStyle == tables.MaskFirstFour {
		v.MaskStyle = strconv.Itoa(int(f.MaskStyle))
	}
	if f.Type == tables.TypeDict {
		if f.Key != "" || f.Empty {
			v.Value = f.Key
		}
		v.DictItems = make([]querycustomer.DictItem, 0, len(f.DictItems))
		for _, d := range f.DictItems {
			v.DictItems = append(v.DictItems, querycustomer.DictItem{Key: d.Key, Value: d.Value})
		}
	}
	return v
}
