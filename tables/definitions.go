package tables

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// TableInput is a table's name and description.
type TableInput struct {
	Name        string
	Description string
}

func (in *TableInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	var v apperr.Fields
	switch {
	case in.Name == "":
		v.Add("name", "field.required")
	case utf8.RuneCountInString(in.Name) > MaxNameLength:
		v.Add("name", "field.too_long", MaxNameLength)
	}
	if utf8.RuneCountInString(in.Description) > 512 {
		v.Add("description", "field.too_long", 512)
	}
	return v.Err()
}

func nameTaken(key string) error {
	e := apperr.Field("name", key)
	e.Code = apperr.Conflict
	return e
}

// CreateTable adds a draft table, within the tenant's limit.
func (s *Service) CreateTable(ctx context.Context, tenantID int64, in TableInput) (*Table, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	limit, err := s.limits.MaxTables(ctx)
	if err != nil {
		return nil, err
	}
	t := &Table{TenantID: tenantID, Name: in.Name, Description: in.Description, Status: Draft, Version: 1}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Serialise creators of one tenant so two cannot both pass the limit.
		if err := database.LockTenantScope(ctx, tx, "base_tables", tenantID); err != nil {
			return fmt.Errorf("lock the tables of tenant %d: %w", tenantID, err)
		}
		n, err := tx.NewSelect().Model((*Table)(nil)).Where("tenant_id = ?", tenantID).Count(ctx)
		if err != nil {
			return fmt.Errorf("count the tables of tenant %d: %w", tenantID, err)
		}
		if int(n) >= limit {
			return apperr.New(apperr.Invalid, "table.limit", n)
		}
		_, err = tx.NewInsert().Model(t).Returning("*").Exec(ctx)
		return err
	})
	if database.IsUniqueViolation(err) {
		return nil, nameTaken("table.name_taken")
	}
	if err != nil {
		return nil, fmt.Errorf("create table: %w", err)
	}
	t.Fields = []*Field{}
	return t, nil
}

// TableSummary is a table in a list, with counts.
type TableSummary struct {
	Table       `bun:",extend"`
	FieldCount  int `bun:"field_count" json:"fieldCount"`
	RecordCount int `bun:"record_count" json:"recordCount"`
}

// ListTables returns the tenant's tables by name.
func (s *Service) ListTables(ctx context.Context, tenantID int64) ([]TableSummary, error) {
	var out []TableSummary
	err := s.db.NewSelect().Model(&out).
		ColumnExpr("bt.*").
		ColumnExpr("(SELECT count(*) FROM base_fields f WHERE f.table_id = bt.id) AS field_count").
		ColumnExpr("(SELECT coalesce(sum(c.delta), 0) FROM base_record_counts c WHERE c.table_id = bt.id) AS record_count").
		Where("bt.tenant_id = ?", tenantID).Order("bt.name").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the tables of tenant %d: %w", tenantID, err)
	}
	return out, nil
}

// GetTable returns a table of the tenant with its fields in order; another
// tenant's table is not found.
func (s *Service) GetTable(ctx context.Context, tenantID, id int64) (*Table, error) {
	return getTable(ctx, s.db, tenantID, id, false)
}

func getTable(ctx context.Context, db bun.IDB, tenantID, id int64, lock bool) (*Table, error) {
	t := new(Table)
	q := db.NewSelect().Model(t).Where("bt.id = ? AND bt.tenant_id = ?", id, tenantID)
	if lock {
		q = q.For("UPDATE OF bt")
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.NotFoundf("table.not_found")
		}
		return nil, fmt.Errorf("get table %d: %w", id, err)
	}
	if err := db.NewSelect().Model(&t.Fields).Where("table_id = ? AND tenant_id = ?", id, tenantID).
		Order("position", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("get the fields of table %d: %w", id, err)
	}
	if t.Fields == nil {
		t.Fields = []*Field{}
	}
	return t, nil
}

// UpdateTable renames a table or changes its description.
func (s *Service) UpdateTable(ctx context.Context, tenantID, id int64, in TableInput) (*Table, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Table
	err := s.edit(ctx, tenantID, id, func(ctx context.Context, tx bun.Tx, t *Table, _ bool) error {
		t.Name, t.Description = in.Name, in.Description
		_, err := tx.NewUpdate().Model(t).Column("name", "description").WherePK().Exec(ctx)
		out = t
		return err
	})
	if database.IsUniqueViolation(err) {
		return nil, nameTaken("table.name_taken")
	}
	return out, err
}

// DeleteTable removes a table, its fields and all its records.
func (s *Service) DeleteTable(ctx context.Context, tenantID, id int64) error {
	res, err := s.db.NewDelete().Model((*Table)(nil)).Where("id = ? AND tenant_id = ?", id, tenantID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete table %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("table.not_found")
	}
	s.schemas.Delete(id)
	return nil
}

// Publish makes a draft table take data and feed pages. It needs an index
// field: pops look customers up by it.
func (s *Service) Publish(ctx context.Context, tenantID, id int64) (*Table, error) {
	var out *Table
	err := s.edit(ctx, tenantID, id, func(ctx context.Context, tx bun.Tx, t *Table, _ bool) error {
		switch {
		case len(t.Fields) == 0:
			return apperr.New(apperr.Invalid, "table.needs_fields")
		case t.IndexField() == nil:
			return apperr.New(apperr.Invalid, "table.needs_index")
		}
		t.Status = Published
		_, err := tx.NewUpdate().Model(t).Column("status").WherePK().Exec(ctx)
		out = t
		return err
	})
	return out, err
}

// edit runs fn on a locked table inside a transaction and bumps its
// version, so cached schemas everywhere notice the change.
func (s *Service) edit(ctx context.Context, tenantID, id int64, fn func(ctx context.Context, tx bun.Tx, t *Table, hasRows bool) error) error {
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, err := getTable(ctx, tx, tenantID, id, true)
		if err != nil {
			return err
		}
		hasRows, err := tx.NewSelect().Table("base_records").Where("tenant_id = ? AND table_id = ?", tenantID, id).Limit(1).Exists(ctx)
		if err != nil {
			return fmt.Errorf("look for records of table %d: %w", id, err)
		}
		if err := fn(ctx, tx, t, hasRows); err != nil {
			return err
		}
		t.Version++
		t.UpdatedAt = time.Now()
		if _, err = tx.NewUpdate().Model(t).Column("version", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("bump the version of table %d: %w", id, err)
		}
		return nil
	})
	if err == nil {
		s.schemas.Delete(id)
	}
	return err
}

// FieldInput describes a field to add or the new state of one to change.
type FieldInput struct {
	Name      string     `json:"name"`
	Type      FieldType  `json:"type" doc:"1 string, 2 number, 3 date, 4 time, 5 dictionary"`
	IsIndex   bool       `json:"isIndex,omitempty" doc:"The lookup key; at most one per table"`
	Encrypted bool       `json:"encrypted,omitempty"`
	Mandatory bool       `json:"mandatory,omitempty"`
	Length    int        `json:"length,omitempty" doc:"String: 1-256 characters; number: 1-38 digits; 0 = the maximum"`
	Masked    bool       `json:"masked,omitempty"`
	MaskStyle MaskStyle  `json:"maskStyle,omitempty" doc:"1 shows the last four characters, 2 the first four"`
	DictItems []DictItem `json:"dictItems,omitempty" doc:"Dictionary fields only"`
	Rule      string     `json:"rule,omitempty" doc:"Optional CEL rule over value (text), e.g. size(value) == 11"`
}

// defaultNumberDigits is a number field's length when none is given.
const defaultNumberDigits = 20

// validateField checks in for table t. old is the field being changed (nil
// for a new one); hasRows says whether the table holds records, in which
// case changes that would break stored values are refused with the reason.
func validateField(in *FieldInput, t *Table, old *Field, hasRows bool) error {
	in.Name = strings.TrimSpace(in.Name)
	in.Rule = strings.TrimSpace(in.Rule)
	var v apperr.Fields
	validateFieldName(in, t, old, &v)
	validateFieldType(in, &v)
	validateDict(in, &v)
	validateFieldCounts(in, t, old, &v)
	if _, msg := CompileRule(in.Rule); msg != nil {
		v.Add("rule", msg.Key, msg.Args...)
	}
	if hasRows {
		validateFieldChange(in, old, &v)
	}
	return v.Err()
}

// validateFieldName checks the name: present, short enough, not another
// field's.
func validateFieldName(in *FieldInput, t *Table, old *Field, v *apperr.Fields) {
	switch {
	case in.Name == "":
		v.Add("name", "field.required")
	case utf8.RuneCountInString(in.Name) > MaxNameLength:
		v.Add("name", "field.too_long", MaxNameLength)
	default:
		if other := t.FieldByName(in.Name); other != nil && (old == nil || other.ID != old.ID) {
			v.Add("name", "field.name_taken")
		}
	}
}

// validateFieldType checks the type, its length (defaulting it) and the
// mask style.
func validateFieldType(in *FieldInput, v *apperr.Fields) {
	if !in.Type.Valid() {
		v.Add("type", "field.type")
	}
	switch {
	case in.Type == TypeString && in.Length == 0:
		in.Length = MaxStringLength
	case in.Type == TypeNumber && in.Length == 0:
		in.Length = defaultNumberDigits
	case in.Type == TypeString && (in.Length < 1 || in.Length > MaxStringLength):
		v.Add("length", "field.length_string", MaxStringLength)
	case in.Type == TypeNumber && (in.Length < 1 || in.Length > MaxNumberDigits):
		v.Add("length", "field.length_number", MaxNumberDigits)
	case in.Type.Valid() && !in.Type.HasLength() && in.Length != 0:
		v.Add("length", "field.no_length")
	}

	if in.Masked {
		if in.Type.Valid() && !in.Type.Maskable() {
			v.Add("masked", "field.mask_type")
		}
		if in.MaskStyle != MaskLastFour && in.MaskStyle != MaskFirstFour {
			v.Add("maskStyle", "field.mask_style")
		}
	} else {
		in.MaskStyle = MaskNone
	}
}

// validateFieldCounts checks the table's limits: one index, and at most
// MaxEncryptedFields encrypted and MaxOrdinaryFields ordinary fields
// besides it.
func validateFieldCounts(in *FieldInput, t *Table, old *Field, v *apperr.Fields) {
	if in.IsIndex {
		in.Mandatory = true // the lookup key cannot be empty
		if idx := t.IndexField(); idx != nil && (old == nil || idx.ID != old.ID) {
			v.Add("isIndex", "field.limit_index")
		}
		return
	}
	ordinary, encrypted := 0, 0
	for _, f := range t.Fields {
		if f.IsIndex || (old != nil && f.ID == old.ID) {
			continue
		}
		if f.Encrypted {
			encrypted++
		} else {
			ordinary++
		}
	}
	if in.Encrypted && encrypted >= MaxEncryptedFields {
		v.Add("encrypted", "field.limit_encrypted", MaxEncryptedFields)
	}
	if !in.Encrypted && ordinary >= MaxOrdinaryFields {
		v.Add("name", "field.limit_ordinary", MaxOrdinaryFields)
	}
}

// validateFieldChange refuses, on a table holding records, what would break
// the stored values: a new index, or changing an existing field's type,
// encryption or index, shortening it or dropping dictionary keys.
func validateFieldChange(in *FieldInput, old *Field, v *apperr.Fields) {
	if old == nil {
		if in.IsIndex {
			v.Add("isIndex", "field.change_index")
		}
		return
	}
	if in.Type != old.Type {
		v.Add("type", "field.change_type")
	}
	if in.Encrypted != old.Encrypted {
		v.Add("encrypted", "field.change_encryption")
	}
	if in.IsIndex != old.IsIndex {
		v.Add("isIndex", "field.change_index")
	}
	if in.Type == old.Type && old.Type.HasLength() && in.Length < old.Length {
		v.Add("length", "field.lower_length", old.Length)
	}
	if in.Type == TypeDict && old.Type == TypeDict {
		var missing []string
		for _, it := range old.DictItems {
			if !slices.ContainsFunc(in.DictItems, func(n DictItem) bool { return n.Key == it.Key }) {
				missing = append(missing, it.Key)
			}
		}
		if len(missing) > 0 {
			v.Add("dictItems", "field.remove_dict", strings.Join(missing, ", "))
		}
	}
}

func validateDict(in *FieldInput, v *apperr.Fields) {
	if in.Type != TypeDict {
		if len(in.DictItems) > 0 {
			v.Add("dictItems", "field.dict_type")
		}
		in.DictItems = []DictItem{}
		return
	}
	items := make([]DictItem, 0, len(in.DictItems))
	seen := map[string]bool{}
	for i, it := range in.DictItems {
		it.Key, it.Value = strings.TrimSpace(it.Key), strings.TrimSpace(it.Value)
		if it.Key == "" && it.Value == "" {
			continue // an empty row of the form
		}
		if it.Key == "" || it.Value == "" {
			v.Add("dictItems", "field.dict_key", i+1)
			continue
		}
		if seen[it.Key] {
			v.Add("dictItems", "field.dict_duplicate", it.Key)
			continue
		}
		seen[it.Key] = true
		items = append(items, it)
	}
	switch {
	case len(items) == 0 && !v.Has("dictItems"):
		v.Add("dictItems", "field.dict_empty")
	case len(items) > MaxDictItems:
		v.Add("dictItems", "field.dict_too_many", MaxDictItems)
	}
	in.DictItems = items
}

func (in *FieldInput) apply(f *Field) {
	f.Name, f.IsIndex, f.Encrypted, f.Mandatory = in.Name, in.IsIndex, in.Encrypted, in.Mandatory
	f.Type, f.Length, f.Masked, f.MaskStyle = in.Type, in.Length, in.Masked, in.MaskStyle
	f.DictItems, f.Rule = in.DictItems, in.Rule
}

// AddField adds a field at the end of the table.
func (s *Service) AddField(ctx context.Context, tenantID, tableID int64, in FieldInput) (*Field, error) {
	var out *Field
	err := s.edit(ctx, tenantID, tableID, func(ctx context.Context, tx bun.Tx, t *Table, hasRows bool) error {
		if err := validateField(&in, t, nil, hasRows); err != nil {
			return err
		}
		// After the last field: deletes leave gaps, so len(t.Fields)+1
		// could land before a field that kept a higher position.
		pos := 0
		for _, other := range t.Fields {
			pos = max(pos, other.Position)
		}
		f := &Field{TenantID: tenantID, TableID: tableID, Position: pos + 1}
		in.apply(f)
		if _, err := tx.NewInsert().Model(f).Returning("*").Exec(ctx); err != nil {
			return err
		}
		out = f
		return nil
	})
	if database.IsUniqueViolation(err) {
		return nil, nameTaken("field.name_taken")
	}
	return out, err
}

// UpdateField changes a field within what stored data allows.
func (s *Service) UpdateField(ctx context.Context, tenantID, tableID, fieldID int64, in FieldInput) (*Field, error) {
	var out *Field
	err := s.edit(ctx, tenantID, tableID, func(ctx context.Context, tx bun.Tx, t *Table, hasRows bool) error {
		old := t.FieldByID(fieldID)
		if old == nil {
			return apperr.NotFoundf("field.not_found")
		}
		if err := validateField(&in, t, old, hasRows); err != nil {
			return err
		}
		f := *old
		in.apply(&f)
		if _, err := tx.NewUpdate().Model(&f).ExcludeColumn("id", "tenant_id", "table_id", "position").WherePK().Exec(ctx); err != nil {
			return err
		}
		out = &f
		return nil
	})
	if database.IsUniqueViolation(err) {
		return nil, nameTaken("field.name_taken")
	}
	return out, err
}

// DeleteField removes a field. Its values stay in stored rows, unread,
// until the row is next written; the index field cannot go while rows exist.
func (s *Service) DeleteField(ctx context.Context, tenantID, tableID, fieldID int64) error {
	return s.edit(ctx, tenantID, tableID, func(ctx context.Context, tx bun.Tx, t *Table, hasRows bool) error {
		f := t.FieldByID(fieldID)
		if f == nil {
			return apperr.NotFoundf("field.not_found")
		}
		if f.IsIndex && hasRows {
			return apperr.Field("isIndex", "field.remove_index")
		}
		_, err := tx.NewDelete().Model(f).WherePK().Exec(ctx)
		return err
	})
}

// ReorderFields sets the order of the fields; ids must list each field once.
func (s *Service) ReorderFields(ctx context.Context, tenantID, tableID int64, ids []int64) error {
	return s.edit(ctx, tenantID, tableID, func(ctx context.Context, tx bun.Tx, t *Table, _ bool) error {
		if len(ids) != len(t.Fields) {
			return apperr.Field("order", "field.order")
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if t.FieldByID(id) == nil || seen[id] {
				return apperr.Field("order", "field.order")
			}
			seen[id] = true
		}
		for pos, id := range ids {
			if _, err := tx.NewUpdate().Model((*Field)(nil)).Set("position = ?", pos+1).
				Where("id = ? AND table_id = ?", id, tableID).Exec(ctx); err != nil {
				return fmt.Errorf("reorder: %w", err)
			}
		}
		return nil
	})
}
