package tables_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/screenpop/screenpop/tables"
)

func TestMaskExamples(t *testing.T) {
	tests := []struct {
		in    string
		style tables.MaskStyle
		want  string
	}{
		{"13800138000", tables.MaskLastFour, "*******8000"},
		{"13800138000", tables.MaskFirstFour, "1380*******"},
		{"张三丰先生", tables.MaskLastFour, "*三丰先生"},
		{"张三丰先生", tables.MaskFirstFour, "张三丰先*"},
		{"1234", tables.MaskLastFour, "****"},
		{"12345", tables.MaskFirstFour, "1234*"},
		{"abc", tables.MaskNone, "abc"},
		{"", tables.MaskLastFour, ""},
	}
	for _, tt := range tests {
		if got := tables.Mask(tt.in, tt.style); got != tt.want {
			t.Errorf("Mask(%q, %d) = %q, want %q", tt.in, tt.style, got, tt.want)
		}
	}
}

// TestMaskProperties checks every length from 0 to 40 with ASCII, Chinese
// and mixed text: the rune count is kept, at most four characters show,
// short values hide entirely, and shown characters are at their places.
func TestMaskProperties(t *testing.T) {
	alphabets := map[string][]rune{
		"ascii":   []rune("0123456789abcdefghijklmnopqrstuvwxyzABCD"),
		"chinese": []rune("张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"),
		"mixed":   []rune("a张1王b李2赵c刘3陈d杨4黄e周5吴f徐6孙g胡7朱h高8林i何9郭j马0罗k梁"),
	}
	for name, alphabet := range alphabets {
		for n := 0; n <= 40; n++ {
			in := alphabet[:n]
			value := string(in)
			for _, style := range []tables.MaskStyle{tables.MaskLastFour, tables.MaskFirstFour} {
				out := []rune(tables.Mask(value, style))
				if len(out) != n {
					t.Fatalf("%s %d style %d: %d runes out", name, n, style, len(out))
				}
				shown := 0
				for i, r := range out {
					if r == '*' {
						continue
					}
					shown++
					if r != in[i] {
						t.Fatalf("%s %d style %d: rune %d is %q, want %q or *", name, n, style, i, r, in[i])
					}
					if style == tables.MaskLastFour && i < n-4 || style == tables.MaskFirstFour && i >= 4 {
						t.Fatalf("%s %d style %d: rune %d shown out of place: %q", name, n, style, i, string(out))
					}
				}
				switch {
				case n <= 4 && shown != 0:
					t.Fatalf("%s %d style %d: a short value shows %d characters: %q", name, n, style, shown, string(out))
				case n > 4 && shown != 4:
					t.Fatalf("%s %d style %d: shows %d characters, want 4: %q", name, n, style, shown, string(out))
				}
				if !utf8.ValidString(string(out)) {
					t.Fatalf("invalid UTF-8")
				}
			}
		}
	}
	// An already starred value shows no more than its own stars.
	if got := tables.Mask(strings.Repeat("*", 8), tables.MaskLastFour); got != "********" {
		t.Errorf("stars: %q", got)
	}
}

func FuzzMask(f *testing.F) {
	f.Add("13800138000", 1)
	f.Add("张三丰先生", 2)
	f.Fuzz(func(t *testing.T, s string, style int) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		ms := tables.MaskLastFour
		if style&1 == 1 {
			ms = tables.MaskFirstFour
		}
		out := tables.Mask(s, ms)
		if utf8.RuneCountInString(out) != utf8.RuneCountInString(s) {
			t.Fatalf("rune count changed: %q → %q", s, out)
		}
		shown := 0
		for _, r := range out {
			if r != '*' {
				shown++
			}
		}
		if shown > 4 {
			t.Fatalf("%q shows %d characters", out, shown)
		}
	})
}

func TestIsMask(t *testing.T) {
	for _, c := range []struct {
		v     string
		style tables.MaskStyle
		want  bool
	}{
		{"**************1421", tables.MaskLastFour, true},
		{"*******7919", tables.MaskLastFour, true},
		{"欧阳娜娜****", tables.MaskFirstFour, true},
		{"***", tables.MaskLastFour, true},
		{"****", tables.MaskFirstFour, true},
		{"*****", tables.MaskFirstFour, true},  // the mask of "*****"
		{"1*****", tables.MaskLastFour, false}, // a hidden position holds a digit
		{"13800138000", tables.MaskLastFour, false},
		{"138****8000", tables.MaskLastFour, false},
		{"**1421", tables.MaskFirstFour, false},
		{"*******7919", tables.MaskNone, false},
		{"", tables.MaskLastFour, false},
	} {
		if got := tables.IsMask(c.v, c.style); got != c.want {
			t.Errorf("IsMask(%q, %d) = %v, want %v", c.v, c.style, got, c.want)
		}
		if c.want && c.style != tables.MaskNone && !tables.IsMask(tables.Mask(strings.Repeat("x", len([]rune(c.v))), c.style), c.style) {
			t.Errorf("Mask's own output of %d runes is not a mask", len([]rune(c.v)))
		}
	}
}
