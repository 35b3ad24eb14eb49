package i18n

import (
	"regexp"
	"testing"
)

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

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
		en, zh := verb.FindAllString(m.en, -1), verb.FindAllString(m.zh, -1)
		if len(en) != len(zh) {
			t.Errorf("%s: verbs differ: en %v, zh %v", m.key, en, zh)
			continue
		}
		for i := range en {
			if en[i] != zh[i] {
				t.Errorf("%s: verb %d differs: %s vs %s", m.key, i, en[i], zh[i])
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
