package importer

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// formatKind is what a number format does to a stored number, as far as an
// import cares.
type formatKind uint8

const (
	fmtGeneral  formatKind = iota // the stored value, in plain decimals
	fmtDecimals                   // fixed decimals, as Excel shows them (0.00 → 62744.60)
	fmtZeroPad                    // an integer padded with zeros (a phone stored as a number)
	fmtDate                       // a date, a time or both
	fmtElapsed                    // [h]:mm:ss, a duration
)

// numFormat is the decision for one number format, made once per format
// (readStyles), never per cell.
type numFormat struct {
	kind     formatKind
	decimals int  // fmtDecimals
	width    int  // fmtZeroPad
	date     bool // fmtDate: shows a date
	time     bool // fmtDate: shows a time of day
	seconds  bool // fmtElapsed, and a time of day without a date: shows seconds
}

// builtinFormat returns the code of a built-in number format id (ECMA-376
// 18.8.30, with the ids Chinese Excel gives its own date and time formats).
func builtinFormat(id int) string {
	switch id {
	case 1:
		return "0"
	case 2:
		return "0.00"
	case 3:
		return "#,##0"
	case 4:
		return "#,##0.00"
	case 5, 6, 37, 38:
		return "#,##0;(#,##0)"
	case 7, 8, 39, 40:
		return "#,##0.00;(#,##0.00)"
	case 9:
		return "0%"
	case 10:
		return "0.00%"
	case 11, 48:
		return "0.00E+00"
	case 12, 13:
		return "# ?/?"
	case 14, 15, 16, 17, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58:
		return "yyyy-mm-dd"
	case 18, 19, 20, 21, 32, 33, 34, 35, 45, 47, 55, 56:
		return "hh:mm:ss"
	case 22:
		return "yyyy-mm-dd hh:mm:ss"
	case 41, 42:
		return "#,##0"
	case 43, 44:
		return "#,##0.00"
	case 46:
		return "[h]:mm:ss"
	case 49:
		return "@"
	}
	return "General"
}

// classifyFormat decides what a format code shows, from its first section
// (the one for positive numbers) with literal text, colours, locales and
// spacing removed.
func classifyFormat(code string) numFormat {
	sec := formatTokens(firstSection(code))
	low := strings.ToLower(sec)
	switch {
	case low == "" || strings.Contains(low, "general") || low == "@":
		return numFormat{kind: fmtGeneral}
	case strings.Contains(low, "[h") || strings.Contains(low, "[m") || strings.Contains(low, "[s"):
		return numFormat{kind: fmtElapsed, seconds: strings.Contains(low, "s")}
	}
	if strings.ContainsAny(low, "ydhs") || strings.Contains(low, "m") || strings.Contains(low, "am/pm") || strings.Contains(low, "上午") {
		nf := numFormat{kind: fmtDate}
		nf.date = strings.ContainsAny(low, "yd") || (strings.Contains(low, "m") && !strings.ContainsAny(low, "hs"))
		nf.time = strings.ContainsAny(low, "hs")
		nf.seconds = strings.Contains(low, "s")
		return nf
	}
	if strings.ContainsAny(low, "e/") {
		return numFormat{kind: fmtGeneral} // scientific, fractions: the value
	}
	if strings.Contains(low, "%") {
		return numFormat{kind: fmtGeneral} // 50% is stored 0.5, the number a number field takes
	}
	whole, frac, hasPoint := strings.Cut(low, ".")
	if hasPoint {
		n := strings.Count(frac, "0") + strings.Count(frac, "#") + strings.Count(frac, "?")
		if n > 0 {
			return numFormat{kind: fmtDecimals, decimals: min(n, 30)}
		}
	}
	if w := strings.Count(whole, "0"); w >= 2 && strings.Trim(whole, "0") == "" {
		return numFormat{kind: fmtZeroPad, width: w}
	}
	return numFormat{kind: fmtGeneral}
}

// firstSection returns a format code up to its first unquoted ";".
func firstSection(code string) string {
	inQuote := false
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"':
			inQuote = !inQuote
		case '\\':
			i++
		case ';':
			if !inQuote {
				return code[:i]
			}
		}
	}
	return code
}

// formatTokens drops what a format shows without meaning: quoted text,
// escaped characters, [colours] and [$locales] (keeping [h] [m] [s]),
// spacing (_x) and fills (*x), currency signs and grouping.
func formatTokens(sec string) string {
	var b strings.Builder
	for i := 0; i < len(sec); i++ {
		c := sec[i]
		switch c {
		case '"':
			j := strings.IndexByte(sec[i+1:], '"')
			if j < 0 {
				return b.String()
			}
			i += j + 1
		case '\\', '_', '*':
			if i+1 < len(sec) {
				_, size := firstRune(sec[i+1:])
				i += size
			}
		case '[':
			j := strings.IndexByte(sec[i:], ']')
			if j < 0 {
				return b.String()
			}
			inner := strings.ToLower(sec[i+1 : i+j])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				b.WriteString(sec[i : i+j+1])
			}
			i += j
		case ',', ' ', '$', '-', '+', '(', ')':
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// numberText writes a stored number (raw, parsed v) as the format shows
// its value. ok is false for a number of 16 to 19 integer digits stored in
// exponent form: Excel keeps 15 significant digits, so an ID or a card
// number typed into a General cell has already lost its last digits.
func (nf numFormat) numberText(raw string, v float64, date1904 bool) (string, bool) {
	switch nf.kind {
	case fmtDate:
		if s, ok := dateText(v, nf, date1904); ok {
			return s, true
		}
	case fmtElapsed:
		if v >= 0 {
			return elapsedText(v, nf.seconds), true
		}
	case fmtZeroPad:
		if s := plainNumber(raw, v); isDigits(s) && len(s) < nf.width {
			return strings.Repeat("0", nf.width-len(s)) + s, true
		}
	case fmtDecimals:
		s := plainNumber(raw, v)
		_, frac, hasPoint := strings.Cut(s, ".")
		if len(frac) >= nf.decimals {
			return s, true
		}
		if !hasPoint {
			s += "."
		}
		return s + strings.Repeat("0", nf.decimals-len(frac)), true
	}
	if roundedByExcel(raw, v) {
		return "", false
	}
	return plainNumber(raw, v), true
}

// roundedByExcel reports whether a stored number is an integer of 16 to
// 19 digits written with an exponent, as Excel writes the 15 digits it
// kept of a longer one (1.10101199003071E+17).
func roundedByExcel(raw string, v float64) bool {
	if !strings.ContainsAny(raw, "eE") {
		return false
	}
	a := math.Abs(v)
	return a >= 1e15 && a < 1e19 && a == math.Trunc(a)
}

// dateText converts a serial to "2006-01-02", "15:04:05" or both.
func dateText(v float64, nf numFormat, date1904 bool) (string, bool) {
	if v < 0 {
		return "", false
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil {
		return "", false
	}
	switch {
	case nf.date && nf.time:
		return t.Format(time.DateTime), true
	case nf.date:
		return t.Format(time.DateOnly), true
	}
	if !nf.seconds {
		return t.Format("15:04"), true // hh:mm reads back as the HH:MM it shows
	}
	return t.Format(time.TimeOnly), true
}

// elapsedText writes a duration in days as [h]:mm:ss or [h]:mm.
func elapsedText(v float64, seconds bool) string {
	total := int64(math.Round(v * 86400))
	h, m, s := total/3600, total/60%60, total%60
	out := strconv.FormatInt(h, 10) + ":" + twoDigits(m)
	if seconds {
		out += ":" + twoDigits(s)
	}
	return out
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
