package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.SendString("ok")
}

// homeFor is where each role lands after signing in.
func homeFor(role accounts.Role) string {
	switch role {
	case accounts.RoleOperator:
		return "/operator/tenants"
	case accounts.RoleAdmin:
		return "/admin/tables"
	}
	return "/workspace"
}

func (s *Server) home(c *fiber.Ctx) error {
	p := principalOf(c)
	if p == nil || p.User == nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return c.Redirect(homeFor(p.User.Role), fiber.StatusSeeOther)
}

func (s *Server) switchLanguage(c *fiber.Ctx) error {
	lang := i18n.Normalize(c.Query("to"))
	if lang == "" {
		lang = i18n.Chinese
	}
	c.Cookie(&fiber.Cookie{
		Name: cookieLang, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.cfg.SecureCookies(), SameSite: fiber.CookieSameSiteLaxMode,
	})
	return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
}

func (s *Server) loginForm(c *fiber.Ctx) error {
	v := s.view(c, "", i18n.T(langOf(c), "login.title"), nil)
	v.Form["next"] = safeNext(c.Query("next"))
	return c.Render("login", v, "layouts/bare")
}

func (s *Server) login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	user, err := s.eng.Accounts.Login(ctx, c.FormValue("username"), c.FormValue("password"), c.IP())
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return err
		}
		v := s.view(c, "", i18n.T(langOf(c), "login.title"), nil)
		v.Form = formValues(c, "username", "next") // never echo the password
		v.Error = e.In(v.Lang)
		c.Status(statusByCode[e.Code])
		return c.Render("login", v, "layouts/bare")
	}
	token, err := s.eng.Accounts.CreateSession(ctx, user.ID, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: cookieSession, Value: token, Path: "/", HTTPOnly: true,
		Secure: s.cfg.SecureCookies(), SameSite: fiber.CookieSameSiteLaxMode,
		MaxAge: int(s.eng.Accounts.SessionTTL.Seconds()),
	})
	next := safeNext(c.FormValue("next"))
	if next == "/" {
		next = homeFor(user.Role)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if token := c.Cookies(cookieSession); token != "" {
		if err := s.eng.Accounts.DeleteSession(c.UserContext(), token); err != nil {
			return err
		}
	}
	c.ClearCookie(cookieSession)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
