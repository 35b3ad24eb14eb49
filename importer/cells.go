package importer

import (
	"strconv"
	"strings"
)

// parseDecimal parses s when it is a plain decimal number as spreadsheets
// store them: sign, digits, point, exponent. strconv alone would also take
// "Inf", "NaN", hexadecimal and underscores, which are text here.
func parseDecimal(s string) (float64, bool) {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E')
	}) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// plainNumber writes a stored number in plain decimals. An integer literal is
// kept as stored: it is exact, even beyond float64's 15–17 digits. Anything
// else is rounded to Excel's 15 significant digits, which drops binary noise
// (0.30000000000000004 → 0.3), and written without exponent.
func plainNumber(raw string, v float64) string {
	if v == 0 {
		return "0" // also for -0
	}
	if s := strings.TrimPrefix(raw, "+"); isDigits(strings.TrimPrefix(s, "-")) {
		return s
	}
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
