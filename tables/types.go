// Package tables is screenpop's base tables (基础表, SPEC §3): tenants' own
// customer tables with typed, masked and encrypted fields, their records, and
// the one lookup every pop makes — find a customer by the index value,
// decrypt, mask. No DDL per tenant table: a table is metadata (base_tables,
// base_fields) and every record is a row of base_records, plain values in
// jsonb and encrypted values in one sealed blob.
package tables

import (
	"time"

	"github.com/uptrace/bun"
)

// FieldType is a field's data type; the codes are those of the
// queryCustomer contract (SPEC §6).
type FieldType int

// The field types.
const (
	TypeString FieldType = 1 // text
	TypeNumber FieldType = 2 // digits with an optional sign and decimal point
	TypeDate   FieldType = 3 // YYYY-MM-DD
	TypeTime   FieldType = 4 // HH:MM[:SS], or a date-time YYYY-MM-DD HH:MM:SS
	TypeDict   FieldType = 5 // one key of the field's dictionary, shown as its label
)

// Valid reports whether t is a known type.
func (t FieldType) Valid() bool { return t >= TypeString && t <= TypeDict }

// Maskable reports whether fields of this type may be masked (SPEC §3:
// string and number only).
func (t FieldType) Maskable() bool { return t == TypeString || t == TypeNumber }

// HasLength reports whether the type takes a length.
func (t FieldType) HasLength() bool { return t == TypeString || t == TypeNumber }

// MaskStyle says which characters a masked value shows.
type MaskStyle int

// The mask styles of SPEC §3.
const (
	MaskNone      MaskStyle = 0
	MaskLastFour  MaskStyle = 1 // 138****1234 → shows the last four
	MaskFirstFour MaskStyle = 2 // shows the first four
)

// DictItem is one dictionary entry: stored as Key, shown as Value.
type DictItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Status is a table's life-cycle state.
type Status string

// Table states: only published tables take data and feed pages.
const (
	Draft     Status = "draft"
	Published Status = "published"
)

// Limits per table (SPEC §3).
const (
	MaxIndexFields     = 1
	MaxOrdinaryFields  = 30 // plain, non-index fields
	MaxEncryptedFields = 20 // encrypted, non-index fields
	MaxStringLength    = 256
	MaxNumberDigits    = 38 // what PostgreSQL's numeric and JavaScript can carry sensibly
	MaxNameLength      = 64
	MaxDictItems       = 500
)

// Field is one column of a base table.
type Field struct {
	bun.BaseModel `bun:"table:base_fields,alias:f"`

	ID        int64      `bun:",pk,autoincrement" json:"id"`
	TenantID  int64      `bun:",notnull" json:"-"`
	TableID   int64      `bun:",notnull" json:"tableId"`
	Name      string     `bun:",notnull" json:"name"`
	Position  int        `bun:",notnull" json:"position"`
	IsIndex   bool       `bun:",notnull" json:"isIndex"`
	Encrypted bool       `bun:",notnull" json:"encrypted"`
	Mandatory bool       `bun:",notnull" json:"mandatory"`
	Type      FieldType  `bun:",notnull" json:"type"`
	Length    int        `bun:",notnull" json:"length"`
	Masked    bool       `bun:",notnull" json:"masked"`
	MaskStyle MaskStyle  `bun:",notnull" json:"maskStyle"`
	DictItems []DictItem `bun:",type:jsonb,notnull" json:"dictItems"`
	Rule      string     `bun:",notnull" json:"rule"`
}

// DictLabel returns the label of a dictionary key, or "" if unknown.
func (f *Field) DictLabel(key string) string {
	for _, it := range f.DictItems {
		if it.Key == key {
			return it.Value
		}
	}
	return ""
}

// Table is a base table with its fields in position order.
type Table struct {
	bun.BaseModel `bun:"table:base_tables,alias:bt"`

	ID          int64     `bun:",pk,autoincrement" json:"id"`
	TenantID    int64     `bun:",notnull" json:"-"`
	Name        string    `bun:",notnull" json:"name"`
	Description string    `bun:",notnull" json:"description"`
	Status      Status    `bun:",notnull" json:"status"`
	Version     int64     `bun:",notnull" json:"version"`
	CreatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updatedAt"`
	Fields      []*Field  `bun:"rel:has-many,join:id=table_id" json:"fields"`
}

// IndexField returns the table's index field, or nil.
func (t *Table) IndexField() *Field {
	for _, f := range t.Fields {
		if f.IsIndex {
			return f
		}
	}
	return nil
}

// FieldByID returns the field with id, or nil.
func (t *Table) FieldByID(id int64) *Field {
	for _, f := range t.Fields {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// FieldByName returns the field named name, or nil.
func (t *Table) FieldByName(name string) *Field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// HasEncrypted reports whether any field is encrypted.
func (t *Table) HasEncrypted() bool {
	for _, f := range t.Fields {
		if f.Encrypted {
			return true
		}
	}
	return false
}
