package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
)

type settingsData struct {
	Users       []accounts.User
	Keys        []accounts.APIKey
	Roles       []accounts.Role
	Permissions []accounts.Permission
	NewKey      string // shown once, right after creation
	// Me is the signed-in admin: their own row has no management link, and
	// the reveal box explains how to get the right to grant it.
	Me *accounts.User
	// Pages are the tenant's published pages, to bind a key to one
	// (queryCustomer); KeyPages names the page of each bound key.
	Pages    []pages.Page
	KeyPages map[int64]string
}

func (s *Server) settingsView(c *fiber.Ctx) (view, error) {
	tenantID := principalOf(c).TenantID()
	ctx := c.UserContext()
	users, err := s.eng.Accounts.ListUsers(ctx, tenantID)
	if err != nil {
		return view{}, err
	}
	keys, err := s.eng.Accounts.ListAPIKeys(ctx, tenantID)
	if err != nil {
		return view{}, err
	}
	data := &settingsData{
		Users: users, Keys: keys,
		Roles:       []accounts.Role{accounts.RoleAgent, accounts.RoleAdmin},
		Permissions: accounts.KnownPermissions,
		Me:          principalOf(c).User,
	}
	if err := s.fillKeyPages(ctx, tenantID, data); err != nil {
		return view{}, err
	}
	return s.view(c, "settings", i18n.T(langOf(c), "settings.title"), data), nil
}

func (s *Server) settingsPage(c *fiber.Ctx) error {
	v, err := s.settingsView(c)
	if err != nil {
		return err
	}
	return c.Render("admin/settings", v, "layouts/shell")
}

func (s *Server) createUser(c *fiber.Ctx) error {
	p := principalOf(c)
	tenantID := p.TenantID()
	role := accounts.Role(c.FormValue("role"))
	if role == accounts.RoleOperator {
		role = "" // tenant admins cannot make operators; validation names the field
	}
	var perms []string
	if c.FormValue("reveal") == "on" {
		perms = append(perms, string(accounts.PermReveal))
	}
	u, err := s.eng.Accounts.CreateUserAs(c.UserContext(), p.User, accounts.NewUser{
		TenantID: &tenantID, Username: c.FormValue("username"), DisplayName: c.FormValue("displayName"),
		Role: role, Permissions: perms, Password: c.FormValue("password"), WorkNo: c.FormValue("workNo"),
	})
	if err != nil {
		v, verr := s.settingsView(c)
		if verr != nil {
			return verr
		}
		v.Form = formValues(c, "username", "displayName", "role", "reveal", "workNo")
		return s.renderForm(c, prefixFields(err, "user."), "admin/settings", v)
	}
	return c.Redirect("/admin/settings?flash=created&who="+url.QueryEscape(u.Username), fiber.StatusSeeOther)
}

func (s *Server) createAPIKey(c *fiber.Ctx) error {
	p := principalOf(c)
	var scopes []string
	if c.FormValue("reveal") == "on" {
		scopes = append(scopes, string(accounts.PermReveal))
	}
	secret, _, err := s.eng.Accounts.CreateAPIKey(c.UserContext(), accounts.NewAPIKey{
		TenantID: p.TenantID(), Name: c.FormValue("name"), Scopes: scopes, CreatedBy: &p.User.ID,
		PageID: formPageID(c),
	})
	v, verr := s.settingsView(c)
	if verr != nil {
		return verr
	}
	if err != nil {
		v.Form = formValues(c, "name", "reveal", "pageId")
		return s.renderForm(c, prefixFields(err, "key."), "admin/settings", v)
	}
	// Rendered directly, not redirected: the key must never sit in a URL or log.
	v.Data.(*settingsData).NewKey = secret
	return c.Render("admin/settings", v, "layouts/shell")
}

func (s *Server) revokeAPIKey(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return apperr.NotFoundf("apikey.not_found")
	}
	if err := s.eng.Accounts.RevokeAPIKey(c.UserContext(), principalOf(c).TenantID(), id); err != nil {
		return err
	}
	return c.Redirect("/admin/settings", fiber.StatusSeeOther)
}

// prefixFields namespaces field errors when one page holds several forms, so
// "name" of the key form is not shown under the user form.
func prefixFields(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = prefix + f.Field
		out.Fields[i] = f
	}
	return &out
}
