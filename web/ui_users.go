package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// Managing users in the UI: a tenant's admin on the settings page, the
// operator on a tenant's page. The rules (who may grant what, nobody acts on
// themselves) are the accounts service's; these handlers only translate.

// userPageData is one user's management page.
type userPageData struct {
	User        *accounts.User
	Base        string // URL prefix of this user's forms
	Back        string // the list the page came from
	Roles       []accounts.Role
	Permissions []accounts.Permission
	// CanGrant tells, per permission, whether the signed-in user may grant
	// it (they hold it); the page explains how to get it otherwise.
	CanGrant map[string]bool
	// CTIPasswordSet says an agent's CTI password is stored (seed 003 §二
	// login.cgi); the password itself is never shown.
	CTIPasswordSet bool
}

// usersScope is which tenant's users the request manages and where its
// pages live.
type usersScope struct {
	tenantID int64
	base     string // e.g. /admin/settings/users or /operator/tenants/7/users
	back     string
}

func (s *Server) scopeOf(c *fiber.Ctx) (usersScope, error) {
	p := principalOf(c)
	if p.Role() == accounts.RoleOperator {
		tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
		if err != nil {
			return usersScope{}, apperr.NotFoundf("tenant.not_found")
		}
		if _, err := s.eng.Accounts.TenantByID(c.UserContext(), tid); err != nil {
			return usersScope{}, err
		}
		base := fmt.Sprintf("/operator/tenants/%d", tid)
		return usersScope{tenantID: tid, base: base + "/users", back: base}, nil
	}
	return usersScope{tenantID: p.TenantID(), base: "/admin/settings/users", back: "/admin/settings"}, nil
}

func grantable(actor *accounts.User) map[string]bool {
	m := map[string]bool{}
	for _, p := range accounts.KnownPermissions {
		m[string(p)] = actor.Role == accounts.RoleOperator || actor.Can(p)
	}
	return m
}

func (s *Server) userView(c *fiber.Ctx) (view, *userPageData, error) {
	sc, err := s.scopeOf(c)
	if err != nil {
		return view{}, nil, err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return view{}, nil, apperr.NotFoundf("user.not_found")
	}
	u, err := s.eng.Accounts.GetUser(c.UserContext(), sc.tenantID, id)
	if err != nil {
		return view{}, nil, err
	}
	actor := principalOf(c).User
	d := &userPageData{User: u, Base: fmt.Sprintf("%s/%d", sc.base, u.ID), Back: sc.back,
		Roles: []accounts.Role{accounts.RoleAgent, accounts.RoleAdmin}, Permissions: accounts.KnownPermissions,
		CanGrant: grantable(actor)}
	if d.CTIPasswordSet, err = s.eng.Pops.CTIPasswordSet(c.UserContext(), sc.tenantID, u.ID); err != nil {
		return view{}, nil, err
	}
	active := "settings"
	if actor.Role == accounts.RoleOperator {
		active = "tenants"
	}
	v := s.view(c, active, i18n.T(langOf(c), "users.manage", u.Username), d)
	v.Form["role"] = string(u.Role)
	for _, p := range u.Permissions {
		v.Form["perm."+p] = "on"
	}
	return v, d, nil
}

func (s *Server) userPage(c *fiber.Ctx) error {
	v, _, err := s.userView(c)
	if err != nil {
		return err
	}
	return c.Render("admin/user", v, "layouts/shell")
}

// userAction runs one of the user page's forms: role, permissions,
// password, CTI password, disable, enable or delete.
func (s *Server) userAction(c *fiber.Ctx) error {
	v, d, err := s.userView(c)
	if err != nil {
		return err
	}
	ctx, actor, acc := c.UserContext(), principalOf(c).User, s.eng.Accounts
	tid, uid := d.User.TenantID, d.User.ID
	flash := "saved"
	switch c.Params("action") {
	case "role":
		_, err = acc.SetRole(ctx, actor, *tid, uid, accounts.Role(c.FormValue("role")))
	case "permissions":
		perms := []string{}
		for _, p := range accounts.KnownPermissions {
			if c.FormValue("perm."+string(p)) == "on" {
				perms = append(perms, string(p))
			}
		}
		_, err = acc.SetPermissions(ctx, actor, *tid, uid, perms)
	case "password":
		err = acc.ResetPassword(ctx, actor, *tid, uid, c.FormValue("password"))
		flash = "password_reset"
	case "cti-password":
		// Write-only: stored sealed, never echoed into the form.
		err = s.eng.Pops.SetCTIPassword(ctx, *tid, uid, c.FormValue("ctiPassword"))
	case "disable", "enable":
		_, err = acc.SetUserDisabled(ctx, actor, *tid, uid, c.Params("action") == "disable")
	case "delete":
		if err = acc.DeleteUser(ctx, actor, *tid, uid); err == nil {
			return c.Redirect(d.Back+"?flash=deleted", fiber.StatusSeeOther)
		}
	default:
		return apperr.NotFoundf("error.not_found")
	}
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Forbidden {
			// A refused change is explained on the page it was asked from.
			v.Error = e.In(v.Lang)
			c.Status(fiber.StatusForbidden)
			return c.Render("admin/user", v, "layouts/shell")
		}
		return s.renderForm(c, err, "admin/user", v)
	}
	return c.Redirect(d.Base+"?flash="+flash, fiber.StatusSeeOther)
}

// operatorTenantData is a tenant's page for the operator: its users and
// the form for another one (an admin, typically the first).
type operatorTenantData struct {
	Tenant *accounts.Tenant
	Users  []accounts.User
	Roles  []accounts.Role
}

func (s *Server) operatorTenantView(c *fiber.Ctx) (view, error) {
	sc, err := s.scopeOf(c)
	if err != nil {
		return view{}, err
	}
	t, err := s.eng.Accounts.TenantByID(c.UserContext(), sc.tenantID)
	if err != nil {
		return view{}, err
	}
	us, err := s.eng.Accounts.ListUsers(c.UserContext(), t.ID)
	if err != nil {
		return view{}, err
	}
	v := s.view(c, "tenants", t.Name, &operatorTenantData{Tenant: t, Users: us,
		Roles: []accounts.Role{accounts.RoleAdmin, accounts.RoleAgent}})
	v.Form["role"] = string(accounts.RoleAdmin)
	return v, nil
}

func (s *Server) operatorTenantPage(c *fiber.Ctx) error {
	v, err := s.operatorTenantView(c)
	if err != nil {
		return err
	}
	return c.Render("operator/tenant", v, "layouts/shell")
}

// operatorCreateUser adds a user (an admin by default) to a tenant.
func (s *Server) operatorCreateUser(c *fiber.Ctx) error {
	v, err := s.operatorTenantView(c)
	if err != nil {
		return err
	}
	t := v.Data.(*operatorTenantData).Tenant
	role := accounts.Role(c.FormValue("role"))
	if role == accounts.RoleOperator {
		role = ""
	}
	var perms []string
	if c.FormValue("reveal") == "on" {
		perms = append(perms, string(accounts.PermReveal))
	}
	u, err := s.eng.Accounts.CreateUserAs(c.UserContext(), principalOf(c).User, accounts.NewUser{
		TenantID: &t.ID, Username: c.FormValue("username"), DisplayName: c.FormValue("displayName"),
		Role: role, Permissions: perms, Password: c.FormValue("password"), WorkNo: c.FormValue("workNo"),
	})
	if err != nil {
		v.Form = formValues(c, "username", "displayName", "role", "reveal", "workNo")
		return s.renderForm(c, prefixFields(err, "user."), "operator/tenant", v)
	}
	return c.Redirect(fmt.Sprintf("/operator/tenants/%d?flash=created&who=%s", t.ID, url.QueryEscape(u.Username)), fiber.StatusSeeOther)
}
