package importer

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"
)

// row is one row read back, with its line number.
type row struct {
	Line  int
	Cells []string
}

// readAll reads every row of rr, collecting row errors by line; it fails the
// test on a fatal error.
func readAll(t testing.TB, rr RowReader) (rows []row, rowErrs map[int]*RowError) {
	t.Helper()
	rowErrs = map[int]*RowError{}
	for {
		line, cells, err := rr.Next()
		if err == io.EOF {
			return rows, rowErrs
		}
		var re *RowError
		if errors.As(err, &re) {
			rowErrs[line] = re
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row{line, cells})
	}
}

// buildXLSX makes a workbook with fill and returns its bytes.
func buildXLSX(t testing.TB, fill func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	fill(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openXLSXBytes(t testing.TB, b []byte, lim XLSXLimits) (RowReader, error) {
	t.Helper()
	return OpenXLSX(bytes.NewReader(b), int64(len(b)), lim)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := CodeOf(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}
