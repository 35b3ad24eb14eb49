// Package i18n translates the user-facing texts of screenpop into Simplified
// Chinese and English. Messages live in one table (messages.go), each key with
// both languages side by side so that neither can be forgotten; formatting is
// done by golang.org/x/text/message.
package i18n

import (
	"fmt"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The supported languages, as the codes used in cookies and HTML lang attributes.
const (
	Chinese = "zh-CN"
	English = "en"
)

// Languages lists the supported languages, default first.
var Languages = []string{Chinese, English}

var (
	tags    = []language.Tag{language.SimplifiedChinese, language.English}
	matcher = language.NewMatcher(tags)

	// The catalog is built on first use, after every file's init has added
	// its messages (see Register).
	once    sync.Once
	printer map[string]*message.Printer
	index   map[string]struct{}
)

// entry is one catalog row.
type entry struct{ key, en, zh string }

// register adds a domain's messages; files of this package call it from
// init, so each feature keeps its texts in a file of its own.
func register(rows []entry) { messages = append(messages, rows...) }

func build() {
	once.Do(func() {
		cat := buildCatalog()
		printer = map[string]*message.Printer{
			Chinese: message.NewPrinter(language.SimplifiedChinese, message.Catalog(cat)),
			English: message.NewPrinter(language.English, message.Catalog(cat)),
		}
		index = make(map[string]struct{}, len(messages))
		for _, m := range messages {
			index[m.key] = struct{}{}
		}
	})
}

func buildCatalog() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for _, m := range messages {
		if err := b.SetString(language.English, m.key, m.en); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", m.key, err))
		}
		if err := b.SetString(language.SimplifiedChinese, m.key, m.zh); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", m.key, err))
		}
	}
	return b
}

// T renders key in lang with args. An unknown key renders as the key itself,
// which a test for every template catches.
func T(lang, key string, args ...any) string {
	build()
	p, ok := printer[lang]
	if !ok {
		p = printer[Chinese]
	}
	return p.Sprintf(key, args...)
}

// Has reports whether key is in the catalog.
func Has(key string) bool {
	build()
	_, ok := index[key]
	return ok
}

// Normalize maps a cookie or query value to a supported language, or "".
func Normalize(code string) string {
	switch code {
	case "zh", "zh-CN", "zh-cn", "zh-Hans":
		return Chinese
	case "en", "en-US", "en-GB":
		return English
	}
	return ""
}

// FromAcceptLanguage picks the best supported language for an
// Accept-Language header; Chinese when nothing matches, as most users are.
func FromAcceptLanguage(header string) string {
	if header == "" {
		return Chinese
	}
	prefs, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(prefs) == 0 {
		return Chinese
	}
	_, idx, conf := matcher.Match(prefs...)
	if conf == language.No {
		return Chinese
	}
	return Languages[idx]
}
