package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
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
	// The confirmation is rebuilt from checked values, so a crafted link
	// cannot put arbitrary text on the page.
	if ev := c.Query("sent"); slices.Contains(d.Events, ev) && namePattern.MatchString(c.Query("workNo")) &&
		namePattern.MatchString(c.Query("callid")) {
		v.Flash = i18n.T(v.Lang, "sim.sent", ev, c.Query("workNo"), c.Query("callid"))
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

// simulate turns the form into a call event, exactly as the events API
// would receive it.
func (s *Server) simulate(c *fiber.Ctx) error {
	caller := strings.TrimSpace(c.FormValue("caller"))
	direction := c.FormValue("direction")
	callType, callerNum, calledNum := "0", caller, "4008001234"
	if direction == "out" {
		callType, callerNum, calledNum = "1", "4008001234", caller
	}
	media := "1"
	if c.FormValue("media") == "multimedia" {
		media = "5"
	}
	assoc := map[string]string{}
	for _, line := range strings.Split(c.FormValue("assoc"), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) != "" {
			assoc[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	callID := strings.TrimSpace(c.FormValue("callid"))
	workNo := c.FormValue("workNo")
	in := calls.EventInput{Event: c.FormValue("event"), WorkNo: workNo, AssocData: assoc, CallData: map[string]string{
		"callerNum": callerNum, "calledNum": calledNum, "callType": callType, "callid": callID, "mediaType": media,
	}}
	if _, err := s.eng.Calls.Record(c.UserContext(), principalOf(c).TenantID(), in, "simulator"); err != nil {
		v, verr := s.simulatorView(c)
		if verr != nil {
			return verr
		}
		v.Form = formValues(c, "workNo", "caller", "direction", "media", "assoc", "callid")
		return s.renderForm(c, err, "admin/simulator", v)
	}
	q := url.Values{"sent": {in.Event}, "workNo": {workNo}, "caller": {caller}, "direction": {direction},
		"media": {c.FormValue("media")}, "assoc": {c.FormValue("assoc")}, "callid": {callID}}
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
			c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self' https:")
			c.Response().Header.Del("X-Frame-Options")
		}
		return c.Send(data)
	}
}
