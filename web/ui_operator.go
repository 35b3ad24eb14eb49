package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

func (s *Server) tenantsView(c *fiber.Ctx) (view, error) {
	ts, err := s.eng.Accounts.ListTenants(c.UserContext())
	if err != nil {
		return view{}, err
	}
	return s.view(c, "tenants", i18n.T(langOf(c), "tenants.title"), ts), nil
}

func (s *Server) tenantsPage(c *fiber.Ctx) error {
	v, err := s.tenantsView(c)
	if err != nil {
		return err
	}
	return c.Render("operator/tenants", v, "layouts/shell")
}

func (s *Server) createTenant(c *fiber.Ctx) error {
	// The first admin is optional here (it can be added on the tenant's
	// page later) but, when given, is created with the tenant or neither is.
	var admin *accounts.NewUser
	if c.FormValue("admin.username") != "" || c.FormValue("admin.password") != "" {
		admin = &accounts.NewUser{Username: c.FormValue("admin.username"), DisplayName: c.FormValue("admin.displayName"),
			Password: c.FormValue("admin.password")}
	}
	t, _, err := s.eng.Accounts.CreateTenantWithAdmin(c.UserContext(), accounts.NewTenant{Slug: c.FormValue("slug"), Name: c.FormValue("name")}, admin)
	if err != nil {
		v, verr := s.tenantsView(c)
		if verr != nil {
			return verr
		}
		v.Form = formValues(c, "slug", "name", "admin.username", "admin.displayName")
		return s.renderForm(c, err, "operator/tenants", v)
	}
	return c.Redirect("/operator/tenants?flash=created&who="+url.QueryEscape(t.Slug), fiber.StatusSeeOther)
}

func (s *Server) setTenantDisabled(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return apperr.NotFoundf("tenant.not_found")
	}
	if err := s.eng.Accounts.SetTenantDisabled(c.UserContext(), id, c.FormValue("disabled") == "true"); err != nil {
		return err
	}
	return c.Redirect("/operator/tenants", fiber.StatusSeeOther)
}

// paramRow is one line of the parameters form.
type paramRow struct {
	settings.ParamSpec
	Value int
}

func (s *Server) paramsView(c *fiber.Ctx) (view, error) {
	values, err := s.eng.Settings.Params(c.UserContext())
	if err != nil {
		return view{}, err
	}
	rows := make([]paramRow, 0, len(settings.ParamSpecs))
	for _, spec := range settings.ParamSpecs {
		rows = append(rows, paramRow{ParamSpec: spec, Value: values[spec.Name]})
	}
	return s.view(c, "params", i18n.T(langOf(c), "params.title"), rows), nil
}

func (s *Server) paramsPage(c *fiber.Ctx) error {
	v, err := s.paramsView(c)
	if err != nil {
		return err
	}
	for _, r := range v.Data.([]paramRow) {
		v.Form[string(r.Name)] = strconv.Itoa(r.Value)
	}
	return c.Render("operator/params", v, "layouts/shell")
}

func (s *Server) saveParams(c *fiber.Ctx) error {
	values := map[settings.Param]string{}
	for _, spec := range settings.ParamSpecs {
		values[spec.Name] = c.FormValue(string(spec.Name))
	}
	if err := s.eng.Settings.SetParams(c.UserContext(), values); err != nil {
		v, verr := s.paramsView(c)
		if verr != nil {
			return verr
		}
		for p, raw := range values {
			v.Form[string(p)] = raw
		}
		return s.renderForm(c, err, "operator/params", v)
	}
	return c.Redirect("/operator/params?flash="+url.QueryEscape(i18n.T(langOf(c), "ui.saved")), fiber.StatusSeeOther)
}

func (s *Server) whitelistView(c *fiber.Ctx) (view, error) {
	es, err := s.eng.Settings.Whitelist(c.UserContext())
	if err != nil {
		return view{}, err
	}
	return s.view(c, "whitelist", i18n.T(langOf(c), "whitelist.title"), es), nil
}

func (s *Server) whitelistPage(c *fiber.Ctx) error {
	v, err := s.whitelistView(c)
	if err != nil {
		return err
	}
	return c.Render("operator/whitelist", v, "layouts/shell")
}

func (s *Server) addWhitelist(c *fiber.Ctx) error {
	if _, err := s.eng.Settings.AddWhitelist(c.UserContext(), c.FormValue("pattern"), c.FormValue("description")); err != nil {
		v, verr := s.whitelistView(c)
		if verr != nil {
			return verr
		}
		v.Form = formValues(c, "pattern", "description")
		return s.renderForm(c, err, "operator/whitelist", v)
	}
	return c.Redirect("/operator/whitelist?flash="+url.QueryEscape(i18n.T(langOf(c), "ui.saved")), fiber.StatusSeeOther)
}

func (s *Server) removeWhitelist(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return apperr.NotFoundf("whitelist.not_found")
	}
	if err := s.eng.Settings.RemoveWhitelist(c.UserContext(), id); err != nil {
		return err
	}
	return c.Redirect("/operator/whitelist", fiber.StatusSeeOther)
}
