package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

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
		"workspace.no_pops", "workspace.call", "pops.media.audio", "pops.media.multimedia"} {
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

// workspaceStream is the Server-Sent Events stream of one agent. A client
// that reconnects sends Last-Event-ID and gets the events it missed.
func (s *Server) workspaceStream(c *fiber.Ctx) error {
	u, err := workspaceAgent(c)
	if err != nil {
		return err
	}
	tenantID, workNo := *u.TenantID, *u.WorkNo
	lastID, _ := strconv.ParseInt(c.Get("Last-Event-ID"), 10, 64)
	rt := s.eng.PopRuntime
	ch, unsubscribe := s.eng.Hub.Subscribe(tenantID, workNo)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	// Closed when the server shuts down: end the stream then, so shutdown
	// does not wait out its timeout and the browser reconnects elsewhere.
	shutdown := c.Context().Done()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer unsubscribe()
		ctx := context.Background()
		send := func(id int64, m any) bool {
			b, _ := json.Marshal(m)
			if id > 0 {
				fmt.Fprintf(w, "id: %d\n", id)
			}
			fmt.Fprintf(w, "data: %s\n\n", b)
			return w.Flush() == nil
		}
		fmt.Fprint(w, "retry: 1000\n: connected\n\n")
		if w.Flush() != nil {
			return
		}
		if lastID > 0 {
			missed, err := rt.MissedMessages(ctx, tenantID, workNo, lastID)
			if err == nil {
				for _, m := range missed {
					if !send(m.ID, m.Message) {
						return
					}
				}
			}
		}
		ping := time.NewTicker(20 * time.Second)
		defer ping.Stop()
		for {
			select {
			case n := <-ch:
				m, err := rt.NoticeMessage(ctx, tenantID, n)
				if err != nil {
					s.log.Warn("workspace: notice message", "kind", n.Kind, "err", err)
					continue
				}
				if m != nil && !send(m.ID, m.Message) {
					return
				}
			case <-shutdown:
				return
			case <-ping.C:
				if _, err := w.WriteString(": ping\n\n"); err != nil || w.Flush() != nil {
					return
				}
			}
		}
	})
	return nil
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
