package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
)

func (s *Server) pagesView(c *fiber.Ctx) (view, error) {
	ps, err := s.eng.Pages.ListPages(c.UserContext(), principalOf(c).TenantID())
	if err != nil {
		return view{}, err
	}
	return s.view(c, "pages", i18n.T(langOf(c), "pages.title"), ps), nil
}

func (s *Server) pagesPage(c *fiber.Ctx) error {
	v, err := s.pagesView(c)
	if err != nil {
		return err
	}
	return c.Render("admin/pages", v, "layouts/shell")
}

func (s *Server) createPage(c *fiber.Ctx) error {
	p, err := s.eng.Pages.CreatePage(c.UserContext(), principalOf(c).TenantID(), c.FormValue("name"))
	if err != nil {
		v, verr := s.pagesView(c)
		if verr != nil {
			return verr
		}
		v.Form = formValues(c, "name")
		return s.renderForm(c, err, "admin/pages", v)
	}
	return c.Redirect(fmt.Sprintf("/admin/pages/%d", p.ID), fiber.StatusSeeOther)
}

// builderCatalogTable is one table of the builder's palette.
type builderCatalogTable struct {
	ID     int64                 `json:"id"`
	Name   string                `json:"name"`
	Fields []builderCatalogField `json:"fields"`
}

type builderCatalogField struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Type   int    `json:"type"`
	Masked bool   `json:"masked"`
	Index  bool   `json:"index"`
}

type builderData struct {
	Page     *pages.Page
	Versions []pages.Version
	// JSON islands read by builder.js; template.JS is safe here because
	// json.Marshal escapes <, > and & in strings.
	DefinitionJSON template.JS
	CatalogJSON    template.JS
	TextsJSON      template.JS
	InterfacesJSON template.JS // the external interfaces granted to the tenant
	HasTables      bool
	// Sample is the preview's customer number, kept across publishing and
	// rolling back (they reload the page).
	Sample string
}

// builderTexts are the builder's strings in the user's language.
var builderTexts = []string{
	"pages.objects", "pages.add_object", "pages.remove_object", "pages.object_name", "pages.object_table", "pages.lookup",
	"pages.lookup_customer", "pages.available", "pages.chosen", "pages.add_computed", "pages.label", "pages.computed",
	"pages.visible", "pages.highlight", "pages.badge", "pages.phone", "pages.phone_default", "pages.phone_yes", "pages.phone_no", "pages.dial_desc", "pages.saved", "pages.saving", "pages.unsaved", "ui.delete", "ui.edit",
	"page.draft_rule_problems", "pages.confirm_remove_object", "pages.confirm_remove_field",
	"type.1", "type.2", "type.3", "type.4", "type.5",
	"pages.action.sobot_ticket", "pages.action.sobot_product_card", "pages.action.sobot_order_card",
	"pages.action_label", "pages.action_object", "pages.action_param_name", "pages.action_param_value", "pages.add_param", "pages.remove_action",
}

func (s *Server) pageBuilder(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return apperr.NotFoundf("page.not_found")
	}
	ctx := c.UserContext()
	tid := principalOf(c).TenantID()
	p, err := s.eng.Pages.GetPage(ctx, tid, id)
	if err != nil {
		return err
	}
	versions, err := s.eng.Pages.Versions(ctx, tid, id)
	if err != nil {
		return err
	}
	tabs, err := s.eng.Pages.Catalog(ctx, tid)
	if err != nil {
		return err
	}
	cat := make([]builderCatalogTable, 0, len(tabs))
	for _, t := range tabs {
		ct := builderCatalogTable{ID: t.ID, Name: t.Name}
		for _, f := range t.Fields {
			ct.Fields = append(ct.Fields, builderCatalogField{ID: f.ID, Name: f.Name, Type: int(f.Type), Masked: f.Masked, Index: f.IsIndex})
		}
		cat = append(cat, ct)
	}
	lang := langOf(c)
	texts := map[string]string{}
	for _, k := range builderTexts {
		texts[k] = i18n.T(lang, k)
	}
	defJSON, _ := json.Marshal(map[string]any{"definition": p.Draft, "revision": p.DraftRevision, "pageId": p.ID})
	granted, err := s.eng.External.ForTenant(ctx, tid)
	if err != nil {
		return err
	}
	ifJSON, _ := json.Marshal(granted)
	catJSON, _ := json.Marshal(cat)
	textJSON, _ := json.Marshal(texts)
	d := &builderData{Page: p, Versions: versions, HasTables: len(cat) > 0,
		DefinitionJSON: template.JS(defJSON), CatalogJSON: template.JS(catJSON), TextsJSON: template.JS(textJSON),
		InterfacesJSON: template.JS(ifJSON), Sample: sampleParam(c.Query("sample"))}
	v := s.view(c, "pages", p.Name, d)
	v.Form["name"] = p.Name
	return c.Render("admin/page", v, "layouts/shell")
}

func (s *Server) renamePage(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return apperr.NotFoundf("page.not_found")
	}
	if _, err := s.eng.Pages.RenamePage(c.UserContext(), principalOf(c).TenantID(), id, c.FormValue("name")); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/pages/%d?flash=saved", id), fiber.StatusSeeOther)
}

func (s *Server) publishPage(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return apperr.NotFoundf("page.not_found")
	}
	p := principalOf(c)
	if _, err := s.eng.Pages.Publish(c.UserContext(), p.TenantID(), id, userIDOf(p), c.FormValue("note")); err != nil {
		return err
	}
	return c.Redirect(builderURL(id, "published", c.FormValue("sample")), fiber.StatusSeeOther)
}

// sampleParam keeps a sample number only if it looks like one, since it
// travels in redirects and is shown in the page.
func sampleParam(v string) string {
	if len(v) > 32 || !samplePattern.MatchString(v) {
		return ""
	}
	return v
}

var samplePattern = regexp.MustCompile(`^[0-9+ ()-]*$`)

// rollbackNote is the note Rollback stores ("rollback to v3"), shown in
// the reader's language.
var rollbackNote = regexp.MustCompile(`^rollback to v(\d+)$`)

// versionNote translates a version's note when it is the rollback note;
// an admin's own note is shown as written.
func versionNote(lang, note string) string {
	if m := rollbackNote.FindStringSubmatch(note); m != nil {
		n, _ := strconv.Atoi(m[1])
		return i18n.T(lang, "pages.rollback_note", n)
	}
	return note
}

func builderURL(id int64, flash, sample string) string {
	u := fmt.Sprintf("/admin/pages/%d?flash=%s", id, flash)
	if sample = sampleParam(sample); sample != "" {
		u += "&sample=" + url.QueryEscape(sample)
	}
	return u
}

func (s *Server) rollbackPage(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return apperr.NotFoundf("page.not_found")
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	p := principalOf(c)
	if _, err := s.eng.Pages.Rollback(c.UserContext(), p.TenantID(), id, version, userIDOf(p)); err != nil {
		return err
	}
	return c.Redirect(builderURL(id, "rolled_back", c.FormValue("sample")), fiber.StatusSeeOther)
}

func (s *Server) deletePage(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return apperr.NotFoundf("page.not_found")
	}
	if err := s.eng.Pages.DeletePage(c.UserContext(), principalOf(c).TenantID(), id); err != nil {
		return err
	}
	return c.Redirect("/admin/pages?flash=deleted", fiber.StatusSeeOther)
}

// pagePreview renders the draft (or, with draft=0, the published version)
// for a sample number, in the same renderer the pops use. Only our own
// admin pages may frame it.
func (s *Server) pagePreview(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return apperr.NotFoundf("page.not_found")
	}
	m, err := s.renderForAdmin(c.UserContext(), principalOf(c).TenantID(), id, c.Query("sample"), c.Query("draft", "1") != "0")
	if err != nil {
		return err
	}
	c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
	c.Set("X-Frame-Options", "SAMEORIGIN")
	return s.writePop(c, m)
}
