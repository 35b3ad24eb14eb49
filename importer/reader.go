package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// RowReader streams the rows of an import file, CSV or XLSX alike.
//
// Header is read when the reader is opened. Next returns the data rows that
// follow it, one at a time, skipping rows whose cells are all blank:
//
//   - line is the 1-based number of the line (CSV) or row (XLSX) where the row
//     starts, as a person finds it in a text editor or in Excel; the header is
//     line 1 unless blank lines come before it.
//   - cells has exactly len(Header()) entries: missing trailing cells are ""
//     and blank cells beyond the header's width are dropped. The slice is the
//     caller's to keep.
//   - err is io.EOF after the last row. A *RowError rejects just this row
//     (cells then holds what was read, possibly wider than the header) and
//     the next call goes on; any other error is fatal and is returned again
//     by every later call.
//
// Close releases what the reader holds (for XLSX, temporary files); it does
// not close the io.Reader the CSV was read from.
type RowReader interface {
	Header() []string
	Next() (line int, cells []string, err error)
	Close() error
}

// OpenCSV starts reading a CSV file from r: it detects the encoding (see
// NewDecodingReader), the separator (a comma, or a tab when the first line
// holds tabs and no comma, as Excel's "Unicode Text" UTF-16 export does), and
// reads the header row.
//
// Parsing is forgiving the way Excel is: quotes may appear inside unquoted
// cells (LazyQuotes) and rows may have any number of cells. The returned
// reader also has an Encoding() Encoding method.
//
// It fails with a *FileError of CodeEmpty when there is no header row.
// When r is an io.Seeker the reader also has Rewind() error, back to the
// first data row.
func OpenCSV(r io.Reader) (RowReader, error) {
	c := &csvReader{src: r}
	if err := c.start(); err != nil {
		return nil, err
	}
	return c, nil
}

// start reads the file from its current position up to the header.
func (c *csvReader) start() error {
	dr, err := newDecodingReader(c.src)
	if err != nil {
		return fmt.Errorf("importer: reading CSV: %w", err)
	}
	text := bufio.NewReaderSize(dr, sniffSize)
	cr := csv.NewReader(text) // reuses text: it is a *bufio.Reader big enough
	cr.Comma = sniffSeparator(text)
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	c.cr, c.dec, c.err = cr, dr, nil
	return c.readHeader()
}

// Rewind goes back to the first data row, for a second pass.
func (c *csvReader) Rewind() error {
	sk, ok := c.src.(io.Seeker)
	if !ok {
		return errors.New("importer: the CSV source cannot go back")
	}
	if _, err := sk.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return c.start()
}

// sniffSeparator returns '\t' when the first line read ahead holds a tab and
// no comma, and ',' otherwise.
func sniffSeparator(br *bufio.Reader) rune {
	head, _ := br.Peek(sniffSize)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.IndexByte(head, '\t') >= 0 && bytes.IndexByte(head, ',') < 0 {
		return '\t'
	}
	return ','
}

type csvReader struct {
	src    io.Reader
	cr     *csv.Reader
	dec    *DecodingReader
	header []string
	err    error // sticky fatal error
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Close() error { return nil }

// Encoding reports the detected encoding of the file.
func (c *csvReader) Encoding() Encoding { return c.dec.Encoding() }

func (c *csvReader) readHeader() error {
	for {
		_, rec, err := c.read()
		if err == io.EOF {
			return &FileError{Code: CodeEmpty, Detail: "the file has no header row"}
		}
		if err != nil {
			return err
		}
		if blankRow(rec) {
			continue
		}
		h := make([]string, len(rec))
		for i, s := range rec {
			h[i] = cleanHeaderCell(s)
		}
		c.header = trimTrailingBlank(h)
		return nil
	}
}

// read returns the next record and the line it starts on; a parse error is a
// *RowError, a failure of the underlying reader is fatal.
func (c *csvReader) read() (int, []string, error) {
	if c.err != nil {
		return 0, nil, c.err
	}
	rec, err := c.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// LazyQuotes leaves few of these; the reader recovers at the next line.
			return pe.StartLine, nil, &RowError{Line: pe.StartLine, Code: CodeMalformedRow, Detail: pe.Err.Error()}
		}
		if err != io.EOF {
			err = fmt.Errorf("importer: reading CSV: %w", err)
		}
		c.err = err
		return 0, nil, err
	}
	line, _ := c.cr.FieldPos(0)
	if n := len(rec); n > 0 {
		// encoding/csv drops the \r of a \r\n ending, but not a stray one
		// before it ("…\r\r\n", written by tools that add \r\n to a line
		// that already ends in \r).
		rec[n-1] = strings.TrimSuffix(rec[n-1], "\r")
	}
	return line, rec, nil
}

func (c *csvReader) Next() (int, []string, error) {
	for {
		line, rec, err := c.read()
		if err != nil {
			return line, nil, err
		}
		if blankRow(rec) {
			continue
		}
		cells, err := fitRow(line, c.header, rec)
		for i, s := range cells {
			cells[i] = Unneutralize(s)
		}
		return line, cells, err
	}
}

// fitRow copies rec into a row of exactly len(header) cells and checks it: a
// *RowError for non-blank cells beyond the header (cells is then all of rec)
// or for a cell that is not clean UTF-8 text.
func fitRow(line int, header, rec []string) ([]string, error) {
	width := len(header)
	if len(rec) > width {
		for i := width; i < len(rec); i++ {
			if strings.TrimSpace(rec[i]) != "" {
				return append([]string(nil), rec...), &RowError{
					Line:   line,
					Code:   CodeTooManyCells,
					Detail: fmt.Sprintf("cell %d is beyond the header's %d columns", i+1, width),
				}
			}
		}
	}
	cells := make([]string, width)
	copy(cells, rec)
	for i, s := range cells {
		if !cleanText(s) {
			return cells, &RowError{
				Line:   line,
				Code:   CodeBadEncoding,
				Column: header[i],
				Detail: "the cell holds bytes that are not valid text in the file's encoding",
			}
		}
	}
	return cells, nil
}

// cleanText reports whether s is text we may store: valid UTF-8 without
// U+FFFD (what the GB18030 and UTF-16 decoders write for bytes they cannot
// decode) and without NUL, which PostgreSQL text refuses and which shows up
// when UTF-16 without a BOM is read as ASCII.
func cleanText(s string) bool {
	// Three scans the standard library does a word at a time beat one
	// that decodes rune by rune (a third of the reader's time on a
	// Chinese customer file).
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 && !strings.Contains(s, "\uFFFD")
}

// blankRow reports whether every cell of rec is empty or white space: Excel
// writes ",,,," for rows that once held data, and those are not rows.
func blankRow(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// cleanHeaderCell trims a header cell, including a byte order mark that a
// file saved twice with one may carry inside its first cell.
func cleanHeaderCell(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\uFEFF"))
	// A name our templates and exports neutralised ("'=x" for "=x").
	if rest, ok := strings.CutPrefix(s, "'"); ok && rest != "" && NeutralizeFormula(rest) == s {
		return rest
	}
	return s
}

// trimTrailingBlank drops empty cells at the end of a header: the columns
// that Excel writes as trailing separators after the last real one.
func trimTrailingBlank(h []string) []string {
	n := len(h)
	for n > 0 && h[n-1] == "" {
		n--
	}
	return h[:n]
}
