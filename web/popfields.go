package web

import (
	"html/template"
	"strings"

	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
)

// popFields writes an object's fields exactly as the pop/field template
// does (TestPopFieldsMatchTemplate holds them to it), without the
// template's reflection: a pop shows up to 50 fields, and executing the
// template for each was half of a pop's CPU. A value with a dial-out button
// (a phone number) still goes through the template, which owns that
// markup and its URL checks.
func (s *Server) popFields(fields []pages.FieldModel, lang string, data any) (template.HTML, error) {
	var b strings.Builder
	b.Grow(len(fields) * 192)
	for i := range fields {
		f := &fields[i]
		if f.Phone {
			m, err := dict("F", *f, "L", lang, "D", data)
			if err != nil {
				return "", err
			}
			if err := s.views.Render(&b, "pop/field", m); err != nil {
				return "", err
			}
			continue
		}
		b.WriteString(`<div class="f`)
		if f.Highlight {
			b.WriteString(` hl`)
		}
		b.WriteString(`" data-label="`)
		writeEscaped(&b, f.Label)
		b.WriteString("\">\n  <dt>")
		writeEscaped(&b, f.Label)
		if f.Highlight && f.Badge != "" {
			b.WriteString(` <span class="badge">`)
			writeEscaped(&b, f.Badge)
			b.WriteString(`</span>`)
		}
		b.WriteString("</dt>\n  ")
		switch {
		case f.MissingMandatory:
			b.WriteString(`<dd class="missing">`)
			writeEscaped(&b, i18n.T(lang, "pop.missing"))
		case f.Empty:
			b.WriteString(`<dd class="empty">`)
			writeEscaped(&b, i18n.T(lang, "pop.empty"))
		case f.Masked:
			b.WriteString(`<dd><span class="mask">`)
			writeEscaped(&b, f.Value)
			b.WriteString(`</span>`)
		default:
			b.WriteString(`<dd>`)
			writeEscaped(&b, f.Value)
		}
		b.WriteString("</dd>\n  \n</div>\n")
	}
	return template.HTML(b.String()), nil // #nosec G203 -- every value escaped by writeEscaped
}

// writeEscaped escapes s as html/template does for text and quoted
// attribute values (its htmlReplacementTable).
func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case 0:
			rep = "\uFFFD"
		case '"':
			rep = "&#34;"
		case '&':
			rep = "&amp;"
		case '\'':
			rep = "&#39;"
		case '+':
			rep = "&#43;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}
