package tables

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// The regular expressions the hand-written parsers replaced: they define
// what is accepted, and the parsers must agree with them on every input.
var (
	numberPattern = regexp.MustCompile(`^[+-]?\d+(\.\d+)?$`)
	datePattern   = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	clockPattern  = regexp.MustCompile(`^(\d{1,2}):(\d{2})(?::(\d{2}))?$`)
	phonePattern  = regexp.MustCompile(`^\+?\d{5,20}$`)
)

func regexpDate(v string) (string, bool) {
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

func regexpClock(v string, withSeconds bool) (string, bool) {
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

// sameAsRegexps fails the test where a parser and its regular expression
// disagree on v.
func sameAsRegexps(t *testing.T, v string) {
	t.Helper()
	if got, want := isNumber(v), numberPattern.MatchString(v); got != want {
		t.Errorf("isNumber(%q) = %v, the regexp says %v", v, got, want)
	}
	if got, want := isPhoneNumber(v), phonePattern.MatchString(v); got != want {
		t.Errorf("isPhoneNumber(%q) = %v, the regexp says %v", v, got, want)
	}
	got, ok := parseDate(v)
	want, wantOK := regexpDate(v)
	if got != want || ok != wantOK {
		t.Errorf("parseDate(%q) = %q, %v; the regexp gives %q, %v", v, got, ok, want, wantOK)
	}
	for _, withSeconds := range []bool{false, true} {
		got, ok := parseClock(v, withSeconds)
		want, wantOK := regexpClock(v, withSeconds)
		if got != want || ok != wantOK {
			t.Errorf("parseClock(%q, %v) = %q, %v; the regexp gives %q, %v", v, withSeconds, got, ok, want, wantOK)
		}
	}
}

var valueEdgeCases = []string{
	"", "0", "+", "-", "+0", "-0", "++1", "+-1", "1.", ".5", "1.5", "1..5", "1.2.3", "12a", " 1", "1 ", "1\n",
	"٣", "１２", "1e5", "0x10", "00000", "+00000", "1234", "+1234", "12345678901234567890", "123456789012345678901",
	"+12345678901234567890", "+123456789012345678901",
	"2024-03-05", "2024/3/5", "2024.12.31", "2024-3/5", "2024/03.05", "2024-02-29", "2023-02-29", "2000-02-29",
	"1900-02-29", "0000-02-29", "0000-01-01", "9999-12-31", "2024-00-10", "2024-13-01", "2024-12-00", "2024-12-32",
	"2024-04-31", "2024-06-30", "2024-1-1", "2024-001-01", "2024-01-001", "2024-1-", "2024--1", "2024-1", "24-01-01",
	"02024-01-01", "2024_01_01", "2024-01-01\n", "２０２４-01-01", "2024-01-0١",
	"0:00", "9:05", "09:05", "23:59", "23:59:59", "24:00", "10:60", "10:00:60", "10:5", "10:05:5", "100:00",
	"1:000", "10:00:", "10:00:000", ":00", "1::00", "10:00:00:00", "-1:00", "+1:00", "10:0a", "１0:00", "99:99:99",
}

func TestParsersMatchRegexps(t *testing.T) {
	for _, v := range valueEdgeCases {
		sameAsRegexps(t, v)
	}
	// Strings over the characters that matter, every length to ten.
	alphabet := []byte("0123456789:-/.+ a")
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, 10)
	for range 200_000 {
		b = b[:0]
		for range r.IntN(11) {
			c := alphabet[r.IntN(len(alphabet))]
			if r.IntN(2) == 0 {
				c = '0' + byte(r.IntN(10)) // mostly digits, so that many inputs are nearly valid
			}
			b = append(b, c)
		}
		sameAsRegexps(t, string(b))
	}
	// Every date of a few years around leap-year rules, in each layout.
	for _, year := range []int{0, 1900, 1999, 2000, 2023, 2024, 2100} {
		for month := 0; month <= 13; month++ {
			for day := 0; day <= 32; day++ {
				for _, layout := range []string{"%04d-%02d-%02d", "%04d/%d/%d", "%04d.%d-%02d"} {
					sameAsRegexps(t, fmt.Sprintf(layout, year, month, day))
				}
			}
		}
	}
	for h := range 101 {
		for m := range 101 {
			for _, layout := range []string{"%d:%02d", "%02d:%02d:%02d", "%d:%d"} {
				sameAsRegexps(t, fmt.Sprintf(layout, h, m, (h+m)%100))
			}
		}
	}
}

func FuzzParsersMatchRegexps(f *testing.F) {
	for _, v := range valueEdgeCases {
		f.Add(v)
	}
	f.Fuzz(sameAsRegexps)
}
