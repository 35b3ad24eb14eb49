package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/i18n"
	"github.com/screenpop/screenpop/pages"
)

// popData is what the page template needs besides the model.
type popData struct {
	Model    *pages.Model
	RetryURL string
	Scripts  []string
}

// writePop renders a page model as a complete HTML document: the one
// renderer behind the builder preview and every pop.
func (s *Server) writePop(c *fiber.Ctx, m *pages.Model, scripts ...string) error {
	v := s.view(c, "", m.PageName, &popData{Model: m, RetryURL: c.OriginalURL(), Scripts: scripts})
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Render("pop/page", v)
}

// reasonText explains a data-source failure in the user's language.
func reasonText(lang, reason string) string {
	key := "reason." + reason
	if i18n.Has(key) {
		return i18n.T(lang, key)
	}
	return reason
}
