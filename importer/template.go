package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// Column describes one column of a template or export.
type Column struct {
	Name      string   // the header: exactly the field name, so a filled-in template re-imports
	Text      bool     // format the column as text (index, phone-like and string fields) so Excel keeps leading zeros and long digit runs
	Mandatory bool     // marked in XLSX templates by a fill colour and a comment
	Choices   []string // dictionary labels offered in an XLSX drop-down
	// Kind makes an XLSX export write the column's values as Excel's
	// numbers, dates or times, so Excel sums and sorts them; "" (and any
	// value that would not survive it) is written as text.
	Kind string
	// Example is the column's value in a template's example row (its
	// second row), in the form the import reads; a template has that row
	// when any column has an example, and the import skips it unchanged.
	Example string
	// Help describes the column in each template language: an XLSX
	// template's header note and its instructions sheet.
	Help []ColumnHelp
}

// Column kinds of XLSX exports.
const (
	KindNumber = "number"
	KindDate   = "date"
	KindTime   = "time" // HH:MM[:SS], or a date and time
)

// utf8BOM starts every CSV we write: without it Excel on Chinese Windows
// reads UTF-8 as GBK and shows mojibake.
const utf8BOM = "\uFEFF"

// sheetName is the data sheet of templates and exports; choicesSheet holds
// long drop-down lists, hidden.
const (
	sheetName    = "Sheet1"
	choicesSheet = "choices"
)

// maxListFormula is Excel's limit on an inline drop-down list ("a,b,c"),
// counted in UTF-16 units including the separators.
const maxListFormula = 255

// Styles of templates and exports.
const (
	textNumFmt     = 49       // the built-in "@" (text) number format
	mandatoryColor = "FFE699" // a soft amber: visible, still readable in print
)

// WriteCSVTemplate writes a CSV template: a UTF-8 byte order mark, the
// header row and the example row (when the columns have examples), with
// CRLF line endings as Excel on Windows writes them.
// Header cells are neutralised like data cells (a field may be named
// "=HYPERLINK(…)"); the import takes the quote off again (cleanHeaderCell),
// so the names come back unchanged.
func WriteCSVTemplate(w io.Writer, cols []Column) error {
	if len(cols) == 0 {
		return errors.New("importer: a template needs at least one column")
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(neutralizeAll(columnNames(cols))); err != nil {
		return err
	}
	if ex, ok := exampleRow(cols); ok {
		if err := cw.Write(neutralizeAll(ex)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// exampleRow is the template's example row, if any column has an example.
func exampleRow(cols []Column) ([]string, bool) {
	row := make([]string, len(cols))
	has := false
	for i, c := range cols {
		row[i] = c.Example
		has = has || c.Example != ""
	}
	return row, has
}

// neutralizeAll returns the cells passed through NeutralizeFormula.
func neutralizeAll(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = NeutralizeFormula(c)
	}
	return out
}

// WriteXLSXTemplate writes an XLSX template: a bold header row that holds
// exactly the column names (so the filled-in file re-imports; a mandatory
// column is shown by a fill colour and its note, never by changing its
// name), a note on each header cell saying how to fill the column, the
// example row, the header frozen, text format (@) on Text columns so that
// typed phone numbers keep their leading zeros, a drop-down list on
// columns with Choices, and an instructions sheet after the data sheet
// (the import reads the first visible sheet: the data).
//
// Formats and drop-downs are set on whole columns below the header (a column
// style and one validation range), not cell by cell, so the file stays a few
// kilobytes whatever the number of rows. Choices that do not fit Excel's
// 255-character inline list, or that hold a comma or a quote, go to a hidden
// sheet that the drop-down refers to by a defined name.
func WriteXLSXTemplate(w io.Writer, cols []Column) (err error) {
	if len(cols) == 0 {
		return errors.New("importer: a template needs at least one column")
	}
	f := excelize.NewFile()
	defer func() { err = errors.Join(err, f.Close()) }()

	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	mandatory, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{mandatoryColor}},
	})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: textNumFmt})
	if err != nil {
		return err
	}
	hiddenLists := 0
	for i, c := range cols {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		cell := col + "1"
		if err := f.SetColWidth(sheetName, col, col, columnWidth(c.Name)); err != nil {
			return err
		}
		if c.Text {
			if err := f.SetColStyle(sheetName, col, text); err != nil {
				return err
			}
		}
		if err := f.SetCellStr(sheetName, cell, c.Name); err != nil {
			return err
		}
		style := header
		if c.Mandatory {
			style = mandatory
		}
		if note := c.note(); note != "" {
			if err := f.AddComment(sheetName, excelize.Comment{
				Cell: cell, Author: "screenpop", Width: 360, Height: uint(min(60+len(c.Help)*50, 240)),
				Paragraph: []excelize.RichTextRun{{Text: note}},
			}); err != nil {
				return err
			}
		}
		if c.Example != "" {
			if err := f.SetCellStr(sheetName, col+"2", c.Example); err != nil {
				return err
			}
		}
		if err := f.SetCellStyle(sheetName, cell, cell, style); err != nil {
			return err
		}
		if len(c.Choices) > 0 {
			if err := addDropDown(f, col, c.Choices, &hiddenLists); err != nil {
				return fmt.Errorf("importer: drop-down for %q: %w", c.Name, err)
			}
		}
	}
	if err := f.SetPanes(sheetName, headerPanes()); err != nil {
		return err
	}
	if err := addInstructions(f, cols); err != nil {
		return err
	}
	return f.Write(w)
}

// addDropDown offers choices in col below the header; hidden counts the
// lists already on the hidden sheet.
func addDropDown(f *excelize.File, col string, choices []string, hidden *int) error {
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(fmt.Sprintf("%s2:%s%d", col, col, excelize.TotalRows))
	// Excel enters a choice as if it were typed: a label "=HYPERLINK(…)"
	// would become a formula. Quoted, it is entered as text, the label
	// itself, which is what the import expects.
	choices = neutralizeAll(choices)
	// No error message: a dictionary column also accepts the item's key on
	// import, so typing something off the list must stay possible.
	joined := strings.Join(choices, ",")
	if len(utf16.Encode([]rune(joined))) <= maxListFormula && !strings.ContainsAny(joined, `"`) &&
		strings.Count(joined, ",") == len(choices)-1 {
		if err := dv.SetDropList(choices); err != nil {
			return err
		}
		return f.AddDataValidation(sheetName, dv)
	}
	*hidden++
	n := *hidden
	if n == 1 {
		if _, err := f.NewSheet(choicesSheet); err != nil {
			return err
		}
		if err := f.SetSheetVisible(choicesSheet, false); err != nil {
			return err
		}
	}
	listCol, err := excelize.ColumnNumberToName(n)
	if err != nil {
		return err
	}
	for i, s := range choices {
		if err := f.SetCellStr(choicesSheet, listCol+strconv.Itoa(i+1), s); err != nil {
			return err
		}
	}
	name := "choices_" + strconv.Itoa(n)
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name:     name,
		RefersTo: fmt.Sprintf("%s!$%s$1:$%s$%d", choicesSheet, listCol, listCol, len(choices)),
	}); err != nil {
		return err
	}
	dv.SetSqrefDropList(name)
	return f.AddDataValidation(sheetName, dv)
}

// RowWriter writes the rows of an export. Write takes one row of exactly as
// many cells as the header; Close finishes the file (it does not close the
// underlying io.Writer). Nothing is complete before Close returns nil.
type RowWriter interface {
	Write(cells []string) error
	Close() error
}

// NewCSVExport starts a CSV export: a UTF-8 byte order mark, the header
// (neutralised as in WriteCSVTemplate), then rows with every cell passed through
// NeutralizeFormula. Lines end in CRLF, as Excel writes them; a line break
// inside a cell stays the LF it is (encoding/csv's UseCRLF would turn it
// into CRLF, and an export imported again would change the value).
func NewCSVExport(w io.Writer, header []string) (RowWriter, error) {
	if len(header) == 0 {
		return nil, errors.New("importer: an export needs at least one column")
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return nil, err
	}
	e := &csvExport{w: w, width: len(header), buf: make([]string, len(header))}
	e.cw = csv.NewWriter(&e.line)
	if err := e.writeLine(neutralizeAll(header)); err != nil {
		return nil, err
	}
	return e, nil
}

type csvExport struct {
	w      io.Writer
	cw     *csv.Writer  // writes one record into line
	line   bytes.Buffer // one record, ending in \n
	width  int
	buf    []string
	closed bool
}

// writeLine writes one record with a CRLF ending.
func (e *csvExport) writeLine(cells []string) error {
	e.line.Reset()
	if err := e.cw.Write(cells); err != nil {
		return err
	}
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return err
	}
	b := e.line.Bytes()
	b = append(b[:len(b)-1], '\r', '\n')
	_, err := e.w.Write(b)
	return err
}

func (e *csvExport) Write(cells []string) error {
	if e.closed {
		return errors.New("importer: export is closed")
	}
	if len(cells) != e.width {
		return fmt.Errorf("importer: row has %d cells, the header %d", len(cells), e.width)
	}
	for i, s := range cells {
		e.buf[i] = NeutralizeFormula(s)
	}
	return e.writeLine(e.buf)
}

func (e *csvExport) Close() error {
	e.closed = true
	return nil
}

// NewXLSXExport starts an XLSX export through excelize's StreamWriter, which
// spills rows to a temporary file past 16 MB, so an export of any size holds
// little memory. The header is bold and frozen; every cell is written as a
// string cell, so "+8613800138000" and "013800138000" stay text, and text
// cells are never evaluated as formulas (no neutralising needed). Text
// columns also get the text format, so edits in Excel keep them text.
func NewXLSXExport(w io.Writer, cols []Column) (rw RowWriter, err error) {
	if len(cols) == 0 {
		return nil, errors.New("importer: an export needs at least one column")
	}
	f := excelize.NewFile()
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: textNumFmt})
	if err != nil {
		return nil, err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, columnWidth(c.Name)); err != nil {
			return nil, err
		}
		if c.Text {
			if err := sw.SetColStyle(i+1, i+1, text); err != nil {
				return nil, err
			}
		}
		head[i] = excelize.Cell{StyleID: bold, Value: c.Name}
	}
	if err := sw.SetPanes(headerPanes()); err != nil {
		return nil, err
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	return &xlsxExport{w: w, f: f, sw: sw, cols: cols, row: 1, vals: make([]any, len(cols)), styles: map[string]int{}}, nil
}

type xlsxExport struct {
	w      io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	cols   []Column
	row    int
	vals   []any
	styles map[string]int // number format code → style id
	closed bool
}

// style returns the style of a number format code, made once.
func (e *xlsxExport) style(code string) (int, error) {
	if id, ok := e.styles[code]; ok {
		return id, nil
	}
	id, err := e.f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		return 0, err
	}
	e.styles[code] = id
	return id, nil
}

// typedCell writes a value of a number, date or time column as Excel's
// own number with the format that shows it exactly as stored ("62744.60"
// with 0.00, "2024-03-05" with yyyy-mm-dd), so the file imports back to
// the same text. A value that would not (a sign, leading zeros, more than
// 15 digits, a form the column does not canonically hold) stays text.
func (e *xlsxExport) typedCell(kind, s string) (any, error) {
	var code string
	var v float64
	switch kind {
	case KindNumber:
		n, decimals, ok := exactNumber(s)
		if !ok {
			return s, nil
		}
		v, code = n, "0"
		if decimals > 0 {
			code += "." + strings.Repeat("0", decimals)
		}
	case KindDate, KindTime:
		serial, c, ok := excelSerial(s)
		if !ok {
			return s, nil
		}
		v, code = serial, c
	default:
		return s, nil
	}
	id, err := e.style(code)
	if err != nil {
		return nil, err
	}
	return excelize.Cell{StyleID: id, Value: v}, nil
}

// exactNumber parses a stored number that Excel holds exactly and that
// reads back as the same text: no sign but "-", no leading zeros, at most
// 15 significant digits.
func exactNumber(s string) (float64, int, bool) {
	digits := strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	if whole == "" || !isDigits(whole) || (frac != "" && !isDigits(frac)) ||
		(len(whole) > 1 && whole[0] == '0') || strings.HasSuffix(s, ".") {
		return 0, 0, false
	}
	if sig := len(strings.TrimLeft(whole+frac, "0")); sig > 15 {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || (v == 0 && strings.HasPrefix(s, "-")) {
		return 0, 0, false
	}
	return v, len(frac), true
}

// excelSerial converts a stored date (2006-01-02), time (15:04 or
// 15:04:05) or date and time to Excel's serial and the format that shows
// it in the same form.
func excelSerial(s string) (float64, string, bool) {
	layouts := []struct{ layout, code string }{
		{time.DateOnly, "yyyy-mm-dd"},
		{time.DateTime, "yyyy-mm-dd hh:mm:ss"},
		{"15:04:05", "hh:mm:ss"},
		{"15:04", "hh:mm"},
	}
	for _, l := range layouts {
		t, err := time.Parse(l.layout, s)
		if err != nil || t.Format(l.layout) != s {
			continue
		}
		secs := t.Hour()*3600 + t.Minute()*60 + t.Second()
		serial := float64(secs) / 86400
		if l.layout == time.DateOnly || l.layout == time.DateTime {
			days := t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
			if t.Year() < 1900 || days < 61 {
				return 0, "", false // Excel's calendar before March 1900 is not ours
			}
			serial = math.Floor(days) + serial
		}
		return serial, l.code, true
	}
	return 0, "", false
}

func (e *xlsxExport) Write(cells []string) error {
	if e.closed {
		return errors.New("importer: export is closed")
	}
	if len(cells) != len(e.vals) {
		return fmt.Errorf("importer: row has %d cells, the header %d", len(cells), len(e.vals))
	}
	e.row++
	for i, s := range cells {
		switch {
		case s == "":
			e.vals[i] = nil // no cell at all: a smaller file, and Excel's own idea of blank
		case e.cols[i].Kind != "":
			v, err := e.typedCell(e.cols[i].Kind, s)
			if err != nil {
				return err
			}
			e.vals[i] = v
		default:
			e.vals[i] = s // a string is written as an inline string cell
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, e.row)
	if err != nil {
		return err
	}
	return e.sw.SetRow(cell, e.vals)
}

func (e *xlsxExport) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	err := e.sw.Flush()
	if err == nil {
		err = e.f.Write(e.w)
	}
	return errors.Join(err, e.f.Close())
}

func columnNames(cols []Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// headerPanes freezes the header row.
func headerPanes() *excelize.Panes {
	return &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}
}

// columnWidth fits a column to its header, counting East Asian wide
// characters twice as Excel draws them, within sensible bounds.
func columnWidth(name string) float64 {
	n := 0
	for _, r := range name {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return float64(min(max(n+4, 12), 60))
}
