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
