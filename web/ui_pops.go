package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
)

type popsData struct {
	Media     string
	Medias    []string
	Configs   []pops.Config
	Pages     []pages.Page // published pages, for the internal page choice
	PageNames map[int64]string
	Settings  *pops.PlatformSettings
	Platforms []dialect.Descriptor
	Editing   *pops.Config // the edit page
}

// PageName is the name of an internal pop's page ("" for none): the
// template cannot index the map with the config's *int64.
func (d *popsData) PageName(id *int64) string {
	if id == nil {
		return ""
	}
	return d.PageNames[*id]
}

func (s *Server) popsView(c *fiber.Ctx, media string) (view, *popsData, error) {
	ctx := c.UserContext()
	tid := principalOf(c).TenantID()
	if !slices.Contains(pops.MediaTypes, media) {
		media = pops.MediaAudio
	}
	cs, err := s.eng.Pops.ListConfigs(ctx, tid, media)
	if err != nil {
		return view{}, nil, err
	}
	ps, err := s.eng.Pages.ListPages(ctx, tid)
	if err != nil {
		return view{}, nil, err
	}
	settings, err := s.eng.Pops.Settings(ctx, tid)
	if err != nil {
		return view{}, nil, err
	}
	d := &popsData{Media: media, Medias: pops.MediaTypes, Configs: cs, Settings: settings, PageNames: map[int64]string{},
		Platforms: dialect.Descriptors()}
	for _, p := range ps {
		d.PageNames[p.ID] = p.Name
		if p.PublishedVersion != nil {
			d.Pages = append(d.Pages, p)
		}
	}
	v := s.view(c, "pops", i18n.T(langOf(c), "pops.title"), d)
	v.Form["new.mediaType"] = media
	v.Form["new.pageType"] = pops.PageInternal
	v.Form["new.openMode"] = pops.OpenEmbed
	v.Form["new.method"] = pops.MethodGet
	v.Form["new.trigger"] = pops.TriggerRinging
	v.Form["new.enabled"] = "on"
	v.Form["origins"] = strings.Join(settings.FrameOrigins, "\n")
	v.Form["cidrs"] = strings.Join(settings.SourceCIDRs, "\n")
	v.Form["sobotSysNum"] = settings.SobotSysNum
	v.Form["sobotPage"] = settings.SobotPage
	v.Form["outboundWebhook"] = settings.OutboundWebhook
	v.Form["huaweiSupportScript"] = settings.HuaweiSupportScript
	v.Form["ctiLoginUrl"] = settings.CTILoginURL
	if settings.CTIUnifiedLogin {
		v.Form["ctiUnifiedLogin"] = "on"
	}
	return v, d, nil
}

func (s *Server) popsPage(c *fiber.Ctx) error {
	v, _, err := s.popsView(c, c.Query("media"))
	if err != nil {
		return err
	}
	return c.Render("admin/pops", v, "layouts/shell")
}

var popFormNames = []string{"mediaType", "name", "pageType", "url", "pageId", "openMode", "method", "enabled", "homepage", "alwaysShown", "trigger", "params"}

// popInputFrom reads a pop form whose inputs are named prefix+name.
func popInputFrom(c *fiber.Ctx, prefix string) (pops.ConfigInput, map[string]string, error) {
	form := map[string]string{}
	for _, n := range popFormNames {
		form[n] = c.FormValue(prefix + n)
	}
	pageID, _ := strconv.ParseInt(form["pageId"], 10, 64)
	in := pops.ConfigInput{
		MediaType: form["mediaType"], Name: form["name"], PageType: form["pageType"], URL: form["url"], PageID: pageID,
		OpenMode: form["openMode"], Method: form["method"], Enabled: form["enabled"] == "on", Homepage: form["homepage"] == "on",
		AlwaysShown: form["alwaysShown"] == "on", Trigger: form["trigger"],
	}
	for i, line := range strings.Split(form["params"], "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, ref, ok := strings.Cut(line, "=")
		source, key, ok2 := strings.Cut(ref, ":")
		if !ok || !ok2 {
			return in, form, apperr.Field(prefix+"params", "pop.param_line", i+1)
		}
		in.Params = append(in.Params, pops.Param{Name: strings.TrimSpace(name), Source: strings.TrimSpace(source), Key: strings.TrimSpace(key)})
	}
	return in, form, nil
}

func formatParams(ps []pops.Param) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s=%s:%s\n", p.Name, p.Source, p.Key)
	}
	return b.String()
}

func (s *Server) createPop(c *fiber.Ctx) error {
	in, form, err := popInputFrom(c, "new.")
	if err == nil {
		_, err = s.eng.Pops.CreateConfig(c.UserContext(), principalOf(c).TenantID(), in)
		err = prefixFields(err, "new.")
	}
	if err != nil {
		v, _, verr := s.popsView(c, in.MediaType)
		if verr != nil {
			return verr
		}
		for k, val := range form {
			v.Form["new."+k] = val
		}
		return s.renderForm(c, err, "admin/pops", v)
	}
	return c.Redirect("/admin/pops?flash=saved&media="+url.QueryEscape(in.MediaType), fiber.StatusSeeOther)
}

func (s *Server) popIDParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFoundf("pop.not_found")
	}
	return id, nil
}

func (s *Server) editPopPage(c *fiber.Ctx) error {
	id, err := s.popIDParam(c)
	if err != nil {
		return err
	}
	cfg, err := s.eng.Pops.GetConfig(c.UserContext(), principalOf(c).TenantID(), id)
	if err != nil {
		return err
	}
	v, d, err := s.popsView(c, cfg.MediaType)
	if err != nil {
		return err
	}
	d.Editing = cfg
	fillPopForm(v.Form, cfg)
	return c.Render("admin/pop_edit", v, "layouts/shell")
}

func fillPopForm(form map[string]string, cfg *pops.Config) {
	form["mediaType"], form["name"], form["pageType"], form["url"] = cfg.MediaType, cfg.Name, cfg.PageType, cfg.URL
	if cfg.PageID != nil {
		form["pageId"] = strconv.FormatInt(*cfg.PageID, 10)
	}
	form["openMode"], form["method"], form["trigger"] = cfg.OpenMode, cfg.Method, cfg.Trigger
	for k, on := range map[string]bool{"enabled": cfg.Enabled, "homepage": cfg.Homepage, "alwaysShown": cfg.AlwaysShown} {
		if on {
			form[k] = "on"
		}
	}
	form["params"] = formatParams(cfg.Params)
}

func (s *Server) updatePop(c *fiber.Ctx) error {
	id, err := s.popIDParam(c)
	if err != nil {
		return err
	}
	tid := principalOf(c).TenantID()
	in, form, err := popInputFrom(c, "")
	if err == nil {
		_, err = s.eng.Pops.UpdateConfig(c.UserContext(), tid, id, in)
	}
	if err != nil {
		cfg, gerr := s.eng.Pops.GetConfig(c.UserContext(), tid, id)
		if gerr != nil {
			return gerr
		}
		v, d, verr := s.popsView(c, cfg.MediaType)
		if verr != nil {
			return verr
		}
		d.Editing = cfg
		for k, val := range form {
			v.Form[k] = val
		}
		return s.renderForm(c, err, "admin/pop_edit", v)
	}
	return c.Redirect("/admin/pops?flash=saved&media="+url.QueryEscape(in.MediaType), fiber.StatusSeeOther)
}

// popAction handles the small buttons of the list: move, enable, delete.
func (s *Server) popAction(c *fiber.Ctx) error {
	id, err := s.popIDParam(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tid := principalOf(c).TenantID()
	cfg, err := s.eng.Pops.GetConfig(ctx, tid, id)
	if err != nil {
		return err
	}
	switch c.Params("action") {
	case "up":
		err = s.eng.Pops.Move(ctx, tid, id, -1)
	case "down":
		err = s.eng.Pops.Move(ctx, tid, id, 1)
	case "enable":
		err = s.eng.Pops.SetEnabled(ctx, tid, id, true)
	case "disable":
		err = s.eng.Pops.SetEnabled(ctx, tid, id, false)
	case "delete":
		err = s.eng.Pops.DeleteConfig(ctx, tid, id)
	default:
		return apperr.NotFoundf("error.not_found")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/pops?media="+url.QueryEscape(cfg.MediaType), fiber.StatusSeeOther)
}

func (s *Server) savePopSettings(c *fiber.Ctx) error {
	in := pops.SettingsInput{
		FrameOrigins:    strings.Split(c.FormValue("origins"), "\n"),
		SourceCIDRs:     strings.Split(c.FormValue("cidrs"), "\n"),
		SobotSysNum:     c.FormValue("sobotSysNum"),
		SobotPage:       c.FormValue("sobotPage"),
		OutboundWebhook: c.FormValue("outboundWebhook"),

		HuaweiSupportScript: c.FormValue("huaweiSupportScript"),
		CTIUnifiedLogin:     c.FormValue("ctiUnifiedLogin") == "on",
		CTILoginURL:         c.FormValue("ctiLoginUrl"),
	}
	if secret := c.FormValue("sobotSecret"); secret != "" {
		in.SobotSecret = &secret
	}
	if c.FormValue("sobotSecretClear") == "on" {
		empty := ""
		in.SobotSecret = &empty
	}
	if _, err := s.eng.Pops.SaveSettings(c.UserContext(), principalOf(c).TenantID(), in); err != nil {
		v, _, verr := s.popsView(c, c.FormValue("media"))
		if verr != nil {
			return verr
		}
		v.Form["origins"], v.Form["cidrs"] = c.FormValue("origins"), c.FormValue("cidrs")
		v.Form["sobotSysNum"], v.Form["sobotPage"] = c.FormValue("sobotSysNum"), c.FormValue("sobotPage")
		v.Form["outboundWebhook"] = c.FormValue("outboundWebhook")
		v.Form["huaweiSupportScript"] = c.FormValue("huaweiSupportScript")
		v.Form["ctiUnifiedLogin"], v.Form["ctiLoginUrl"] = c.FormValue("ctiUnifiedLogin"), c.FormValue("ctiLoginUrl")
		return s.renderForm(c, err, "admin/pops", v)
	}
	return c.Redirect("/admin/pops?flash=saved#platforms", fiber.StatusSeeOther)
}

// popHelpEntry is what to paste into one platform's console for one page.
type popHelpEntry struct {
	Pop  pops.Config
	Page string
	URL  string
}

type popHelpData struct {
	Platform dialect.Descriptor
	Entries  []popHelpEntry
	LoginURL string
	Settings *pops.PlatformSettings
	// CTIHomepage is the address the CTI client's 主页地址 takes (the
	// homepage pop of the voice tab, else any page), for the unified login
	// guide (seed 003 §二).
	CTIHomepage string
}

// popHelp shows, for one platform, exactly what to configure in its console,
// generated from the tenant's internal pop pages.
func (s *Server) popHelp(c *fiber.Ctx) error {
	desc, ok := dialect.Describe(dialect.Name(c.Params("dialect")))
	if !ok {
		return apperr.NotFoundf("error.not_found")
	}
	ctx := c.UserContext()
	tid := principalOf(c).TenantID()
	t, err := s.eng.Accounts.TenantByID(ctx, tid)
	if err != nil {
		return err
	}
	cs, err := s.eng.Pops.ListConfigs(ctx, tid, "")
	if err != nil {
		return err
	}
	settings, err := s.eng.Pops.Settings(ctx, tid)
	if err != nil {
		return err
	}
	ps, err := s.eng.Pages.ListPages(ctx, tid)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	d := &popHelpData{Platform: desc, Settings: settings, LoginURL: fmt.Sprintf("%s/pop/%s/login", s.cfg.BaseURL, t.Slug)}
	for _, cfg := range cs {
		if cfg.PageType != pops.PageInternal || cfg.PageID == nil {
			continue
		}
		d.Entries = append(d.Entries, popHelpEntry{Pop: cfg, Page: names[*cfg.PageID],
			URL: fmt.Sprintf("%s/pop/%s/%d?dialect=%s", s.cfg.BaseURL, t.Slug, *cfg.PageID, desc.Name)})
	}
	if desc.Name == dialect.CTI {
		d.CTIHomepage = fmt.Sprintf("%s/pop/%s/{page}?dialect=cti", s.cfg.BaseURL, t.Slug)
		for _, e := range d.Entries {
			if e.Pop.Homepage || d.CTIHomepage == "" || strings.Contains(d.CTIHomepage, "{page}") {
				d.CTIHomepage = e.URL
			}
			if e.Pop.Homepage {
				break
			}
		}
	}
	title := i18n.T(langOf(c), "pops.help") + " · " + desc.Platform
	if langOf(c) == i18n.Chinese {
		title = i18n.T(langOf(c), "pops.help") + " · " + desc.PlatformZH
	}
	return c.Render("admin/pop_help", s.view(c, "pops", title, d), "layouts/shell")
}
