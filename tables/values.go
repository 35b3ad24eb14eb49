package tables

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/screenpop/screenpop/engine/apperr"
)

var (
	numberPattern = regexp.MustCompile(`^[+-]?\d+(\.\d+)?$`)
	datePattern   = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	clockPattern  = regexp.MustCompile(`^(\d{1,2}):(\d{2})(?::(\d{2}))?$`)
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
		v = strings.ReplaceAll(v, ",", "") // 1,234 as Excel shows it
		if !numberPattern.MatchString(v) {
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
		d, ok := parseDate(v)
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

func parseDate(v string) (string, bool) {
	m := datePattern.FindStringSubmatch(v)
	if m == nil {
		return "", false
	}
	s := fmt.Sprintf("%s-%02s-%02s", m[1], pad2(m[2]), pad2(m[3]))
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return "", false
	}
	return s, true
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

func parseClock(v string, withSeconds bool) (string, bool) {
	m := clockPattern.FindStringSubmatch(v)
	if m == nil {
		return "", false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	s := 0
	if m[3] != "" {
		s, _ = strconv.Atoi(m[3])
	}
	if h > 23 || mi > 59 || s > 59 {
		return "", false
	}
	if m[3] == "" && !withSeconds {
		return fmt.Sprintf("%02d:%02d", h, mi), true
	}
	return fmt.Sprintf("%02d:%02d:%02d", h, mi, s), true
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
// written many ways, so a value that is a phone number once spaces, dashes,
// dots and brackets are removed loses those separators and a +86 or 0086
// country prefix: "+86 138-0013-8000", "0086 13800138000" and
// "13800138000" are one customer. Anything else is only trimmed, so that
// "AB-123" and "AB123" stay two customers.
func NormalizeIndex(v string) string {
	v = strings.TrimSpace(v)
	compact := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\u00a0', '\u3000':
			return -1
		}
		return r
	}, v)
	if !phonePattern.MatchString(compact) {
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
	}
	return compact
}

var phonePattern = regexp.MustCompile(`^\+?\d{5,20}$`)
