package importer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Field names and dictionary labels are data too: a field named
// "=HYPERLINK(…)" is quoted in the CSV template and export header (and the
// import takes the quote off again), and a dictionary label starting with
// "=" is quoted in the XLSX template's drop-down list, so Excel enters it
// as text, not as a formula.
func TestFieldNamesAndLabelsNeutralised(t *testing.T) {
	const evil = `=HYPERLINK("https://evil.example","x")`
	cols := []Column{{Name: evil}, {Name: "等级", Choices: []string{"=1+1", "普通"}}, {Name: "+86"}}

	var tmpl bytes.Buffer
	if err := WriteCSVTemplate(&tmpl, cols); err != nil {
		t.Fatal(err)
	}
	var exp bytes.Buffer
	rw, err := NewCSVExport(&exp, columnNames(cols))
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"template": tmpl.String(), "export": exp.String()} {
		first := strings.SplitN(strings.TrimPrefix(out, utf8BOM), "\r\n", 2)[0]
		if strings.HasPrefix(first, "=") || strings.HasPrefix(first, `"=`) || !strings.Contains(first, `'=HYPERLINK`) {
			t.Errorf("%s header %q starts a formula", name, first)
		}
		// The header comes back as the field names.
		got, err := readCSVHeader(t, out)
		if err != nil {
			t.Fatal(err)
		}
		if m := CompareHeader(columnNames(cols), got); m != nil {
			t.Errorf("%s header does not re-import: %v", name, m)
		}
	}

	var x bytes.Buffer
	if err := WriteXLSXTemplate(&x, cols); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	dvs, err := f.GetDataValidations(sheetName)
	if err != nil || len(dvs) != 1 {
		t.Fatalf("validations %v %v", dvs, err)
	}
	if list := dvs[0].Formula1; strings.Contains(list, `"=1+1`) || strings.Contains(list, `,=1+1`) || !strings.Contains(list, "'=1+1") {
		t.Errorf("drop-down list %q offers a formula", list)
	}
}

func readCSVHeader(t *testing.T, data string) ([]string, error) {
	t.Helper()
	first := strings.SplitN(data, "\r\n", 2)[0]
	var cells []string
	for _, c := range splitCSVLine(first) {
		cells = append(cells, cleanHeaderCell(c))
	}
	return cells, nil
}

// splitCSVLine splits one CSV line with quoted cells.
func splitCSVLine(line string) []string {
	var cells []string
	var b strings.Builder
	quoted := false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == '"' && quoted && i+1 < len(line) && line[i+1] == '"':
			b.WriteByte('"')
			i++
		case ch == '"':
			quoted = !quoted
		case ch == ',' && !quoted:
			cells = append(cells, b.String())
			b.Reset()
		default:
			b.WriteByte(ch)
		}
	}
	return append(cells, b.String())
}
