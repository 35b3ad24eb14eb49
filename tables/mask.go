package tables

import (
	"strings"
	"unicode/utf8"
)

// maskRune stands in for every hidden character.
const maskRune = '*'

// shownChars is how many characters a mask style reveals at most.
const shownChars = 4

// Mask hides value by style (SPEC §3): style 1 shows the last four
// characters, style 2 the first four, every other character becomes "*".
// A value of four characters or fewer is hidden entirely, since showing four
// of four would hide nothing. Characters are runes, so Chinese text masks by
// character, not by byte.
func Mask(value string, style MaskStyle) string {
	if style == MaskNone || value == "" {
		return value
	}
	n := utf8.RuneCountInString(value)
	if n <= shownChars {
		return strings.Repeat(string(maskRune), n)
	}
	runes := []rune(value)
	var b strings.Builder
	b.Grow(len(value))
	for i, r := range runes {
		show := (style == MaskLastFour && i >= n-shownChars) || (style == MaskFirstFour && i < shownChars)
		if show {
			b.WriteRune(r)
		} else {
			b.WriteRune(maskRune)
		}
	}
	return b.String()
}

// IsMask reports whether v is what Mask writes with style for some value:
// the mask characters exactly where the style puts them (all of a value of
// four characters or fewer; all but the last four, or all but the first
// four, of a longer one). A masked export holds such values, and importing
// one must never store it in place of the value it hides.
func IsMask(v string, style MaskStyle) bool {
	if style == MaskNone || v == "" {
		return false
	}
	n := utf8.RuneCountInString(v)
	i := 0
	for _, r := range v {
		hidden := n <= shownChars ||
			(style == MaskLastFour && i < n-shownChars) ||
			(style == MaskFirstFour && i >= shownChars)
		if hidden && r != maskRune {
			return false
		}
		i++
	}
	return true
}
