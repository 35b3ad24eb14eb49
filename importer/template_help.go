package importer

import (
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

// ColumnHelp tells whoever fills an import template how to write one
// column, in one language: the XLSX template's header notes and
// instructions sheet, and the import page, all say the same.
type ColumnHelp struct {
	Name     string
	Type     string // the field's type, in words
	Required string // required or optional (the index says it is the key)
	Format   string // how a value is written
	// Choices are a dictionary's labels, the values the column takes.
	Choices []string
	Example string // the value of the template's example row
	// Protection says the column is stored encrypted and/or shown masked;
	// "" when neither.
	Protection string
	Mandatory  bool
}

// exampleDate and exampleTime are the example row's date and time: the
// canonical forms the import reads and an export writes.
const (
	exampleDate  = "2024-03-05"
	exampleTime  = "09:30"
	examplePhone = "13800138000"
)

// ExampleValue is a field's value in the template's example row: a value
// in the form the import reads (a date as 2024-03-05, a dictionary's first
// label, a mobile number for the index or a phone-like field, an ID
// number for an ID field), within the field's length.
func ExampleValue(f *tables.Field) string {
	switch f.Type {
	case tables.TypeDict:
		if len(f.DictItems) == 0 {
			return ""
		}
		return f.DictItems[0].Value
	case tables.TypeDate:
		return exampleDate
	case tables.TypeTime:
		return exampleTime
	case tables.TypeNumber:
		return cut("100", f.Length)
	}
	switch {
	case f.IsIndex || phoneLike(f.Name):
		return cut(examplePhone, f.Length)
	case idLike(f.Name):
		return cut("110101199003071234", f.Length)
	case nameLike(f.Name):
		return cut("张三", f.Length)
	}
	return cut("示例", f.Length)
}

// cut keeps at most n characters of s (n ≤ 0: all).
func cut(s string, n int) string {
	if rs := []rune(s); n > 0 && len(rs) > n {
		return string(rs[:n])
	}
	return s
}

func phoneLike(name string) bool {
	return containsAny(strings.ToLower(name), "手机", "电话", "号码", "phone", "mobile", "tel")
}

func idLike(name string) bool {
	return containsAny(strings.ToLower(name), "证件", "身份证", "id card", "id number")
}

func nameLike(name string) bool {
	return containsAny(strings.ToLower(name), "姓名", "名字", "联系人", "name")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// DescribeColumns describes each column of a table's template in lang.
func DescribeColumns(sc *tables.Schema, lang string) []ColumnHelp {
	out := make([]ColumnHelp, len(sc.Fields))
	for i, f := range sc.Fields {
		out[i] = describeField(f, lang)
	}
	return out
}

func describeField(f *tables.Field, lang string) ColumnHelp {
	h := ColumnHelp{Name: f.Name, Example: ExampleValue(f), Mandatory: f.Mandatory || f.IsIndex,
		Type: i18n.T(lang, "template.type."+strconv.Itoa(int(f.Type)))}
	switch {
	case f.IsIndex:
		h.Required = i18n.T(lang, "template.index")
	case f.Mandatory:
		h.Required = i18n.T(lang, "template.required")
	default:
		h.Required = i18n.T(lang, "template.optional")
	}
	switch f.Type {
	case tables.TypeString:
		h.Format = i18n.T(lang, "template.format.string")
		if f.Length > 0 {
			h.Format = i18n.T(lang, "template.format.string_max", f.Length)
		}
		if f.IsIndex || phoneLike(f.Name) {
			h.Format += " " + i18n.T(lang, "template.format.phone")
		}
	case tables.TypeNumber:
		h.Format = i18n.T(lang, "template.format.number")
		if f.Length > 0 {
			h.Format = i18n.T(lang, "template.format.number_max", f.Length)
		}
	case tables.TypeDate:
		h.Format = i18n.T(lang, "template.format.date", exampleDate)
	case tables.TypeTime:
		h.Format = i18n.T(lang, "template.format.time", exampleTime)
	case tables.TypeDict:
		h.Format = i18n.T(lang, "template.format.dict")
		for _, it := range f.DictItems {
			h.Choices = append(h.Choices, it.Value)
		}
	}
	switch {
	case f.Encrypted && f.Masked:
		h.Protection = i18n.T(lang, "template.encrypted_masked")
	case f.Encrypted:
		h.Protection = i18n.T(lang, "template.encrypted")
	case f.Masked:
		h.Protection = i18n.T(lang, "template.masked")
	}
	return h
}

// templateLanguages are the languages of a template's notes: a file is
// passed around, so it speaks both, Chinese first.
var templateLanguages = []string{i18n.Chinese, i18n.English}

// maxNoteChoices is how many dictionary labels a header note lists (the
// instructions sheet lists them all).
const maxNoteChoices = 20

// note is a column's header note in an XLSX template: required or not,
// then its format (which names the type) in each language.
func (c Column) note() string {
	if len(c.Help) == 0 {
		if c.Mandatory {
			return "必填 / Required"
		}
		return ""
	}
	var b strings.Builder
	for i, h := range c.Help {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(h.Required + " · " + h.Format)
		if len(h.Choices) > 0 {
			b.WriteString(" " + strings.Join(h.Choices[:min(len(h.Choices), maxNoteChoices)], ", "))
			if len(h.Choices) > maxNoteChoices {
				b.WriteString(", …")
			}
		}
		if h.Protection != "" {
			b.WriteString(" (" + h.Protection + ")")
		}
	}
	return b.String()
}

// instructionsSheet lists the columns of an XLSX template with their
// format. Excel refuses "/" in a sheet name.
const instructionsSheet = "填写说明 (Instructions)"

// addInstructions adds the instructions sheet: one row a column, each cell
// in both languages, then how the example row is treated. Columns without
// Help (tests' plain templates) add no sheet.
func addInstructions(f *excelize.File, cols []Column) error {
	if len(cols) == 0 || len(cols[0].Help) == 0 {
		return nil
	}
	if _, err := f.NewSheet(instructionsSheet); err != nil {
		return err
	}
	heads := [][2]string{{"列名", "Column"}, {"类型", "Type"}, {"是否必填", "Required"}, {"格式", "Format"},
		{"可选值", "Allowed values"}, {"示例", "Example"}, {"加密 / 脱敏", "Encrypted / masked"}}
	row := make([]any, len(heads))
	for i, h := range heads {
		row[i] = h[0] + " / " + h[1]
	}
	if err := f.SetSheetRow(instructionsSheet, "A1", &row); err != nil {
		return err
	}
	for i, c := range cols {
		both := func(pick func(ColumnHelp) string) string {
			var parts []string
			for _, h := range c.Help {
				if v := pick(h); v != "" && !slices.Contains(parts, v) {
					parts = append(parts, v)
				}
			}
			return strings.Join(parts, "\n")
		}
		row := []any{c.Name,
			both(func(h ColumnHelp) string { return h.Type }),
			both(func(h ColumnHelp) string { return h.Required }),
			both(func(h ColumnHelp) string { return h.Format }),
			strings.Join(c.Help[0].Choices, "\n"),
			c.Example,
			both(func(h ColumnHelp) string { return h.Protection }),
		}
		// Strings, never formulas: names and labels are the tenant's own.
		for j, v := range row {
			cell, err := excelize.CoordinatesToCellName(j+1, i+2)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(instructionsSheet, cell, v.(string)); err != nil {
				return err
			}
		}
	}
	note := []string{}
	for _, lang := range templateLanguages {
		note = append(note, i18n.T(lang, "template.example_note"))
	}
	cell, err := excelize.CoordinatesToCellName(1, len(cols)+3)
	if err != nil {
		return err
	}
	if err := f.SetCellStr(instructionsSheet, cell, strings.Join(note, "\n")); err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(len(heads), len(cols)+3)
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(instructionsSheet, "A1", last, wrap); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	lastHead, _ := excelize.CoordinatesToCellName(len(heads), 1)
	if err := f.SetCellStyle(instructionsSheet, "A1", lastHead, bold); err != nil {
		return err
	}
	for i, w := range []float64{16, 12, 14, 48, 20, 16, 16} {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(instructionsSheet, col, col, w); err != nil {
			return err
		}
	}
	return nil
}
