package pages

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/tables"
)

// Call is the call a page is rendered for, already normalised from the
// platform's dialect.
type Call struct {
	CustomerNumber string            `json:"customerNumber"`
	CallerNum      string            `json:"callerNum,omitempty"`
	CalledNum      string            `json:"calledNum,omitempty"`
	CallID         string            `json:"callId,omitempty"`
	Direction      string            `json:"direction,omitempty"` // in | out
	MediaType      string            `json:"mediaType,omitempty"`
	WorkNo         string            `json:"workNo,omitempty"`
	AgentName      string            `json:"agentName,omitempty"`
	Platform       string            `json:"platform,omitempty"` // dialect, for dial-out buttons
	AssociatedData map[string]string `json:"associatedData,omitempty"`
	// Params is every parameter the platform sent (but credentials), so
	// page rules can read any of them as call.<name> (Huawei callskill,
	// Sobot groupName, …).
	Params map[string]string `json:"params,omitempty"`
}

// key returns the call value an object looks up by.
func (c Call) key(lookup string) string {
	switch {
	case lookup == KeyCaller:
		return c.CallerNum
	case lookup == KeyCalled:
		return c.CalledNum
	case strings.HasPrefix(lookup, keyCallDataPrefix):
		return c.AssociatedData[strings.TrimPrefix(lookup, keyCallDataPrefix)]
	}
	return c.CustomerNumber
}

func (c Call) vars() map[string]string {
	m := map[string]string{
		"customerNumber": c.CustomerNumber, "callerNum": c.CallerNum, "calledNum": c.CalledNum,
		"callid": c.CallID, "direction": c.Direction, "mediaType": c.MediaType, "workNo": c.WorkNo, "agentName": c.AgentName,
	}
	for k, v := range c.AssociatedData {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	for k, v := range c.Params {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return m
}

// State is what the page as a whole shows.
type State string

// Render states: each has its own look, so an agent can tell "no such
// customer" from "could not ask".
const (
	StateOK          State = "ok"
	StateNotFound    State = "not_found"   // no object found a record
	StateNoKey       State = "no_key"      // the call carried no customer number
	StateError       State = "error"       // the data source failed; Reason says why
	StatePlaceholder State = "placeholder" // builder preview without a sample value
	StateWaiting     State = "waiting"     // a live page before its first call event
)

// Model is a page ready to be turned into HTML.
type Model struct {
	PageID     int64         `json:"pageId"`
	PageName   string        `json:"pageName"`
	Version    int           `json:"version"`
	Layout     Layout        `json:"layout"`
	Columns    int           `json:"columns"`
	Call       Call          `json:"call"`
	KeyDisplay string        `json:"keyDisplay"` // the customer number, masked
	State      State         `json:"state"`
	Reason     string        `json:"reason,omitempty"` // for StateError: a message key
	Objects    []ObjectModel `json:"objects"`
	Actions    []ActionModel `json:"actions,omitempty"`
}

// ObjectModel is one object as shown.
type ObjectModel struct {
	Name   string       `json:"name"`
	Found  bool         `json:"found"`
	Fields []FieldModel `json:"fields"`
}

// FieldModel is one value as shown.
type FieldModel struct {
	Label            string           `json:"label"`
	Value            string           `json:"value"`
	Type             tables.FieldType `json:"type"`
	Masked           bool             `json:"masked,omitempty"`
	Empty            bool             `json:"empty,omitempty"`
	MissingMandatory bool             `json:"missingMandatory,omitempty"`
	Highlight        bool             `json:"highlight,omitempty"`
	Badge            string           `json:"badge,omitempty"`
	Computed         bool             `json:"computed,omitempty"`
	// Phone is set for an unmasked value that looks like a phone number,
	// which gets a dial-out button.
	Phone bool `json:"phone,omitempty"`
	// DialDesc is what the platform's dialer shows for a phone value's
	// call (Tencent callOut desc): the field's dialDesc rule, else the
	// customer's name as the page shows it (masked when masked).
	DialDesc string `json:"dialDesc,omitempty"`
	// Field metadata, for serving the page as a queryCustomer reply: the
	// stored dictionary key behind a dictionary label, the field's length,
	// whether it is mandatory, its mask style (also when revealed) and its
	// dictionary.
	Key       string            `json:"key,omitempty"`
	Length    int               `json:"length,omitempty"`
	Mandatory bool              `json:"mandatory,omitempty"`
	MaskStyle tables.MaskStyle  `json:"maskStyle,omitempty"`
	DictItems []tables.DictItem `json:"dictItems,omitempty"`
}

// RenderOptions tune a render.
type RenderOptions struct {
	// Reveal shows masked values in clear (users with the reveal permission).
	Reveal bool
	// Placeholder fills every field with sample data, for the builder
	// preview without a sample customer.
	Placeholder bool
}

// RenderPublished renders the page's published version for a call.
func (s *Service) RenderPublished(ctx context.Context, tenantID, pageID int64, call Call, opts RenderOptions) (*Model, error) {
	pp, err := s.published.Get(pageKey{tenantID, pageID}, func() (*publishedPage, error) {
		return s.loadPublished(ctx, tenantID, pageID)
	})
	if err != nil {
		return nil, err
	}
	m, err := s.Render(ctx, tenantID, pp.def, call, opts)
	if m != nil {
		m.PageID, m.PageName, m.Version = pageID, pp.name, pp.version
	}
	return m, err
}

// loadPublished reads the page's name and published definition in one
// round trip, without the draft.
func (s *Service) loadPublished(ctx context.Context, tenantID, pageID int64) (*publishedPage, error) {
	var (
		name    string
		version *int
		raw     []byte
	)
	err := database.Read(ctx, s.db, func(db bun.IDB) error {
		return db.NewRaw(`SELECT p.name, v.version, v.definition FROM pages AS p
		LEFT JOIN page_versions AS v ON v.tenant_id = p.tenant_id AND v.page_id = p.id AND v.version = p.published_version
		WHERE p.id = ? AND p.tenant_id = ?`, pageID, tenantID).Scan(ctx, &name, &version, &raw)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, apperr.NotFoundf("page.not_found")
	case err != nil:
		return nil, err
	case version == nil:
		return nil, apperr.NotFoundf("page.not_published")
	}
	def := new(Definition)
	if err := json.Unmarshal(raw, def); err != nil {
		return nil, fmt.Errorf("page %d version %d: %w", pageID, *version, err)
	}
	return &publishedPage{name: name, version: *version, def: def}, nil
}

// Render builds the model of a definition for a call.
func (s *Service) Render(ctx context.Context, tenantID int64, def *Definition, call Call, opts RenderOptions) (*Model, error) {
	m := &Model{Layout: def.Layout, Columns: def.Columns, Call: call, KeyDisplay: MaskKey(call.CustomerNumber), State: StateOK}
	if def.Source == SourceExternal {
		return s.renderExternal(ctx, tenantID, def, call, opts, m)
	}
	if opts.Placeholder {
		m.State = StatePlaceholder
	}
	callVars := call.vars()
	lk := lookups{s: s, tenantID: tenantID, opts: opts, results: map[lookupKey]*lookupResult{}}
	anyFound, anyKey := false, false
	byObject := map[string]*lookupResult{}
	for _, o := range def.Objects {
		key := ""
		if !opts.Placeholder {
			key = strings.TrimSpace(call.key(o.LookupKey))
		}
		r, err := lk.get(ctx, o.TableID, key)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				continue // a table deleted after publishing: leave the object out
			}
			return nil, err
		}
		if key != "" {
			anyKey = true
		}
		if r.view != nil {
			anyFound = true
		}
		byObject[o.Name] = r
		if om, visible := renderObject(o, r, callVars); visible {
			m.Objects = append(m.Objects, om)
		}
	}
	switch {
	case opts.Placeholder:
	case !anyKey:
		m.State = StateNoKey
	case !anyFound:
		m.State = StateNotFound
	}
	m.Actions = renderActions(def, byObject, callVars)
	return m, nil
}

// lookups are the record lookups of one render: objects over the same table
// and key share one lookup (one round trip: the record and the table's
// version together) and one record map.
type lookups struct {
	s        *Service
	tenantID int64
	opts     RenderOptions
	results  map[lookupKey]*lookupResult
}

type lookupKey struct {
	table int64
	key   string
}

// lookupResult is a table's schema with the record found (view nil when
// none was) and what rules see of it.
type lookupResult struct {
	sc     *tables.Schema
	view   *tables.RecordView
	record map[string]any
}

func (l *lookups) get(ctx context.Context, tableID int64, key string) (*lookupResult, error) {
	lk := lookupKey{tableID, key}
	if r, ok := l.results[lk]; ok {
		return r, nil
	}
	r := &lookupResult{}
	var err error
	switch {
	case l.opts.Placeholder:
		if r.sc, err = l.s.tables.Schema(ctx, l.tenantID, tableID); err == nil {
			r.view = placeholderView(r.sc)
		}
	case key == "":
		r.sc, err = l.s.tables.Schema(ctx, l.tenantID, tableID)
	default:
		var rec *tables.Record
		if r.sc, rec, err = l.s.tables.FindByIndex(ctx, l.tenantID, tableID, key); err == nil && rec != nil {
			v := r.sc.View(rec, l.opts.Reveal)
			r.view = &v
		}
	}
	if err != nil {
		return nil, err
	}
	r.record = recordVars(r.sc, r.view)
	l.results[lk] = r
	return r, nil
}

// renderObject is the model of one object over its lookup; visible is false
// when the object's rule hides it.
func renderObject(o Object, r *lookupResult, callVars map[string]string) (om ObjectModel, visible bool) {
	vars := map[string]any{"record": r.record, "call": callVars}
	if !evalBool(o.Visible, vars, true) {
		return om, false
	}
	om = ObjectModel{Name: o.Name, Found: r.view != nil, Fields: make([]FieldModel, 0, len(o.Fields))}
	for _, of := range o.Fields {
		if !evalBool(of.Visible, vars, true) {
			continue
		}
		if fm, ok := renderField(of, r, vars); ok {
			om.Fields = append(om.Fields, fm)
		}
	}
	return om, true
}

// renderField is the model of one shown field; ok is false for a field
// removed from the table since publishing.
func renderField(of ObjectField, r *lookupResult, vars map[string]any) (fm FieldModel, ok bool) {
	view := r.view
	fm = FieldModel{Label: of.Label}
	if of.FieldID == 0 {
		fm.Computed = true
		fm.Type = tables.TypeString
		if view != nil {
			fm.Value, _ = evalText(of.Computed, vars)
		}
	} else {
		f := r.sc.FieldByID(of.FieldID)
		if f == nil {
			return fm, false
		}
		if fm.Label == "" {
			fm.Label = f.Name
		}
		fm.Type = f.Type
		fm.Length, fm.Mandatory, fm.DictItems = f.Length, f.Mandatory, f.DictItems
		if f.Masked {
			fm.MaskStyle = f.MaskStyle
		}
		if view != nil {
			if fv := view.Field(f.Name); fv != nil {
				fm.Value, fm.Masked, fm.Key = fv.Value, fv.Masked, fv.Key
				fm.MissingMandatory = fv.Empty && fv.Mandatory
			}
		}
	}
	fm.Empty = fm.Value == ""
	if view != nil && of.Highlight != "" && evalBool(of.Highlight, vars, false) {
		fm.Highlight = true
		fm.Badge = of.Badge
	}
	marked := of.Phone != nil && *of.Phone
	if of.Phone == nil && of.FieldID != 0 {
		if f := r.sc.FieldByID(of.FieldID); f != nil && f.IsIndex {
			marked = true
		}
	}
	// Only text can be a phone number: a date (2019-06-18) has the digits
	// and dashes of one, but no agent dials it.
	fm.Phone = marked && fm.Type == tables.TypeString && !fm.Masked && looksLikePhone(fm.Value)
	if fm.Phone && view != nil {
		fm.DialDesc = customerName(view)
		if of.DialDesc != "" {
			fm.DialDesc, _ = evalText(of.DialDesc, vars)
		}
	}
	return fm, true
}

// nameFields are the names a customer's name goes by, in order of
// preference; the dialer shows it by default (seed 001's callOut example
// passes the customer's name as desc).
var nameFields = []string{"姓名", "客户姓名", "客户名称", "名称", "name", "customerName", "Name"}

// customerName is the record's name as shown (masked when masked), or
// the first field whose name contains 姓名.
func customerName(v *tables.RecordView) string {
	for _, n := range nameFields {
		if fv := v.Field(n); fv != nil && fv.Value != "" {
			return fv.Value
		}
	}
	for _, fv := range v.Fields {
		if strings.Contains(fv.Name, "姓名") && fv.Value != "" {
			return fv.Value
		}
	}
	return ""
}

// recordVars is what rules see of a record: names to values, numbers as
// numbers, dictionary values by label, masked values masked (a computed
// field must not be a way around a mask).
func recordVars(sc *tables.Schema, v *tables.RecordView) map[string]any {
	if v == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(v.Fields))
	for _, fv := range v.Fields {
		if fv.Empty {
			continue
		}
		var val any = fv.Value
		if fv.Type == tables.TypeNumber && !fv.Masked {
			if n, err := strconv.ParseFloat(fv.Value, 64); err == nil {
				val = n
			}
		}
		out[fv.Name] = val
		if a, ok := alias(fv.Name); ok {
			out[a] = val
		}
	}
	return out
}

// placeholderView fills a table's fields with sample values.
func placeholderView(sc *tables.Schema) *tables.RecordView {
	r := &tables.Record{Values: map[int64]string{}}
	for _, f := range sc.Fields {
		var v string
		switch f.Type {
		case tables.TypeString:
			v = "示例 " + f.Name
			if f.IsIndex {
				v = "13800138000"
			}
		case tables.TypeNumber:
			v = "1024"
		case tables.TypeDate:
			v = "2024-06-18"
		case tables.TypeTime:
			v = "09:30"
		case tables.TypeDict:
			if len(f.DictItems) > 0 {
				v = f.DictItems[0].Key
			}
		}
		r.Values[f.ID] = v
	}
	view := sc.View(r, false)
	return &view
}

var phoneLike = regexp.MustCompile(`^\+?[0-9][0-9 -]{5,19}$`)

// looksLikePhone: digits with optional separators, 6 to 15 of them (E.164's
// most, after a 00 international prefix), so that ID numbers (18 digits)
// and bank card numbers (16-19) get no dial-out button.
func looksLikePhone(v string) bool {
	if !phoneLike.MatchString(v) {
		return false
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	digits = strings.TrimPrefix(digits, "00")
	return len(digits) >= 6 && len(digits) <= 15
}

// MaskKey shows a customer number the way agents expect: the first three
// and last four digits of a long number (138****1234), else only the last
// four. A phone number is normalised first, so "+86 138-0013-8000" shows
// as 138****8000 rather than as its country code.
func MaskKey(key string) string {
	r := []rune(tables.NormalizeIndex(key))
	if len(r) >= 11 {
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	}
	return tables.Mask(string(r), tables.MaskLastFour)
}

func itoa(n int) string { return strconv.Itoa(n) }

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
