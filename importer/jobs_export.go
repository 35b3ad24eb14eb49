package importer

import (
	"context"
	"fmt"
	"io"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

// TemplateColumns describes a table's template: its field names in order;
// the index and string fields (phone numbers, ID numbers, codes) and long
// numbers as text, so Excel keeps leading zeros and every digit; mandatory
// fields (and the index) marked; dictionary labels offered in a drop-down;
// an example value and a description in both languages for each column.
func TemplateColumns(sc *tables.Schema) []Column {
	cols := make([]Column, len(sc.Fields))
	for i, f := range sc.Fields {
		c := Column{Name: f.Name, Mandatory: f.Mandatory || f.IsIndex}
		c.Text = f.IsIndex || f.Type == tables.TypeString || (f.Type == tables.TypeNumber && f.Length > 15)
		// Each value is written as Excel's number only if it survives
		// that (at most 15 digits): a long number stays text in its text
		// column.
		switch {
		case f.IsIndex:
		case f.Type == tables.TypeNumber:
			c.Kind = KindNumber
		case f.Type == tables.TypeDate:
			c.Kind = KindDate
		case f.Type == tables.TypeTime:
			c.Kind = KindTime
		}
		if f.Type == tables.TypeDict {
			for _, it := range f.DictItems {
				c.Choices = append(c.Choices, it.Value)
			}
		}
		c.Example = ExampleValue(f)
		for _, lang := range templateLanguages {
			c.Help = append(c.Help, describeField(f, lang))
		}
		cols[i] = c
	}
	return cols
}

// Template writes the import template of a published table.
func (s *Service) Template(ctx context.Context, w io.Writer, tenantID, tableID int64, format Format) error {
	sc, err := s.importSchema(ctx, tenantID, tableID)
	if err != nil {
		return err
	}
	if format == FormatXLSX {
		return WriteXLSXTemplate(w, TemplateColumns(sc))
	}
	return WriteCSVTemplate(w, TemplateColumns(sc))
}

// exportPage is how many records an export decrypts at a time.
const exportPage = 500

// export writes a table's records as CSV or XLSX, page by page. Values are
// as Schema.View shows them (dictionary labels, which re-import), masked
// unless reveal; CSV cells are neutralised against formulas and XLSX cells
// are text, so +8613… and 0138… stay as they are. It returns the number of
// records written. The header is the template's, so an export re-imports
// (unless masked values are in it). Callers go through PrepareExport, which
// checks and audits a revealed export first.
func (s *Service) export(ctx context.Context, w io.Writer, tenantID, tableID int64, format Format, reveal bool) (int, error) {
	sc, err := s.tables.Schema(ctx, tenantID, tableID)
	if err != nil {
		return 0, err
	}
	if format != FormatCSV && format != FormatXLSX {
		return 0, apperr.Field("format", "import.export_format")
	}
	cols := TemplateColumns(sc)
	var rw RowWriter
	if format == FormatXLSX {
		rw, err = NewXLSXExport(w, cols)
	} else {
		rw, err = NewCSVExport(w, columnNames(cols))
	}
	if err != nil {
		return 0, err
	}
	cells := make([]string, len(cols))
	var after int64
	n := 0
	for {
		_, recs, err := s.tables.ScanRecords(ctx, tenantID, tableID, after, exportPage)
		if err != nil {
			_ = rw.Close()
			return n, fmt.Errorf("export table %d after record %d: %w", tableID, after, err)
		}
		for _, r := range recs {
			v := sc.View(r, reveal)
			for i := range cells {
				cells[i] = ""
				if f := v.Field(cols[i].Name); f != nil && !f.Empty {
					cells[i] = f.Value
				}
			}
			if err := rw.Write(cells); err != nil {
				_ = rw.Close()
				return n, err
			}
			n++
			after = r.ID
		}
		if len(recs) < exportPage {
			break
		}
	}
	return n, rw.Close()
}

// ExportFileName names the download of a table's export: the table's name,
// and for an export without reveal a suffix in lang that says its masked
// values are masked ("客户_已脱敏.csv", "customers_masked.csv"), so the file
// is recognised for what it is when someone imports it again. The name
// passes ValidateFileName when the table's name does.
func ExportFileName(table string, format Format, reveal bool, lang string) string {
	name := table
	if !reveal {
		name += "_" + i18n.T(lang, "imports.masked_suffix")
	}
	return name + "." + string(format)
}

// FileName is the export's download name in lang (see ExportFileName).
func (x *PreparedExport) FileName(lang string) string {
	return ExportFileName(x.TableName, x.req.Format, x.req.Reveal, lang)
}
