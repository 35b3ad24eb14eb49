package i18n

import (
	"regexp"
	"strconv"
	"testing"
)

var verb = regexp.MustCompile(`%(?:\[(\d+)\])?([-+# 0-9.]*[a-zA-Z%])`)

// verbsByArg maps each argument number (from 1) to its verb, following
// fmt's rules for explicit indexes; %% takes no argument.
func verbsByArg(s string) map[int]string {
	out := map[int]string{}
	next := 1
	for _, m := range verb.FindAllStringSubmatch(s, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			next, _ = strconv.Atoi(m[1])
		}
		out[next] = m[2]
		next++
	}
	return out
}

func TestCatalogRows(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range messages {
		if seen[m.key] {
			t.Errorf("%s: duplicate key", m.key)
		}
		seen[m.key] = true
		if m.en == "" || m.zh == "" {
			t.Errorf("%s: missing a language", m.key)
		}
		// Each argument gets the same verb in both languages; a language
		// may take them in another order with explicit indexes (%[2]s).
		en, zh := verbsByArg(m.en), verbsByArg(m.zh)
		if len(en) != len(zh) {
			t.Errorf("%s: verbs differ: en %v, zh %v", m.key, en, zh)
			continue
		}
		for i := range en {
			if en[i] != zh[i] {
				t.Errorf("%s: verb of argument %d differs: %s vs %s", m.key, i, en[i], zh[i])
			}
		}
	}
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{English, "field.range", []any{1, 10}, "Must be a whole number from 1 to 10."},
		{Chinese, "field.range", []any{1, 10}, "必须是 1 到 10 之间的整数。"},
		{"xx", "nav.tables", nil, "基础表"}, // unknown language falls back to Chinese
	}
	for _, tt := range tests {
		if got := T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	tests := map[string]string{
		"":                        Chinese,
		"en-US,en;q=0.9":          English,
		"zh-CN,zh;q=0.9,en;q=0.8": Chinese,
		"fr-FR":                   Chinese,
		"de;q=0.5, en;q=0.7":      English,
	}
	for header, want := range tests {
		if got := FromAcceptLanguage(header); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", header, got, want)
		}
	}
}
