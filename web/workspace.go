package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// The agent workspace (SPEC §8): a page the agent keeps open with the
// tenant's pops as tabs; call events reach it as Server-Sent Events from
// whichever instance received them (PostgreSQL LISTEN/NOTIFY), and it opens
// or refreshes the pops whose trigger matches.

// wsPop is one pop as the workspace script needs it.
type wsPop struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Media       string            `json:"media"`
	OpenMode    string            `json:"openMode"`
	Kind        string            `json:"kind"` // internal | get | post | webapi
	Homepage    bool              `json:"homepage"`
	AlwaysShown bool              `json:"alwaysShown"`
	Trigger     string            `json:"trigger"`
	Matches     bool              `json:"matches,omitempty"` // the event triggers this pop
	URL         string            `json:"url,omitempty"`
	Form        map[string]string `json:"form,omitempty"` // URL POST: posted into the frame
	Origin      string            `json:"origin,omitempty"`
}

// wsMessage is one message on the stream.
type wsMessage struct {
	Type      string               `json:"type"` // call | verify | outbound
	ID        int64                `json:"id,omitempty"`
	Event     string               `json:"event,omitempty"`
	Media     string               `json:"media,omitempty"`
	CallID    string               `json:"callId,omitempty"`
	EventData map[string]any       `json:"eventData,omitempty"`
	Pops      []wsPop              `json:"pops,omitempty"`
	Verify    []calls.VerifyResult `json:"verify,omitempty"`
	Number    string               `json:"number,omitempty"`
}

// triggerOf is the pop trigger an event sets off.
var triggerOf = map[string]string{
	calls.Ringing: pops.TriggerRinging,
	calls.Switch:  pops.TriggerRinging,
	calls.Talking: pops.TriggerAnswered,
	calls.Release: pops.TriggerReleased,
}

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

// popsFor builds the workspace's view of the tenant's enabled pops, with
// the URLs for an event (nil: no call, homepages only).
func (s *Server) popsFor(ctx context.Context, u *accounts.User, e *calls.Event) ([]wsPop, error) {
	tid := *u.TenantID
	t, err := s.eng.Accounts.TenantByID(ctx, tid)
	if err != nil {
		return nil, err
	}
	cfgs, err := s.eng.Pops.ListConfigs(ctx, tid, "")
	if err != nil {
		return nil, err
	}
	var out []wsPop
	for i := range cfgs {
		cfg := &cfgs[i]
		if !cfg.Enabled {
			continue
		}
		p := wsPop{ID: cfg.ID, Name: cfg.Name, Media: cfg.MediaType, OpenMode: cfg.OpenMode, Homepage: cfg.Homepage,
			AlwaysShown: cfg.AlwaysShown, Trigger: cfg.Trigger, Kind: cfg.Method}
		if cfg.PageType == pops.PageInternal {
			p.Kind = "internal"
		}
		if e != nil && e.Tab() == cfg.MediaType && triggerOf[e.Event] == cfg.Trigger {
			p.Matches = true
		}
		switch {
		case p.Kind == "internal" && cfg.PageID != nil:
			params := url.Values{dialect.OverrideParam: {string(dialect.HuaweiGet)}, "via": {"workspace"}}
			if e != nil && (p.Matches || cfg.Homepage || cfg.AlwaysShown) {
				for k, v := range e.CallData {
					params.Set(k, v)
				}
				if len(e.AssocData) > 0 {
					b, _ := json.Marshal(e.AssocData)
					params.Set("calldata", string(b))
				}
			}
			p.URL = s.signPopPath(tid, t.Slug, *cfg.PageID, params, time.Now())
		case p.Kind == pops.MethodWebAPI:
			p.URL = cfg.URL
		default:
			vals := url.Values{}
			if e != nil {
				for _, prm := range cfg.EffectiveParams() {
					src := e.CallData
					if prm.Source == pops.SourceAssoc {
						src = e.AssocData
					}
					vals.Set(prm.Name, src[prm.Key])
				}
			}
			if p.Kind == pops.MethodPost {
				p.URL, p.Form = cfg.URL, map[string]string{}
				for k := range vals {
					p.Form[k] = vals.Get(k)
				}
			} else {
				p.URL = addQuery(cfg.URL, vals)
			}
		}
		if u, err := url.Parse(cfg.URL); err == nil && u.Host != "" {
			p.Origin = u.Scheme + "://" + u.Host
		}
		out = append(out, p)
	}
	return out, nil
}

func addQuery(raw string, vals url.Values) string {
	if len(vals) == 0 {
		return raw
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + vals.Encode()
}

// eventData is what SDK handlers receive (SPEC §8).
func eventData(e *calls.Event) map[string]any {
	d := map[string]any{}
	for _, k := range []string{"callerNum", "calledNum", "callid", "mediaType", "callType", "workNo"} {
		d[k] = e.CallData[k]
	}
	d["calldata"] = e.AssocData
	return d
}

// callMessage is the stream message of a call event.
func (s *Server) callMessage(ctx context.Context, u *accounts.User, e *calls.Event) (*wsMessage, error) {
	if e.Event == calls.Outbound {
		return &wsMessage{Type: "outbound", ID: e.ID, Number: e.CallData["calledNum"], Media: e.MediaType}, nil
	}
	ps, err := s.popsFor(ctx, u, e)
	if err != nil {
		return nil, err
	}
	return &wsMessage{Type: "call", ID: e.ID, Event: e.Event, Media: e.Tab(), CallID: e.CallID, EventData: eventData(e), Pops: ps}, nil
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
	ctx := c.UserContext()
	last, err := s.eng.Calls.LastCall(ctx, *u.TenantID, *u.WorkNo)
	if err != nil {
		return err
	}
	ps, err := s.popsFor(ctx, u, nil)
	if err != nil {
		return err
	}
	out := fiber.Map{"pops": ps, "workNo": *u.WorkNo}
	if last != nil {
		m, err := s.callMessage(ctx, u, last)
		if err != nil {
			return err
		}
		out["last"] = m
	}
	return c.JSON(out)
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
	ch, unsubscribe := s.eng.Hub.Subscribe(tenantID, workNo)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	user := *u
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
			missed, err := s.eng.Calls.EventsAfter(ctx, tenantID, workNo, lastID, 20)
			if err == nil {
				for i := range missed {
					if m, err := s.callMessage(ctx, &user, &missed[i]); err == nil && !send(missed[i].ID, m) {
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
				switch n.Kind {
				case "event":
					e, err := s.eng.Calls.Event(ctx, tenantID, n.ID)
					if err != nil {
						s.log.Warn("workspace: load event", "err", err)
						continue
					}
					m, err := s.callMessage(ctx, &user, e)
					if err != nil {
						s.log.Warn("workspace: build message", "err", err)
						continue
					}
					if !send(e.ID, m) {
						return
					}
				case "verify":
					rs, err := s.eng.Calls.VerifyResults(ctx, tenantID, n.CallID)
					if err == nil && !send(0, &wsMessage{Type: "verify", CallID: n.CallID, Verify: rs}) {
						return
					}
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

// outboundInput is a dial-out request from a page in the workspace.
type outboundInput struct {
	CalledNum string `json:"calledNum"`
	MediaType string `json:"mediaType"`
}

// workspaceOutbound records a dial-out request (clickToOutbound or a call
// button), shows it to the agent and forwards it to the tenant's
// telephony webhook.
func (s *Server) workspaceOutbound(c *fiber.Ctx) error {
	u, err := workspaceAgent(c)
	if err != nil {
		return err
	}
	var in outboundInput
	if err := c.BodyParser(&in); err != nil {
		return apperr.New(apperr.Invalid, "error.invalid")
	}
	in.CalledNum = strings.TrimSpace(in.CalledNum)
	if in.CalledNum == "" || len(in.CalledNum) > 32 {
		return apperr.Field("calledNum", "field.required")
	}
	if in.MediaType == "" {
		in.MediaType = "audio"
	}
	ctx := c.UserContext()
	e, err := s.eng.Calls.Record(ctx, *u.TenantID, calls.EventInput{Event: calls.Outbound, WorkNo: *u.WorkNo,
		CallData: map[string]string{"calledNum": in.CalledNum, "mediaType": in.MediaType}}, "workspace")
	if err != nil {
		return err
	}
	forwarded, err := s.forwardOutbound(ctx, *u.TenantID, *u.WorkNo, in)
	if err != nil {
		s.log.Warn("outbound webhook failed", "tenant", *u.TenantID, "err", err)
	}
	return c.JSON(fiber.Map{"id": e.ID, "forwarded": forwarded})
}

// forwardOutbound posts a dial-out request to the tenant's telephony
// webhook, through the engine's guarded HTTP client.
func (s *Server) forwardOutbound(ctx context.Context, tenantID int64, workNo string, in outboundInput) (bool, error) {
	ps, err := s.eng.Pops.Settings(ctx, tenantID)
	if err != nil || ps.OutboundWebhook == "" || s.eng.Webhooks == nil {
		return false, err
	}
	body := map[string]string{"workNo": workNo, "calledNum": in.CalledNum, "mediaType": in.MediaType}
	if err := s.eng.Webhooks.PostJSON(ctx, ps.OutboundWebhook, body); err != nil {
		return false, err
	}
	return true, nil
}
