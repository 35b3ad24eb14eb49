package importer

import "regexp"

// plainNumberRE matches what NeutralizeFormula lets through although it
// starts with + or -.
var plainNumberRE = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// NeutralizeFormula makes a cell safe to put in a CSV export that someone
// will open in a spreadsheet (CSV injection, OWASP). A cell that starts with
// =, +, -, @, a tab or a carriage return may be run as a formula — including
// DDE payloads such as =cmd|'/c calc'!A1 or @SUM(…) — so it gets a leading
// single quote, which spreadsheets show as text.
//
// One exception, narrower than OWASP's "prefix them all": a cell that is
// purely a number with a sign, such as "+8613800138000" or "-12.5", is left
// alone. Spreadsheets read such a cell as a number, never as a formula (a
// formula needs an operator or a function after its first character), and a
// quote would corrupt the phone numbers and amounts the export exists to
// carry. Anything more than digits and one decimal point ("-1+2",
// "+1e5", "-A1") is still quoted.
//
// XLSX exports need none of this: their cells are written as text cells,
// which are never evaluated.
//
// The quote is ours to take off again (Unneutralize, on import), so a cell
// that already looks neutralised — a quote, then what would be quoted —
// gets one more: "'=1+2" is exported with two quotes before "=1+2" and
// imported "'=1+2" again.
func NeutralizeFormula(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '@', '\t', '\r':
		return "'" + cell
	case '\'':
		if neutralized(cell) {
			return "'" + cell
		}
		return cell
	case '+', '-':
		if plainNumberRE.MatchString(cell) {
			return cell
		}
		return "'" + cell
	}
	return cell
}

// neutralized reports whether cell is what NeutralizeFormula makes of a
// cell that needs its quote.
func neutralized(cell string) bool {
	return len(cell) > 1 && cell[0] == '\'' && NeutralizeFormula(cell[1:]) == cell
}

// Unneutralize takes off the quote NeutralizeFormula put before a cell, so
// a CSV export imported again is what was exported: "'=HYPERLINK(…)" is
// "=HYPERLINK(…)" again. A quote before anything that would not have been
// quoted ("'abc", "'0138") is data, and stays.
func Unneutralize(cell string) string {
	if neutralized(cell) {
		return cell[1:]
	}
	return cell
}
