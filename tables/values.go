package tables

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/screenpop/screenpop/internal/apperr"
)

// Normalize checks one value against the field's type, length and
// dictionary and returns its canonical stored form. Empty input returns ""
// and no error: whether empty is allowed is the caller's (mandatory) check.
// Accepted input is a little wider than the canonical form, because values
// come from Excel on Chinese Windows: dates as 2024/3/5, dictionary values
// by label as well as by key.
func (f *Field) Normalize(raw string) (string, *apperr.Message) {
	// PostgreSQL text cannot hold NUL: in a plain (jsonb) value it fails the
	// whole statement, or is stored as the six characters \u0000.
	v := strings.TrimSpace(strings.ReplaceAll(raw, "\x00", ""))
	if v == "" {
		return "", nil
	}
	switch f.Type {
	case TypeString:
		limit := f.Length
		if limit <= 0 || limit > MaxStringLength {
			limit = MaxStringLength
		}
		if n := utf8.RuneCountInString(v); n > limit {
			return "", &apperr.Message{Key: "value.too_long", Args: []any{limit}}
		}
		return v, nil
	case TypeNumber:
		v = numberAsTyped(v)
		if !isNumber(v) {
			return "", &apperr.Message{Key: "value.number"}
		}
		digits := 0
		for _, r := range v {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		limit := f.Length
		if limit <= 0 || limit > MaxNumberDigits {
			limit = MaxNumberDigits
		}
		if digits > limit {
			return "", &apperr.Message{Key: "value.too_many_digits", Args: []any{limit}}
		}
		return v, nil
	case TypeDate:
		d, ok := parseDate(dateAsTyped(v))
		if !ok {
			return "", &apperr.Message{Key: "value.date"}
		}
		return d, nil
	case TypeTime:
		t, ok := parseTime(v)
		if !ok {
			return "", &apperr.Message{Key: "value.time"}
		}
		return t, nil
	case TypeDict:
		for _, it := range f.DictItems {
			if it.Key == v {
				return it.Key, nil
			}
		}
		for _, it := range f.DictItems {
			if it.Value == v {
				return it.Key, nil
			}
		}
		// As typed: "vip" or "ＶＩＰ" for the label VIP.
		folded := foldLabel(v)
		for _, it := range f.DictItems {
			if foldLabel(it.Value) == folded || foldLabel(it.Key) == folded {
				return it.Key, nil
			}
		}
		return "", &apperr.Message{Key: "value.dict", Args: []any{f.dictChoices()}}
	}
	return "", &apperr.Message{Key: "value.number"}
}

func (f *Field) dictChoices() string {
	parts := make([]string, 0, len(f.DictItems))
	for i, it := range f.DictItems {
		if i == 10 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", it.Value, it.Key))
	}
	return strings.Join(parts, ", ")
}

// The parsers below are written out by hand rather than as regular
// expressions: every date, time and index cell of an import goes through
// them. Digits are ASCII digits only.

// isNumber reports whether v is [+-]?D+(.D+)? with D a digit.
func isNumber(v string) bool {
	if v != "" && (v[0] == '+' || v[0] == '-') {
		v = v[1:]
	}
	whole, fraction, hasPoint := strings.Cut(v, ".")
	return isDigits(whole) && (!hasPoint || isDigits(fraction))
}

// isDigits reports whether s is one or more digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// leadingDigits returns how many digits s starts with, up to limit.
func leadingDigits(s string, limit int) int {
	n := 0
	for n < limit && n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

// atoi reads a string of at most four digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isDateSeparator(c byte) bool { return c == '-' || c == '/' || c == '.' }

// parseDate accepts YYYY-M-D with one or two digits for month and day and
// any of - / . as separators, and returns YYYY-MM-DD if the day exists in
// the proleptic Gregorian calendar.
func parseDate(v string) (string, bool) {
	if len(v) < len("2006-1-2") || !isDigits(v[:4]) || !isDateSeparator(v[4]) {
		return "", false
	}
	rest := v[5:]
	n := leadingDigits(rest, 2)
	if n == 0 || n == len(rest) || !isDateSeparator(rest[n]) {
		return "", false
	}
	month, day := rest[:n], rest[n+1:]
	if len(day) > 2 || !isDigits(day) {
		return "", false
	}
	y, m, d := atoi(v[:4]), atoi(month), atoi(day)
	if m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return "", false
	}
	return v[:4] + "-" + pad2(month) + "-" + pad2(day), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// parseTime accepts a clock time or a date-time; the canonical forms are
// HH:MM, HH:MM:SS and YYYY-MM-DD HH:MM:SS.
func parseTime(v string) (string, bool) {
	if i := strings.IndexAny(v, " T"); i > 0 {
		d, ok := parseDate(v[:i])
		if !ok {
			return "", false
		}
		c, ok := parseClock(strings.TrimSpace(v[i+1:]), true)
		if !ok {
			return "", false
		}
		return d + " " + c, true
	}
	return parseClock(v, false)
}

// parseClock accepts H:MM or H:MM:SS, the hour in one or two digits.
func parseClock(v string, withSeconds bool) (string, bool) {
	n := leadingDigits(v, 2)
	if n == 0 || len(v) < n+3 || v[n] != ':' || !isDigits(v[n+1:n+3]) {
		return "", false
	}
	h, mi, s := atoi(v[:n]), atoi(v[n+1:n+3]), 0
	hasSeconds := false
	switch rest := v[n+3:]; {
	case rest == "":
	case len(rest) == 3 && rest[0] == ':' && isDigits(rest[1:]):
		s, hasSeconds = atoi(rest[1:]), true
	default:
		return "", false
	}
	if h > 23 || mi > 59 || s > 59 {
		return "", false
	}
	b := make([]byte, 0, len("15:04:05"))
	b = appendTwoDigits(b, h)
	b = append(b, ':')
	b = appendTwoDigits(b, mi)
	if hasSeconds || withSeconds {
		b = append(b, ':')
		b = appendTwoDigits(b, s)
	}
	return string(b), true
}

func appendTwoDigits(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// indexValue returns the canonical form of an index field's value, the one
// its key is made of. String and number values get NormalizeIndex's phone
// rules before the type and length checks, so "+86 138-0013-8000" fits an
// index of length 11; other types keep their own canonical form (a date
// index stays 2024-03-05, a dictionary key stays as defined). ParseRow and
// FindByIndex both use it, so a value stored and a value looked up meet.
func (f *Field) indexValue(raw string) (string, *apperr.Message) {
	if f.Type != TypeString && f.Type != TypeNumber {
		return f.Normalize(raw)
	}
	v, msg := f.Normalize(NormalizeIndex(raw))
	if msg != nil {
		return "", msg
	}
	return NormalizeIndex(v), nil
}

// NormalizeIndex returns the key form of an index value. Phone numbers are
// written many ways, so a value that is a phone number once full-width
// characters are narrowed and spaces, dashes, dots and brackets removed
// loses those separators and a +86 or 0086 country prefix: "+86
// 138-0013-8000", "0086 13800138000", "１３８００１３８０００" and
// "13800138000" are one customer. A Chinese mobile number also loses the
// 86 a trunk sends without its plus (8613800138000) and the 0 a trunk
// dials before it (013800138000). Anything else is only trimmed, so that
// "AB-123" and "AB123" stay two customers.
func NormalizeIndex(v string) string {
	v = strings.TrimSpace(v)
	narrow := v
	if !isASCII(v) {
		// Most values are ASCII, which narrowing leaves as it is; the
		// transformer costs more than the rest of this function.
		narrow = width.Narrow.String(v)
	}
	compact := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\u00a0', '\u3000':
			return -1
		}
		return r
	}, narrow)
	if !isPhoneNumber(compact) {
		return v
	}
	switch {
	case strings.HasPrefix(compact, "+86"):
		compact = compact[3:]
	case strings.HasPrefix(compact, "0086"):
		compact = compact[4:]
	case strings.HasPrefix(compact, "+"):
		// Another country: keep its code, drop only the plus.
		compact = "00" + compact[1:]
	case len(compact) == 13 && strings.HasPrefix(compact, "86") && isMobile(compact[2:]):
		compact = compact[2:]
	case len(compact) == 12 && compact[0] == '0' && isMobile(compact[1:]):
		// No area code starts 01 but Beijing's 010: 01[3-9]… is a mobile.
		compact = compact[1:]
	}
	return compact
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isMobile reports whether s is a Chinese mobile number: 1[3-9] and nine
// more digits.
func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && isDigits(s)
}

// isPhoneNumber reports whether s is 5 to 20 digits, after an optional +.
func isPhoneNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	return len(s) >= 5 && len(s) <= 20 && isDigits(s)
}

// foldLabel compares dictionary labels as people type them: full-width
// letters and digits as their ASCII forms, any case.
func foldLabel(s string) string {
	return strings.ToLower(width.Fold.String(s))
}

// numberAsTyped turns the forms a number takes in spreadsheets into a plain
// decimal: a currency sign (¥1,234.50, 1234元), grouping with commas or
// spaces, accounting's parentheses for a negative ((12.50)), and a decimal
// comma where it cannot be a grouping comma (1 234,50 or 12,5, never
// 1,234). Anything else is left for isNumber to refuse.
func numberAsTyped(v string) string {
	if strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")") {
		v = "-" + strings.TrimSpace(v[1:len(v)-1])
	}
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	for _, sign := range []string{"¥", "￥", "$", "€", "£", "RMB", "CNY"} {
		v = strings.TrimPrefix(v, sign)
	}
	v = strings.TrimSuffix(strings.TrimSpace(v), "元")
	spaced := strings.ContainsAny(v, " \u00a0\u202f\u2009")
	v = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f', '\u2009':
			return -1
		}
		return r
	}, v)
	if strings.Count(v, ",") == 1 && !strings.Contains(v, ".") {
		_, frac, _ := strings.Cut(v, ",")
		if spaced || (len(frac) != 3 && isDigits(frac)) {
			v = strings.Replace(v, ",", ".", 1)
		}
	}
	v = strings.ReplaceAll(v, ",", "") // 1,234 as Excel shows it
	if neg {
		v = "-" + v
	}
	return v
}

// dateAsTyped turns the date forms of Chinese spreadsheets into YYYY-M-D:
// 2024年3月5日 and 20240305 (2024.3.5 and 2024/3/5 parseDate takes as
// they are).
func dateAsTyped(v string) string {
	if len(v) == 8 && isDigits(v) {
		return v[:4] + "-" + v[4:6] + "-" + v[6:]
	}
	if strings.Contains(v, "年") {
		v = strings.TrimSuffix(strings.TrimSuffix(v, "日"), "号")
		v = strings.NewReplacer("年", "-", "月", "-").Replace(v)
	}
	return v
}
