package importer

import (
	"slices"
	"strconv"
	"strings"
)

// HeaderMismatch says how a file's header differs from the template's. Its
// fields are for building a translated message; Error gives an English one.
// All of a header's problems are in one mismatch.
type HeaderMismatch struct {
	Want []string // the template's columns, in order
	Got  []string // the file's header, cleaned, in order; nil when NoHeader

	Missing    []string // in Want, not in Got (Want's order)
	Unexpected []string // in Got, not in Want (Got's order); "" for a blank header cell
	Duplicated []string // more than once in Got (once each, Got's order)
	// NoHeader is set when not one of the file's first row's cells is a
	// column of the template: that row is data (the file has no header) or
	// text in an encoding that could not be read. Got and Unexpected are
	// then left empty, so no cell of it is ever repeated in a message.
	NoHeader bool
}

// CompareHeader compares a file's header got with the template's columns
// want. They match when they hold the same names, each once, in any order
// (the template's order is a suggestion: people move columns in Excel),
// after trimming white space from every cell and a byte order mark from
// the first; names are otherwise compared exactly (case and width matter,
// as they do for field names). It returns nil on a match; ColumnOrder then
// says where each column is.
func CompareHeader(want, got []string) *HeaderMismatch {
	w := make([]string, len(want))
	for i, s := range want {
		w[i] = strings.TrimSpace(s)
	}
	g := make([]string, len(got))
	for i, s := range got {
		g[i] = cleanHeaderCell(s)
	}
	if slices.Equal(w, g) {
		return nil
	}
	m := &HeaderMismatch{Want: w, Got: g}
	inWant := make(map[string]bool, len(w))
	for _, s := range w {
		inWant[s] = true
	}
	seen := make(map[string]int, len(g))
	for _, s := range g {
		seen[s]++
		switch {
		case !inWant[s]:
			if seen[s] == 1 {
				m.Unexpected = append(m.Unexpected, s)
			}
		case seen[s] == 2:
			m.Duplicated = append(m.Duplicated, s)
		}
	}
	found := 0
	for _, s := range w {
		if seen[s] == 0 {
			m.Missing = append(m.Missing, s)
		} else {
			found++
		}
	}
	if len(m.Missing) == 0 && len(m.Unexpected) == 0 && len(m.Duplicated) == 0 {
		return nil // the same columns in another order
	}
	if found == 0 && len(g) > 0 {
		m.NoHeader, m.Got, m.Unexpected, m.Duplicated = true, nil, nil, nil
	}
	return m
}

// ColumnOrder returns, for each of want's columns, its position in got,
// a header that CompareHeader matched with want.
func ColumnOrder(want, got []string) []int {
	pos := make(map[string]int, len(got))
	for i, s := range got {
		pos[cleanHeaderCell(s)] = i
	}
	order := make([]int, len(want))
	for i, s := range want {
		order[i] = pos[strings.TrimSpace(s)]
	}
	return order
}

// Error describes the mismatch in English.
func (m *HeaderMismatch) Error() string {
	if m.NoHeader {
		return "importer: header does not match the template: the first row holds none of its columns (no header row, or an unreadable encoding); want " + quoteList(m.Want)
	}
	var parts []string
	if len(m.Missing) > 0 {
		parts = append(parts, "missing columns: "+quoteList(m.Missing))
	}
	if len(m.Unexpected) > 0 {
		parts = append(parts, "unexpected columns: "+quoteList(m.Unexpected))
	}
	if len(m.Duplicated) > 0 {
		parts = append(parts, "duplicated columns: "+quoteList(m.Duplicated))
	}
	return "importer: header does not match the template: " + strings.Join(parts, "; ")
}

// ErrorCode returns CodeHeaderMismatch; see CodeOf.
func (m *HeaderMismatch) ErrorCode() string { return CodeHeaderMismatch }

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, s := range names {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
