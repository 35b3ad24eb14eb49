package importer

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// cellText chooses the text of one XLSX cell from its raw stored value and
// the value as its number format displays it (see xlsxReader):
//
//   - Raw and displayed alike: the raw value. That is every text cell (a text
//     "013800138000" or "+8613800138000" stays as typed) and every
//     General-format number Excel stored in plain decimals.
//   - Raw not a number: the raw text (only a format with a text section can
//     make them differ, and the data is what was typed, not the decoration).
//   - A number shown zero-padded ("00000000000" formats a phone stored as a
//     number): the displayed digits, which are what the person means.
//   - A number shown as a number (scientific, grouped, currency, percent, or
//     rounded): the stored value, in plain decimals. "¥1,234.50" becomes
//     "1234.5" and "50%" becomes "0.5": the import wants the value, not the
//     decoration, and a rounded display would lose digits.
//   - A number shown as a date or time (digits with - / : or 年月日时…):
//     the serial converted to "2006-01-02", "15:04:05" or
//     "2006-01-02 15:04:05", whichever parts the display holds, the forms
//     base tables accept. "yyyymmdd" displays are recognised too.
//   - Otherwise (TRUE/FALSE, a hidden format): the display, or the value
//     when the display is empty.
//
// What cannot be told from the display alone is accepted as a limit: a
// fraction shown "1/2" reads as a date, and an elapsed time over 24 hours
// is kept as displayed.
func cellText(raw, disp string, date1904 bool) string {
	if raw == disp {
		return raw
	}
	v, ok := parseDecimal(raw)
	if !ok {
		return raw
	}
	if disp == "" {
		return plainNumber(raw, v)
	}
	if zeroPadded(disp, v) {
		return disp
	}
	if numberShown(disp) {
		if isDigits(disp) && len(disp) == 8 && v >= 1 {
			// "yyyymmdd" shows a date as an 8-digit number.
			if t, err := excelize.ExcelDateToTime(v, date1904); err == nil && t.Format("20060102") == disp {
				return t.Format("2006-01-02")
			}
		}
		return plainNumber(raw, v)
	}
	if s, ok := dateShown(v, disp, date1904); ok {
		return s
	}
	return disp
}

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

// zeroPadded reports whether disp is v written with leading zeros.
func zeroPadded(disp string, v float64) bool {
	if len(disp) < 2 || disp[0] != '0' || !isDigits(disp) {
		return false
	}
	n, err := strconv.ParseFloat(disp, 64)
	return err == nil && n == v
}

// numberShown reports whether disp is a number dressed by a number format:
// once currency symbols, grouping, percent, parentheses and spaces are
// removed, only a decimal (or the lone "-" accounting formats show for zero)
// is left.
func numberShown(disp string) bool {
	s := strings.Map(func(r rune) rune {
		switch {
		case r == ',' || r == '%' || r == '(' || r == ')' || r == '元',
			unicode.IsSpace(r), unicode.Is(unicode.Sc, r):
			return -1
		}
		return r
	}, disp)
	if s == "-" {
		return true
	}
	_, ok := parseDecimal(s)
	return ok
}

// dateShown converts the serial v to ISO text when disp looks like a date,
// a time or both.
func dateShown(v float64, disp string, date1904 bool) (string, bool) {
	if v < 0 || !strings.ContainsFunc(disp, unicode.IsDigit) {
		return "", false // TRUE/FALSE and text-section formats have no digits
	}
	s := strings.NewReplacer("AM", "", "PM", "", "am", "", "pm", "", "上午", "", "下午", "").Replace(disp)
	hasTime := strings.ContainsAny(s, ":时時")
	hasDate := strings.ContainsAny(s, "-/年月日") || strings.Contains(s, "星期") || dayOrMonthName.MatchString(s)
	if !hasDate && !hasTime {
		return "", false
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil {
		return "", false
	}
	switch {
	case hasDate && hasTime:
		return t.Format("2006-01-02 15:04:05"), true
	case hasDate:
		return t.Format("2006-01-02"), true
	case v < 1:
		return t.Format("15:04:05"), true
	}
	return "", false // an elapsed time such as [h]:mm over a day
}

// dayOrMonthName finds the English names that date formats (mmm, dddd) show.
var dayOrMonthName = regexp.MustCompile(`(?i)jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun`)

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
