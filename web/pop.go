package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
)

// The pop runtime (SPEC §8): /pop/{tenant}/{page} renders a published
// custom page for a call, whichever platform frames it. It detects the
// platform's dialect, authenticates the request (signed link, the
// platform's own signature, an agent session, or a trusted address),
// normalises the call and renders. Nothing of a customer is ever sent to an
// anonymous request.

const (
	cookiePopSession = "sp_pop"
	cookiePopCSRF    = "sp_pop_csrf"
	popSessionTTL    = 12 * time.Hour
)

// liveDialects get a page that keeps listening: Tencent updates the URL
// hash on each call, Huawei's Web API and Sobot post messages.
var liveDialects = map[dialect.Name]string{
	dialect.Tencent:      "hash",
	dialect.HuaweiWebAPI: "message",
	dialect.Sobot:        "message",
}

// popTarget is a resolved /pop/{tenant}/{page}.
type popTarget struct {
	tenant   *accounts.Tenant
	pageID   int64
	settings *pops.PlatformSettings
	path     string
}

func (s *Server) popTarget(c *fiber.Ctx) (*popTarget, error) {
	t, err := s.tenantBySlug(c.UserContext(), c.Params("tenant"))
	if err != nil || t.Disabled {
		return nil, apperr.NotFoundf("pop.tenant_not_found")
	}
	pageID, err := strconv.ParseInt(c.Params("page"), 10, 64)
	if err != nil || pageID <= 0 {
		return nil, apperr.NotFoundf("page.not_found")
	}
	ps, err := s.eng.Pops.CachedSettings(c.UserContext(), t.ID)
	if err != nil {
		return nil, err
	}
	return &popTarget{tenant: t, pageID: pageID, settings: ps, path: fmt.Sprintf("/pop/%s/%d", t.Slug, pageID)}, nil
}

// tenantTTL is how long a pop may use a tenant read earlier: every pop
// needs it, and disabling a tenant takes effect within this time.
const tenantTTL = 2 * time.Second

type cachedTenant struct {
	t       *accounts.Tenant
	expires time.Time
}

// tenantBySlug is TenantBySlug for the pop hot path, cached briefly.
func (s *Server) tenantBySlug(ctx context.Context, slug string) (*accounts.Tenant, error) {
	if c, ok := s.tenants.Load(slug); ok && time.Now().Before(c.(cachedTenant).expires) {
		return c.(cachedTenant).t, nil
	}
	t, err := s.eng.Accounts.TenantBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	// Fiber's route parameters point into the request's buffer, which is
	// reused: the key must be a copy.
	s.tenants.Store(strings.Clone(slug), cachedTenant{t: t, expires: time.Now().Add(tenantTTL)})
	return t, nil
}

// popHeaders lets only the tenant's platforms frame the pop.
func popHeaders(c *fiber.Ctx, ps *pops.PlatformSettings) {
	ancestors := "'self'"
	if ps != nil && len(ps.FrameOrigins) > 0 {
		ancestors += " " + strings.Join(ps.FrameOrigins, " ")
	}
	c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'self'; "+
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors "+ancestors)
	c.Response().Header.Del("X-Frame-Options")
}

// popParams collects the call parameters: query, form body (URL POST) and,
// for the live page's content requests, the hash or message values the
// script forwarded as query parameters.
func popParams(c *fiber.Ctx) url.Values {
	v := url.Values{}
	for k, val := range c.Context().QueryArgs().All() {
		v.Add(string(k), string(val))
	}
	if c.Method() == fiber.MethodPost {
		for k, val := range c.Context().PostArgs().All() {
			v.Add(string(k), string(val))
		}
	}
	return v
}

// authorizePop decides whether this request may see customer data of the
// tenant. A presented credential that fails is refused outright rather than
// falling back to another method, so a bad signature is never silently
// accepted because the same browser happens to hold a session.
func (s *Server) authorizePop(c *fiber.Ctx, pt *popTarget, params url.Values, name dialect.Name) error {
	ctx := c.UserContext()
	if params.Has(dialect.SigParam) {
		key := s.popLinkKey(pt.tenant.ID)
		err := dialect.VerifyOnce(ctx, s.eng.Nonces, key, pt.path, params, time.Now(), dialect.DefaultMaxSkew)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, dialect.ErrSigExpired):
			return apperr.New(apperr.Unauthorized, "pop.expired")
		case errors.Is(err, dialect.ErrSigReplayed):
			return apperr.New(apperr.Unauthorized, "pop.replayed")
		case errors.Is(err, dialect.ErrBadSignature), errors.Is(err, dialect.ErrSigMissing):
			return apperr.New(apperr.Unauthorized, "pop.bad_signature")
		default:
			return err
		}
	}
	if name == dialect.Sobot && params.Get("sign") != "" {
		cfg, err := s.eng.Pops.SobotConfig(ctx, pt.tenant.ID)
		if err != nil {
			return err
		}
		if _, err := dialect.VerifySobot(cfg, dialect.FromValues(params), time.Now()); err != nil {
			return apperr.New(apperr.Unauthorized, "pop.bad_signature")
		}
		return nil
	}
	for _, name := range []string{cookiePopSession, cookieSession} {
		if token := c.Cookies(name); token != "" {
			u, err := s.eng.Accounts.SessionUser(ctx, token)
			if err == nil && u.TenantID != nil && *u.TenantID == pt.tenant.ID {
				return nil
			}
		}
	}
	if pt.settings.TrustsAddress(c.IP()) {
		return nil
	}
	return apperr.New(apperr.Unauthorized, "pop.unauthorized")
}

// popLinkKey is the tenant's key for signed pop links.
func (s *Server) popLinkKey(tenantID int64) []byte {
	return s.eng.MasterKey.Derive("pop-link:"+strconv.FormatInt(tenantID, 10), 32)
}

// SignPopLink returns a signed pop URL for a call, valid for a few minutes
// and usable once (the workspace and integrations use it).
func (s *Server) SignPopLink(tenantID int64, slug string, pageID int64, call url.Values) string {
	return s.SignPopLinkAt(tenantID, slug, pageID, call, time.Now())
}

// SignPopLinkAt signs as of the given time (links for later, and tests).
func (s *Server) SignPopLinkAt(tenantID int64, slug string, pageID int64, call url.Values, at time.Time) string {
	return s.cfg.BaseURL + s.signPopPath(tenantID, slug, pageID, call, at)
}

// signPopPath is the signed link without the scheme and host, for pages of
// our own origin (the workspace).
func (s *Server) signPopPath(tenantID int64, slug string, pageID int64, call url.Values, at time.Time) string {
	path := fmt.Sprintf("/pop/%s/%d", slug, pageID)
	signed := dialect.Sign(s.popLinkKey(tenantID), path, call, at)
	return path + "?" + signed.Encode()
}

// toPageCall turns a dialect's call into the renderer's.
func toPageCall(dc dialect.Call) pages.Call {
	return pages.Call{
		CustomerNumber: dc.CustomerNumber, CallerNum: dc.CallerNum, CalledNum: dc.CalledNum, CallID: dc.CallID,
		Direction: string(dc.Direction), MediaType: dc.MediaType, WorkNo: dc.WorkNo, AgentName: dc.AgentName,
		Platform: string(dc.Dialect), AssociatedData: dc.AssociatedData,
	}
}

// popEntry is GET and POST /pop/{tenant}/{page}.
func (s *Server) popEntry(c *fiber.Ctx) error { return s.popServe(c, false) }

// popContent is the live page's refresh: the same checks, only the body.
func (s *Server) popContent(c *fiber.Ctx) error { return s.popServe(c, true) }

func (s *Server) popServe(c *fiber.Ctx, fragment bool) error {
	pt, err := s.popTarget(c)
	if err != nil {
		return s.popError(c, nil, err)
	}
	popHeaders(c, pt.settings)
	params := popParams(c)
	flat := dialect.FromValues(params)
	callParams := map[string]string{}
	for k, v := range flat {
		if k != dialect.OverrideParam && k != dialect.SigParam && k != dialect.TSParam && k != "lang" {
			callParams[k] = v
		}
	}
	override := params.Get(dialect.OverrideParam)
	name, derr := dialect.Detect(flat, c.Method(), override)
	if derr != nil && len(callParams) > 0 {
		return s.popError(c, pt, apperr.New(apperr.Invalid, "pop.dialect"))
	}
	if err := s.authorizePop(c, pt, params, name); err != nil {
		return s.popError(c, pt, err)
	}
	data := &popData{Origins: pt.settings.FrameOrigins, Dialect: string(name), Scripts: []string{s.assetURL("pop.js")}}
	if mode, ok := liveDialects[name]; ok && !fragment {
		data.Live = mode
		content := url.Values{dialect.OverrideParam: {string(name)}}
		data.ContentURL = pt.path + "/content?" + content.Encode()
	}
	var m *pages.Model
	if len(callParams) == 0 {
		// A live page before its first event, or a homepage opened at
		// sign-in: the page's frame, waiting for a call.
		_, v, err := s.eng.Pages.PublishedVersion(c.UserContext(), pt.tenant.ID, pt.pageID)
		if err != nil {
			return s.popError(c, pt, err)
		}
		m = &pages.Model{Layout: v.Definition.Layout, Columns: v.Definition.Columns, State: pages.StateWaiting}
	} else {
		dc, err := dialect.Normalize(name, callParams)
		if err != nil && !errors.Is(err, dialect.ErrNoCustomer) {
			return s.popError(c, pt, apperr.New(apperr.Invalid, "pop.dialect"))
		}
		m, err = s.eng.Pages.RenderPublished(c.UserContext(), pt.tenant.ID, pt.pageID, toPageCall(dc), pages.RenderOptions{})
		if err != nil {
			return s.popError(c, pt, err)
		}
	}
	data.Model = m
	if m.State == pages.StateError {
		s.popRetry(c, pt, params, data)
	}
	v := s.view(c, "", m.PageName, data)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if fragment {
		return c.Render("pop/body", v)
	}
	return c.Render("pop/page", v)
}

// popError answers a pop that cannot be shown: a small page with the
// reason and, when sign-in would help, a link to the pop sign-in. It never
// contains customer data.
func (s *Server) popError(c *fiber.Ctx, pt *popTarget, err error) error {
	status, e := s.classify(err, c.Method(), c.Path())
	if pt != nil {
		popHeaders(c, pt.settings)
	} else {
		popHeaders(c, nil)
	}
	lang := langOf(c)
	login := ""
	if pt != nil && e.Code == apperr.Unauthorized {
		// Back to the page after sign-in, without the call's parameters: a
		// refusal never repeats customer data, and the platform sends the
		// next call's parameters anyway.
		login = "/pop/" + pt.tenant.Slug + "/login?next=" + url.QueryEscape(pt.path)
	}
	c.Status(status)
	return c.Render("pop/error", s.view(c, "", e.In(lang), popErrorData{Status: status, Message: e.In(lang), Login: login}))
}

type popErrorData struct {
	Status  int
	Message string
	Login   string
}

// popLoginForm is the agent sign-in inside a platform's frame (Aliyun's
// homepage flow). Its cookies are SameSite=None; Secure; Partitioned so they
// work inside the platform's iframe and only there.
func (s *Server) popLoginForm(c *fiber.Ctx) error {
	t, err := s.eng.Accounts.TenantBySlug(c.UserContext(), c.Params("tenant"))
	if err != nil {
		return s.popError(c, nil, apperr.NotFoundf("pop.tenant_not_found"))
	}
	ps, err := s.eng.Pops.Settings(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	popHeaders(c, ps)
	token := c.Cookies(cookiePopCSRF)
	if len(token) < 32 {
		token = newCSRFCookieValue()
		setPopCookie(c, cookiePopCSRF, token, "/pop/", 0)
	}
	v := s.view(c, "", i18n.T(langOf(c), "login.title"), nil)
	v.CSRF = s.csrfToken(token)
	v.Form["next"] = safeNext(c.Query("next"))
	return c.Render("pop/login", v)
}

func (s *Server) popLogin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := s.eng.Accounts.TenantBySlug(ctx, c.Params("tenant"))
	if err != nil {
		return s.popError(c, nil, apperr.NotFoundf("pop.tenant_not_found"))
	}
	ps, err := s.eng.Pops.Settings(ctx, t.ID)
	if err != nil {
		return err
	}
	popHeaders(c, ps)
	cookie := c.Cookies(cookiePopCSRF)
	if cookie == "" || c.FormValue(csrfField) != s.csrfToken(cookie) {
		return s.popError(c, nil, apperr.New(apperr.Forbidden, "error.csrf"))
	}
	u, err := s.eng.Accounts.Login(ctx, c.FormValue("username"), c.FormValue("password"), c.IP())
	if err == nil && (u.TenantID == nil || *u.TenantID != t.ID) {
		err = apperr.New(apperr.Unauthorized, "auth.bad_credentials")
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return err
		}
		v := s.view(c, "", i18n.T(langOf(c), "login.title"), nil)
		v.CSRF = c.FormValue(csrfField)
		v.Form = formValues(c, "username", "next")
		v.Error = e.In(v.Lang)
		c.Status(statusByCode[e.Code])
		return c.Render("pop/login", v)
	}
	token, err := s.eng.Accounts.CreateSession(ctx, u.ID, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	setPopCookie(c, cookiePopSession, token, "/pop/", int(popSessionTTL.Seconds()))
	next := safeNext(c.FormValue("next"))
	if !strings.HasPrefix(next, "/pop/"+t.Slug+"/") && next != "/workspace" {
		next = "/pop/" + t.Slug + "/login?signed_in=1"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// setPopCookie writes a cookie usable inside a platform's iframe: a
// third-party context needs SameSite=None, which needs Secure; Partitioned
// (CHIPS) keeps it to that one platform site.
func setPopCookie(c *fiber.Ctx, name, value, path string, maxAge int) {
	ck := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(ck)
	ck.SetKey(name)
	ck.SetValue(value)
	ck.SetPath(path)
	ck.SetHTTPOnly(true)
	ck.SetSameSite(fasthttp.CookieSameSiteNoneMode) // also sets Secure
	ck.SetPartitioned(true)
	if maxAge > 0 {
		ck.SetMaxAge(maxAge)
	}
	c.Response().Header.SetCookie(ck)
}
