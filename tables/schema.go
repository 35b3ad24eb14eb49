package tables

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// Schema is a table definition ready for use on records: its rules
// compiled. Schemas are cached per table and checked against the table's
// version, so a definition change anywhere takes effect on the next use.
type Schema struct {
	*Table
	rules map[int64]*Rule
	// plainKeys and sealedKeys are the fields stored in the plain and the
	// sealed JSON object, in the order of their keys there.
	plainKeys, sealedKeys []storedKey
}

// NewSchema compiles a table's rules.
func NewSchema(t *Table) *Schema {
	s := &Schema{Table: t, rules: map[int64]*Rule{}}
	for _, f := range t.Fields {
		// Rules were checked when saved; a rule that no longer compiles
		// (say, after an upgrade of CEL) is skipped rather than blocking data.
		if r, msg := CompileRule(f.Rule); msg == nil && r != nil {
			s.rules[f.ID] = r
		}
		k := storedKey{id: f.ID, name: strconv.FormatInt(f.ID, 10)}
		if f.Encrypted {
			s.sealedKeys = append(s.sealedKeys, k)
		} else {
			s.plainKeys = append(s.plainKeys, k)
		}
	}
	byName := func(a, b storedKey) int { return strings.Compare(a.name, b.name) }
	slices.SortFunc(s.plainKeys, byName)
	slices.SortFunc(s.sealedKeys, byName)
	return s
}

// Schema returns the tenant's table ready for records, from cache when its
// version is current.
func (s *Service) Schema(ctx context.Context, tenantID, tableID int64) (*Schema, error) {
	if c, ok := s.schemas.Load(tableID); ok {
		sc := c.(*Schema)
		if sc.TenantID != tenantID {
			return nil, apperr.NotFoundf("table.not_found")
		}
		var version int64
		err := database.Read(ctx, s.db, func(db bun.IDB) error {
			return db.NewSelect().Table("base_tables").Column("version").
				Where("id = ? AND tenant_id = ?", tableID, tenantID).Scan(ctx, &version)
		})
		if err == nil && version == sc.Version {
			return sc, nil
		}
	}
	return s.loadSchema(ctx, tenantID, tableID)
}

func (s *Service) loadSchema(ctx context.Context, tenantID, tableID int64) (*Schema, error) {
	var t *Table
	err := database.Read(ctx, s.db, func(db bun.IDB) (err error) {
		t, err = getTable(ctx, db, tenantID, tableID, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	sc := NewSchema(t)
	s.schemas.Store(tableID, sc)
	return sc, nil
}

// cachedSchema returns the cached schema without checking its version; the
// caller checks the version its own query returns (one round trip on the
// pop path).
func (s *Service) cachedSchema(ctx context.Context, tenantID, tableID int64) (*Schema, error) {
	if c, ok := s.schemas.Load(tableID); ok {
		sc := c.(*Schema)
		if sc.TenantID != tenantID {
			return nil, apperr.NotFoundf("table.not_found")
		}
		return sc, nil
	}
	return s.loadSchema(ctx, tenantID, tableID)
}

// Row is one record's values, validated and in canonical form, keyed by
// field id; Index is the normalised index value.
type Row struct {
	Index  string
	Values map[int64]string
	// Keep lists the masked fields whose cell held a mask (ParseCells):
	// they have no value in Values, and the stored record's value is kept
	// (Service.FillKept).
	Keep []int64
}

// ParseRow validates input keyed by field name (as from a form or a file
// row): mandatory fields, type, length, dictionary (key or label) and the
// field's rule. It returns the row and, if any, one error per field.
// Unknown names are errors too, so a typo cannot silently drop data.
func (s *Schema) ParseRow(in map[string]string) (Row, []apperr.FieldError) {
	var errs []apperr.FieldError
	for name := range in {
		if s.FieldByName(name) == nil {
			errs = append(errs, apperr.NewFieldError(name, "value.unknown_field", name))
		}
	}
	cells := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		cells[i] = in[f.Name]
	}
	return s.parse(cells, errs, false)
}

// ParseCells is ParseRow for one value per field, in the fields' order,
// as the columns of an import file are: a file row needs no map of its
// own, and has no unknown names.
//
// A file may be an export without reveal, so a cell of a masked field
// that is a mask (IsMask) is not taken as a value: in the index it rejects
// the row (value.masked_index: the customer it stands for is unknown), in
// any other field it is listed in Row.Keep, for the writer to keep the
// stored value.
func (s *Schema) ParseCells(cells []string) (Row, []apperr.FieldError) {
	return s.parse(cells, nil, true)
}

// parse validates cells (one per field, in order) after the errors
// already found; keepMasks is ParseCells' handling of masks.
func (s *Schema) parse(cells []string, errs []apperr.FieldError, keepMasks bool) (Row, []apperr.FieldError) {
	row := Row{Values: make(map[int64]string, len(s.Fields))}
	for i, f := range s.Fields {
		v, kept, fe := s.cellValue(f, cells[i], keepMasks)
		switch {
		case fe != nil:
			errs = append(errs, *fe)
		case kept:
			row.Keep = append(row.Keep, f.ID)
		case v != "":
			row.Values[f.ID] = v
			if f.IsIndex {
				row.Index = v
			}
		}
	}
	return row, errs
}

// cellValue validates one cell of field f: its value in canonical form
// ("" for an empty optional cell), or kept when the cell is a mask that
// keeps the stored value (keepMasks, not the index), or why it is refused.
func (s *Schema) cellValue(f *Field, cell string, keepMasks bool) (v string, kept bool, fe *apperr.FieldError) {
	if keepMasks && f.Masked && IsMask(strings.TrimSpace(cell), f.MaskStyle) {
		if f.IsIndex {
			e := apperr.NewFieldError(f.Name, "value.masked_index")
			return "", false, &e
		}
		return "", true, nil
	}
	normalize := f.Normalize
	if f.IsIndex {
		normalize = f.indexValue
	}
	v, msg := normalize(cell)
	if msg != nil {
		return "", false, &apperr.FieldError{Field: f.Name, Message: *msg}
	}
	if v == "" {
		switch {
		case f.IsIndex:
			e := apperr.NewFieldError(f.Name, "value.index_required")
			return "", false, &e
		case f.Mandatory:
			e := apperr.NewFieldError(f.Name, "field.required")
			return "", false, &e
		}
		return "", false, nil
	}
	if r := s.rules[f.ID]; r != nil {
		if msg := r.Check(v); msg != nil {
			return "", false, &apperr.FieldError{Field: f.Name, Message: *msg}
		}
	}
	return v, false, nil
}

// IndexOfCell returns the index value ParseCells would give a row whose
// index field's cell is cell, and false when that cell alone already
// makes the row invalid. A row it accepts may still fail ParseCells on
// another cell, but whenever ParseCells accepts a row, its Index is what
// IndexOfCell returns for the row's index cell. An import's first pass
// uses it to find repeated index values without validating every row
// twice.
func (s *Schema) IndexOfCell(cell string) (string, bool) {
	f := s.IndexField()
	if f == nil {
		return "", false
	}
	v, _, fe := s.cellValue(f, cell, true)
	return v, fe == nil && v != ""
}

// FieldView is one field of a record as a user may see it.
type FieldView struct {
	FieldID   int64     `json:"fieldId"`
	Name      string    `json:"name"`
	Type      FieldType `json:"type"`
	Value     string    `json:"value"`               // what to show: masked, or the dictionary label
	Key       string    `json:"key,omitempty"`       // a dictionary value's stored key
	Masked    bool      `json:"masked"`              // Value hides characters
	Revealed  bool      `json:"revealed,omitempty"`  // maskable, shown in clear by permission
	Empty     bool      `json:"empty"`               // no value
	Mandatory bool      `json:"mandatory"`           // empty but mandatory is shown distinctly
	MaskStyle MaskStyle `json:"maskStyle,omitempty"` // for the contract's maskStyle
}

// RecordView is a record ready to show: values formatted, dictionary keys
// replaced by labels, masked fields masked. It is the only form in which
// record values leave this package for templates and JSON, so masking
// happens here, on the server.
type RecordView struct {
	RecordID int64       `json:"recordId"`
	TableID  int64       `json:"tableId"`
	Fields   []FieldView `json:"fields"`
}

// View builds the view of a record. reveal shows masked values in clear; it
// is for users with the reveal permission, whose reveals are audited by the
// caller (Service.Reveal audits one value at a time).
func (s *Schema) View(r *Record, reveal bool) RecordView {
	v := RecordView{RecordID: r.ID, TableID: s.ID, Fields: make([]FieldView, 0, len(s.Fields))}
	for _, f := range s.Fields {
		raw, ok := r.Values[f.ID]
		fv := FieldView{FieldID: f.ID, Name: f.Name, Type: f.Type, Mandatory: f.Mandatory, Empty: !ok || raw == ""}
		if f.Masked {
			fv.MaskStyle = f.MaskStyle
		}
		switch {
		case fv.Empty:
		case f.Type == TypeDict:
			fv.Key = raw
			fv.Value = f.DictLabel(raw)
			if fv.Value == "" {
				fv.Value = raw
			}
		case f.Masked && !reveal:
			fv.Value = Mask(raw, f.MaskStyle)
			fv.Masked = true
		default:
			fv.Value = raw
			fv.Revealed = f.Masked
		}
		v.Fields = append(v.Fields, fv)
	}
	return v
}

// Field returns the view of the named field, or nil.
func (v *RecordView) Field(name string) *FieldView {
	for i := range v.Fields {
		if v.Fields[i].Name == name {
			return &v.Fields[i]
		}
	}
	return nil
}
