package web

import (
	"encoding/json"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// The agent workspace (SPEC §8): a page the agent keeps open with the
// tenant's pops as tabs; call events reach it as Server-Sent Events from
// whichever instance received them (PostgreSQL LISTEN/NOTIFY), and it opens
// or refreshes the pops whose trigger matches.

// workspaceAgent is the signed-in user's tenant and work number.
func workspaceAgent(c *fiber.Ctx) (*accounts.User, error) {
	p := principalOf(c)
	if p == nil || p.User == nil || p.User.TenantID == nil {
		return nil, apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	if p.User.WorkNo == nil {
		return nil, apperr.New(apperr.Forbidden, "call.no_work_no")
	}
	return p.User, nil
}

func (s *Server) workspace(c *fiber.Ctx) error {
	u, err := workspaceAgent(c)
	if apperr.Is(err, apperr.Forbidden) {
		// Signed in, but no work number yet: say what is missing.
		v := s.view(c, "workspace", i18n.T(langOf(c), "workspace.title"), nil)
		v.Error = i18n.T(v.Lang, "call.no_work_no")
		return c.Render("admin/placeholder", v, "layouts/shell")
	}
	if err != nil {
		return err
	}
	ps, err := s.eng.Pops.Settings(c.UserContext(), *u.TenantID)
	if err != nil {
		return err
	}
	workspaceHeaders(c, ps)
	v := s.view(c, "workspace", i18n.T(langOf(c), "workspace.title"), nil)
	texts := map[string]string{}
	for _, k := range []string{"workspace.idle", "workspace.connected", "workspace.reconnecting", "workspace.outbound",
		"workspace.no_pops", "workspace.call", "pops.media.audio", "pops.media.multimedia",
		"event.Ringing", "event.Talking", "event.Release", "event.Switch"} {
		texts[k] = i18n.T(v.Lang, k)
	}
	b, _ := json.Marshal(texts)
	v.Data = template.JS(b) // json.Marshal escapes <, > and &: safe in a script element
	return c.Render("workspace", v, "layouts/shell")
}

// workspaceHeaders: the workspace frames pop pages (ours and the tenant's
// external https pages) and may itself be framed by the tenant's platforms.
func workspaceHeaders(c *fiber.Ctx, ps *pops.PlatformSettings) {
	ancestors := "'self'"
	if len(ps.FrameOrigins) > 0 {
		ancestors += " " + strings.Join(ps.FrameOrigins, " ")
	}
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self'; frame-src 'self' https:; form-action 'self' https:; object-src 'none'; base-uri 'none'; frame-ancestors "+ancestors)
	c.Response().Header.Del("X-Frame-Options")
}

// workspaceState is what the workspace loads at start: the pops (homepages
// open at once) and the last call, so a reload shows the last customer.
func (s *Server) workspaceState(c *fiber.Ctx) error {
	u, err := workspaceAgent(c)
	if err != nil {
		return err
	}
	st, err := s.eng.PopRuntime.WorkspaceState(c.UserContext(), *u.TenantID, *u.WorkNo)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// workspaceOutbound records a dial-out request (clickToOutbound or a call
// button), shows it to the agent and forwards it to the tenant's
// telephony webhook.
func (s *Server) workspaceOutbound(c *fiber.Ctx) error {
	u, err := workspaceAgent(c)
	if err != nil {
		return err
	}
	var in pops.DialOutRequest
	if err := c.BodyParser(&in); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid")
	}
	res, err := s.eng.PopRuntime.DialOut(c.UserContext(), *u.TenantID, *u.WorkNo, in)
	if err != nil {
		return err
	}
	if res.ForwardError != nil {
		s.log.Warn("outbound webhook failed", "tenant", *u.TenantID, "err", res.ForwardError)
	}
	return c.JSON(res)
}
