package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/i18n"
)

// The call simulator: an admin sends the telephony side's events to an
// agent's workspace to test pops without a phone line.

type simulatorData struct {
	Agents []accounts.User
	Events []string
}

func (s *Server) simulatorView(c *fiber.Ctx) (view, error) {
	us, err := s.eng.Accounts.ListUsers(c.UserContext(), principalOf(c).TenantID())
	if err != nil {
		return view{}, err
	}
	d := &simulatorData{Events: []string{calls.Ringing, calls.Talking, calls.Release}}
	for _, u := range us {
		if u.WorkNo != nil && !u.Disabled {
			d.Agents = append(d.Agents, u)
		}
	}
	v := s.view(c, "simulator", i18n.T(langOf(c), "sim.title"), d)
	v.Form["direction"] = "in"
	v.Form["media"] = "audio"
	v.Form["callid"] = fmt.Sprintf("sim-%d", time.Now().UnixMilli())
	// In the demo tenant the caller is a seeded customer, so the first
	// Ringing a newcomer sends pops a real card.
	if t, err := s.eng.Accounts.TenantByID(c.UserContext(), principalOf(c).TenantID()); err == nil && t.Slug == engine.DemoTenantSlug {
		v.Form["caller"] = engine.DemoCaller
		for _, a := range d.Agents {
			if a.Role == accounts.RoleAgent {
				v.Form["workNo"] = *a.WorkNo
				break
			}
		}
	}
	// The confirmation is rebuilt from checked values, so a crafted link
	// cannot put arbitrary text on the page.
	if ev := c.Query("sent"); slices.Contains(d.Events, ev) && namePattern.MatchString(c.Query("workNo")) &&
		namePattern.MatchString(c.Query("callid")) {
		v.Flash = i18n.T(v.Lang, "sim.sent", i18n.T(v.Lang, "event."+ev), c.Query("workNo"), c.Query("callid"))
	}
	for _, k := range []string{"workNo", "caller", "direction", "media", "assoc", "callid"} {
		if val := c.Query(k); val != "" {
			v.Form[k] = val
		}
	}
	return v, nil
}

func (s *Server) simulatorPage(c *fiber.Ctx) error {
	v, err := s.simulatorView(c)
	if err != nil {
		return err
	}
	return c.Render("admin/simulator", v, "layouts/shell")
}

// simulate records the form's call event, exactly as the events API would
// receive it.
func (s *Server) simulate(c *fiber.Ctx) error {
	sc := pops.SimulatedCall{Event: c.FormValue("event"), WorkNo: c.FormValue("workNo"), Caller: c.FormValue("caller"),
		Direction: c.FormValue("direction"), Media: c.FormValue("media"), Assoc: c.FormValue("assoc"), CallID: c.FormValue("callid")}
	if _, err := s.eng.PopRuntime.Simulate(c.UserContext(), principalOf(c).TenantID(), sc); err != nil {
		v, verr := s.simulatorView(c)
		if verr != nil {
			return verr
		}
		v.Form = formValues(c, "workNo", "caller", "direction", "media", "assoc", "callid")
		return s.renderForm(c, err, "admin/simulator", v)
	}
	q := url.Values{"sent": {sc.Event}, "workNo": {sc.WorkNo}, "caller": {strings.TrimSpace(sc.Caller)}, "direction": {sc.Direction},
		"media": {sc.Media}, "assoc": {sc.Assoc}, "callid": {strings.TrimSpace(sc.CallID)}}
	return c.Redirect("/admin/simulator?"+q.Encode(), fiber.StatusSeeOther)
}

// sdkFile serves a file of the SDK under a stable address (pages written
// for AICCSupport reference it directly), cached briefly.
func (s *Server) sdkFile(name, contentType string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		data, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, contentType)
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		if strings.HasSuffix(name, ".html") {
			// The demo runs inside the workspace (our origin); a tenant's
			// own pages may frame it when they name the tenant
			// (?tenant=slug), from the tenant's platform origins only.
			ancestors := "'self'"
			if slug := c.Query("tenant"); slug != "" {
				if t, err := s.eng.Accounts.TenantBySlug(c.UserContext(), slug); err == nil {
					if ps, err := s.eng.Pops.Settings(c.UserContext(), t.ID); err == nil && len(ps.FrameOrigins) > 0 {
						ancestors += " " + strings.Join(ps.FrameOrigins, " ")
					}
				}
				c.Set(fiber.HeaderCacheControl, "no-store") // differs per tenant
			}
			c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors "+ancestors)
			c.Response().Header.Del("X-Frame-Options")
		}
		return c.Send(data)
	}
}
