package importer

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var templateCols = []Column{
	{Name: "手机", Text: true, Mandatory: true},
	{Name: "姓名", Mandatory: true},
	{Name: "级别", Choices: []string{"普通", "银卡", "金卡"}},
	{Name: "城市", Choices: longChoices()},
	{Name: "标签", Choices: []string{"a,b", `say "hi"`}},
	{Name: "备注"},
}

// longChoices joins to more than Excel's 255-character inline list.
func longChoices() []string {
	var c []string
	for i := range 60 {
		c = append(c, fmt.Sprintf("城市%02d", i))
	}
	return c
}

func TestXLSXTemplate(t *testing.T) {
	var buf bytes.Buffer
	must(t, WriteXLSXTemplate(&buf, templateCols))
	if buf.Len() > 64<<10 {
		t.Errorf("template is %d bytes", buf.Len())
	}

	// It re-imports: the header is exactly the names, and there are no rows.
	rr, err := openXLSXBytes(t, buf.Bytes(), XLSXLimits{})
	must(t, err)
	if m := CompareHeader(columnNames(templateCols), rr.Header()); m != nil {
		t.Fatal(m)
	}
	if _, _, err := rr.Next(); err != io.EOF {
		t.Fatalf("Next: %v", err)
	}
	must(t, rr.Close())

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer f.Close()
	styleOf := func(cell string) *excelize.Style {
		id, err := f.GetCellStyle(sheetName, cell)
		must(t, err)
		st, err := f.GetStyle(id)
		must(t, err)
		return st
	}
	if st := styleOf("A1"); st.Font == nil || !st.Font.Bold || len(st.Fill.Color) == 0 {
		t.Errorf("mandatory header style %+v", st)
	}
	if st := styleOf("C1"); st.Font == nil || !st.Font.Bold || len(st.Fill.Color) != 0 {
		t.Errorf("header style %+v", st)
	}
	// The text column: a new cell typed anywhere below takes the text format.
	id, err := f.GetColStyle(sheetName, "A")
	must(t, err)
	if st, err := f.GetStyle(id); err != nil || st.NumFmt != textNumFmt {
		t.Errorf("text column style %+v %v", st, err)
	}
	if id, _ := f.GetColStyle(sheetName, "B"); id != 0 {
		t.Errorf("column B has style %d", id)
	}
	comments, err := f.GetComments(sheetName)
	must(t, err)
	if len(comments) != 2 || comments[0].Cell != "A1" || comments[1].Cell != "B1" {
		t.Errorf("comments %+v", comments)
	}

	dvs, err := f.GetDataValidations(sheetName)
	must(t, err)
	formulas := map[string]string{}
	for _, dv := range dvs {
		formulas[dv.Sqref] = dv.Formula1
	}
	if got := formulas["C2:C1048576"]; got != `"普通,银卡,金卡"` {
		t.Errorf("inline list %q", got)
	}
	for col, n := range map[string]int{"D": 1, "E": 2} {
		if got := formulas[col+"2:"+col+"1048576"]; got != fmt.Sprintf("choices_%d", n) {
			t.Errorf("column %s list %q (all: %q)", col, got, formulas)
		}
	}
	if visible, err := f.GetSheetVisible(choicesSheet); err != nil || visible {
		t.Errorf("choices sheet visible=%v %v", visible, err)
	}
	lists, err := f.GetCols(choicesSheet)
	must(t, err)
	if len(lists) != 2 || !slices.Equal(lists[0], longChoices()) || !slices.Equal(trimTrailingBlank(lists[1]), templateCols[4].Choices) {
		t.Errorf("hidden lists %q", lists)
	}
	names := f.GetDefinedName()
	if len(names) != 2 || names[0].RefersTo != "choices!$A$1:$A$60" || names[1].RefersTo != "choices!$B$1:$B$2" {
		t.Errorf("defined names %+v", names)
	}

	// Filled in, it imports.
	must(t, f.SetSheetRow(sheetName, "A2", &[]any{"013800138000", "张三", "金卡", "城市07", "a,b", ""}))
	var filled bytes.Buffer
	must(t, f.Write(&filled))
	rr, err = openXLSXBytes(t, filled.Bytes(), XLSXLimits{})
	must(t, err)
	defer rr.Close()
	rows, errs := readAll(t, rr)
	if len(rows) != 1 || len(errs) != 0 || !slices.Equal(rows[0].Cells, []string{"013800138000", "张三", "金卡", "城市07", "a,b", ""}) {
		t.Fatalf("rows %v errors %v", rows, errs)
	}
}

func TestCSVTemplate(t *testing.T) {
	var buf bytes.Buffer
	cols := append(slices.Clone(templateCols), Column{Name: "a,\"b\""}, Column{Name: "=x"})
	must(t, WriteCSVTemplate(&buf, cols))
	// "=x" is neutralised (issue 13: a field name is data too); the
	// header still re-imports as the names (below).
	if want := "\uFEFF手机,姓名,级别,城市,标签,备注,\"a,\"\"b\"\"\",'=x\r\n"; buf.String() != want {
		t.Fatalf("template %q, want %q", buf.String(), want)
	}
	rr, err := OpenCSV(&buf)
	must(t, err)
	if m := CompareHeader(columnNames(cols), rr.Header()); m != nil {
		t.Fatal(m)
	}
	if _, _, err := rr.Next(); err != io.EOF {
		t.Fatalf("Next: %v", err)
	}
}

func TestTemplatesNeedColumns(t *testing.T) {
	if WriteCSVTemplate(io.Discard, nil) == nil || WriteXLSXTemplate(io.Discard, nil) == nil {
		t.Fatal("templates without columns")
	}
	if _, err := NewCSVExport(io.Discard, nil); err == nil {
		t.Fatal("CSV export without columns")
	}
	if _, err := NewXLSXExport(io.Discard, nil); err == nil {
		t.Fatal("XLSX export without columns")
	}
}

var exportRows = [][]string{
	{"+8613800138000", "张三", "=HYPERLINK(\"http://x\")"},
	{"013800138000", "", "-12.5"},
	{"-1+2", "@SUM(A1)", "多行\r\n文本, \"引号\""},
}

func TestCSVExport(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewCSVExport(&buf, []string{"手机", "姓名", "备注"})
	must(t, err)
	for _, r := range exportRows {
		must(t, w.Write(r))
	}
	if err := w.Write([]string{"short"}); err == nil {
		t.Error("a short row was written")
	}
	must(t, w.Close())
	if err := w.Write(exportRows[0]); err == nil {
		t.Error("written after Close")
	}
	if !strings.HasPrefix(buf.String(), "\uFEFF手机,姓名,备注\r\n") {
		t.Fatalf("export starts %q", buf.String()[:20])
	}
	exported := buf.String()
	// The file holds the cells neutralised (what a spreadsheet opens)...
	raw, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(exported, "\uFEFF"))).ReadAll()
	must(t, err)
	for i, r := range raw[1:] {
		for j, cell := range r {
			// encoding/csv reads a quoted \r\n as \n.
			want := strings.ReplaceAll(NeutralizeFormula(exportRows[i][j]), "\r\n", "\n")
			if cell != want {
				t.Errorf("row %d cell %d: %q, want %q", i, j, cell, want)
			}
		}
	}
	if raw[1][0] != "+8613800138000" || raw[1][2][0] != '\'' || raw[3][1] != "'@SUM(A1)" {
		t.Errorf("neutralising: %v", raw)
	}
	// ...and the importer reads them back as they were (issue 17).
	rr, err := OpenCSV(strings.NewReader(exported))
	must(t, err)
	rows, errs := readAll(t, rr)
	if len(rows) != len(exportRows) || len(errs) != 0 {
		t.Fatalf("rows %v errors %v", rows, errs)
	}
	for i, r := range rows {
		for j, cell := range r.Cells {
			if want := strings.ReplaceAll(exportRows[i][j], "\r\n", "\n"); cell != want {
				t.Errorf("imported row %d cell %d: %q, want %q", i, j, cell, want)
			}
		}
	}
}

func TestXLSXExport(t *testing.T) {
	cols := []Column{{Name: "手机", Text: true}, {Name: "姓名"}, {Name: "备注"}}
	var buf bytes.Buffer
	w, err := NewXLSXExport(&buf, cols)
	must(t, err)
	for _, r := range exportRows {
		must(t, w.Write(r))
	}
	const many = 3_000
	for i := range many {
		must(t, w.Write([]string{fmt.Sprintf("0%010d", i), "姓名很长很长很长很长很长很长很长很长很长很长很长很长很长很长", "x"}))
	}
	must(t, w.Close())

	rr, err := openXLSXBytes(t, buf.Bytes(), XLSXLimits{})
	must(t, err)
	defer rr.Close()
	if !slices.Equal(rr.Header(), columnNames(cols)) {
		t.Fatalf("header %q", rr.Header())
	}
	rows, errs := readAll(t, rr)
	if len(rows) != len(exportRows)+many || len(errs) != 0 {
		t.Fatalf("%d rows, errors %v", len(rows), errs)
	}
	for i, r := range exportRows {
		if !slices.Equal(rows[i].Cells, r) { // no neutralising, nothing lost
			t.Errorf("row %d: %q, want %q", i, rows[i].Cells, r)
		}
	}
	if last := rows[len(rows)-1]; last.Line != len(rows)+1 || last.Cells[0] != fmt.Sprintf("0%010d", many-1) {
		t.Errorf("last row %v", last)
	}

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	must(t, err)
	defer f.Close()
	for _, cell := range []string{"A2", "A3", "C3"} {
		if typ, err := f.GetCellType(sheetName, cell); err != nil || typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v %v, want a string cell", cell, typ, err)
		}
	}
	if id, err := f.GetCellStyle(sheetName, "A2"); err != nil {
		t.Error(err)
	} else if st, _ := f.GetStyle(id); st.NumFmt != textNumFmt {
		t.Errorf("A2 number format %d", st.NumFmt)
	}
}
