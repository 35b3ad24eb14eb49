package pages

import (
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CEL identifiers are ASCII ([_a-zA-Z][_a-zA-Z0-9]*), so `record.等级` is a
// syntax error, yet base-table fields are usually named in Chinese. Before
// compiling, a rule's field selections with non-ASCII names are rewritten
// to ASCII aliases (`record.等级` → `record.__u_e7ad89e7baa7`), and the
// record map that rules see carries each such field under its alias too, so
// `record.等级`, `has(record.等级)` and `record["等级"]` all work. A bare
// non-ASCII name, which can only mean a field, is read as one: `等级 == "VIP"`
// is `record.等级 == "VIP"`. String literals and comments are left alone.

const aliasPrefix = "__u_"

// alias is the ASCII name under which a non-ASCII field name is also
// visible to rules; ok is false for names CEL can select as they are.
func alias(name string) (string, bool) {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return aliasPrefix + hex.EncodeToString([]byte(name)), true
		}
	}
	return "", false
}

var aliasRE = regexp.MustCompile(aliasPrefix + `((?:[0-9a-f]{2})+)`)

// unalias turns aliases in a message back into the names the admin wrote.
func unalias(msg string) string {
	if !strings.Contains(msg, aliasPrefix) {
		return msg
	}
	return aliasRE.ReplaceAllStringFunc(msg, func(a string) string {
		b, err := hex.DecodeString(strings.TrimPrefix(a, aliasPrefix))
		if err != nil || !utf8.Valid(b) {
			return a
		}
		return string(b)
	})
}

func isNameRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// escapeNames rewrites non-ASCII names selected with "." into their
// aliases. origin maps each rune offset of the result to the rune offset of
// the source it came from (one extra entry for the end), so that error
// positions can be reported in the source the admin wrote.
func escapeNames(src string) (out string, origin []int) {
	rs := []rune(src)
	var b strings.Builder
	origin = make([]int, 0, len(rs)+1)
	emit := func(s string, at int) {
		for _, r := range s {
			b.WriteRune(r)
			origin = append(origin, at)
		}
	}
	changed := false
	afterDot := false // the last token was "." (a selection follows)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '/' && i+1 < len(rs) && rs[i+1] == '/': // a comment, to the end of the line
			j := i
			for j < len(rs) && rs[j] != '\n' {
				j++
			}
			for k := i; k < j; k++ {
				emit(string(rs[k]), k)
			}
			i = j
			continue
		case r == '"' || r == '\'':
			j := skipString(rs, i)
			for k := i; k < j; k++ {
				emit(string(rs[k]), k)
			}
			i, afterDot = j, false
			continue
		case isNameRune(r):
			j := i
			ascii := true
			for j < len(rs) && isNameRune(rs[j]) {
				ascii = ascii && rs[j] < utf8.RuneSelf
				j++
			}
			if a, ok := alias(string(rs[i:j])); ok && !ascii {
				if !afterDot {
					emit("record.", i)
				}
				emit(a, i)
				changed = true
			} else {
				for k := i; k < j; k++ {
					emit(string(rs[k]), k)
				}
			}
			i, afterDot = j, false
			continue
		case r == '.':
			afterDot = true
		case unicode.IsSpace(r):
		default:
			afterDot = false
		}
		emit(string(r), i)
		i++
	}
	origin = append(origin, len(rs))
	if !changed {
		return src, nil
	}
	return b.String(), origin
}

// skipString returns the offset just past the string literal that starts
// with the quote at rs[i]: '…', "…", or tripled, raw when prefixed by r/R
// (escapes do not apply). An unterminated literal runs to the end.
func skipString(rs []rune, i int) int {
	q := rs[i]
	raw := false
	for k := i - 1; k >= 0 && k >= i-2; k-- {
		if rs[k] == 'r' || rs[k] == 'R' {
			raw = true
		} else if rs[k] != 'b' && rs[k] != 'B' {
			break
		}
	}
	triple := i+2 < len(rs) && rs[i+1] == q && rs[i+2] == q
	j := i + 1
	if triple {
		j = i + 3
	}
	for j < len(rs) {
		switch {
		case rs[j] == '\\' && !raw:
			j += 2
		case rs[j] == q && (!triple || (j+2 < len(rs) && rs[j+1] == q && rs[j+2] == q)):
			if triple {
				return j + 3
			}
			return j + 1
		case rs[j] == '\n' && !triple:
			return j // CEL reports the unterminated literal
		default:
			j++
		}
	}
	return len(rs)
}

// sourcePosition maps a 1-based line and 0-based column of the escaped
// source back to the original's.
func sourcePosition(escaped string, origin []int, src string, line, col int) (int, int) {
	if origin == nil {
		return line, col
	}
	// Rune offset of (line, col) in the escaped source.
	off, l := 0, 1
	ers := []rune(escaped)
	for off < len(ers) && l < line {
		if ers[off] == '\n' {
			l++
		}
		off++
	}
	off = min(off+col, len(origin)-1)
	o := origin[off]
	// Back to (line, col) in the source.
	srs := []rune(src)
	line, col = 1, 0
	for k := 0; k < o && k < len(srs); k++ {
		if srs[k] == '\n' {
			line, col = line+1, 0
		} else {
			col++
		}
	}
	return line, col
}
