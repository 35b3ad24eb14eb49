package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
)

// The objects and fields of a pop are written here rather than by
// templates: a pop shows up to 50 fields in several objects, and executing
// templates for them (reflection for every field access, an escaper call
// for every value) was half of a pop's CPU. The output is byte for byte the
// templates' (TestPopObjectsMatchTemplates holds it to the markup they had,
// and to pop/field, which still renders the fields with a dial-out button:
// it owns that markup and its URL checks).

// popObjects writes the objects of a block layout page.
func (s *Server) popObjects(m *pages.Model, lang string, data any) (template.HTML, error) {
	var b strings.Builder
	b.Grow(len(m.Objects) * 2048)
	for i := range m.Objects {
		o := &m.Objects[i]
		b.WriteString("\n  <section class=\"obj\" data-testid=\"object\">\n    <h2>")
		writeEscaped(&b, o.Name)
		b.WriteString("</h2>\n    ")
		if o.Found {
			b.WriteString("\n    <dl class=\"grid cols-")
			b.WriteString(strconv.Itoa(m.Columns))
			b.WriteString("\" data-testid=\"grid\">\n      ")
			if err := s.writeFields(&b, o.Fields, lang, data); err != nil {
				return "", err
			}
			b.WriteString("\n    </dl>\n    ")
		} else {
			b.WriteString(`<p class="muted">`)
			writeEscaped(&b, i18n.T(lang, "pop.object_not_found"))
			b.WriteString(`</p>`)
		}
		b.WriteString("\n  </section>\n  ")
	}
	return template.HTML(b.String()), nil // #nosec G203 -- every value escaped by writeEscaped
}

// popTiles writes the objects of a tile layout page.
func (s *Server) popTiles(m *pages.Model, lang string, data any) (template.HTML, error) {
	var b strings.Builder
	b.Grow(len(m.Objects) * 2048)
	for i := range m.Objects {
		o := &m.Objects[i]
		b.WriteString("\n    <div class=\"group\">")
		writeEscaped(&b, o.Name)
		b.WriteString("</div>\n    ")
		if err := s.writeFields(&b, o.Fields, lang, data); err != nil {
			return "", err
		}
		b.WriteString("\n  ")
	}
	return template.HTML(b.String()), nil // #nosec G203 -- every value escaped by writeEscaped
}

// writeFields writes fields as the pop/field template does.
func (s *Server) writeFields(b *strings.Builder, fields []pages.FieldModel, lang string, data any) error {
	for i := range fields {
		f := &fields[i]
		if f.Phone {
			m, err := dict("F", *f, "L", lang, "D", data)
			if err != nil {
				return err
			}
			if err := s.views.Render(b, "pop/field", m); err != nil {
				return err
			}
			continue
		}
		b.WriteString(`<div class="f`)
		if f.Highlight {
			b.WriteString(` hl`)
		}
		b.WriteString(`" data-label="`)
		writeEscaped(b, f.Label)
		b.WriteString("\">\n  <dt>")
		writeEscaped(b, f.Label)
		if f.Highlight && f.Badge != "" {
			b.WriteString(` <span class="badge">`)
			writeEscaped(b, f.Badge)
			b.WriteString(`</span>`)
		}
		b.WriteString("</dt>\n  ")
		switch {
		case f.MissingMandatory:
			b.WriteString(`<dd class="missing">`)
			writeEscaped(b, i18n.T(lang, "pop.missing"))
		case f.Empty:
			b.WriteString(`<dd class="empty">`)
			writeEscaped(b, i18n.T(lang, "pop.empty"))
		case f.Masked:
			b.WriteString(`<dd><span class="mask">`)
			writeEscaped(b, f.Value)
			b.WriteString(`</span>`)
		default:
			b.WriteString(`<dd>`)
			writeEscaped(b, f.Value)
		}
		b.WriteString("</dd>\n  \n</div>\n")
	}
	return nil
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
