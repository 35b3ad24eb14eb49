package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// The pop's HTTP side (SPEC §8): /pop/{tenant}/{page} renders a published
// custom page for a call, whichever platform frames it. The engine's pop
// runtime (pops.Runtime) authorises the request, normalises the call and
// builds the model; this file reads the request, writes the headers the
// tenant's platforms need and renders the result. Nothing of a customer is
// ever sent to an anonymous request.

const (
	cookiePopSession = "sp_pop"
	cookiePopCSRF    = "sp_pop_csrf"
	popSessionTTL    = 12 * time.Hour
	// cookieCTISeat marks a login.cgi round trip under way: the CTI
	// client's homepage opened again without user and sid within
	// ctiSeatTTL is the client coming back ("登录成功后主窗口页面自动调回url参数中
	// 的页面", seed 003 §二), shown rather than sent to login.cgi again —
	// whether or not the client adds user and sid, it never loops.
	cookieCTISeat = "sp_cti_seat"
	ctiSeatTTL    = 30 * time.Second
)

// popHeaders lets only the tenant's platforms frame the pop.
func popHeaders(c *fiber.Ctx, ps *pops.PlatformSettings) { popHeadersForms(c, ps, "") }

// popHeadersForms is popHeaders for a page whose form may end, after a
// redirect, at formOrigin too: the pop sign-in of the CTI client, which
// goes on to the client's login.cgi (CSP form-action covers redirects).
func popHeadersForms(c *fiber.Ctx, ps *pops.PlatformSettings, formOrigin string) {
	ancestors := "'self'"
	if ps != nil && len(ps.FrameOrigins) > 0 {
		ancestors += " " + strings.Join(ps.FrameOrigins, " ")
	}
	scripts := "'self'"
	if ps != nil {
		// Huawei's AICCSupport.js, from exactly the origin the admin gave.
		if o := pops.ScriptOrigin(ps.HuaweiSupportScript); o != "" {
			scripts += " " + o
		}
	}
	forms := "'self'"
	if formOrigin != "" {
		forms += " " + formOrigin
	}
	c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src "+scripts+"; "+
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action "+forms+"; frame-ancestors "+ancestors)
	c.Response().Header.Del("X-Frame-Options")
}

// popRequest reads what the runtime needs of the HTTP request. The call
// parameters are the query, the form body (URL POST) and, for the live
// page's content requests, the hash or message values the script forwarded
// as query parameters.
func popRequest(c *fiber.Ctx, fragment bool) pops.Request {
	// The raw query, read the platforms' way: a second "?" appended to a
	// configured ?dialect= URL, and Sobot's zc_encode=1 form.
	v, _ := dialect.ParseQueryValues(string(c.Request().URI().QueryString()))
	if c.Method() == fiber.MethodPost {
		for k, val := range c.Context().PostArgs().All() {
			v.Add(string(k), string(val))
		}
	}
	return pops.Request{
		Method:        c.Method(),
		Params:        v,
		SessionTokens: []string{c.Cookies(cookiePopSession), c.Cookies(cookieSession)},
		ClientIP:      c.IP(),
		Fragment:      fragment,
		CTISeatBack:   c.Cookies(cookieCTISeat) != "",
	}
}

// popEntry is GET and POST /pop/{tenant}/{page}.
func (s *Server) popEntry(c *fiber.Ctx) error { return s.observePop(c, false) }

// popContent is the live page's refresh: the same checks, only the body.
func (s *Server) popContent(c *fiber.Ctx) error { return s.observePop(c, true) }

func (s *Server) popServe(c *fiber.Ctx, fragment bool) error {
	rt := s.eng.PopRuntime
	pt, err := rt.Resolve(c.UserContext(), c.Params("tenant"), c.Params("page"))
	if err != nil {
		return s.popError(c, nil, err)
	}
	popHeaders(c, pt.Settings)
	req := popRequest(c, fragment)
	res, err := rt.Open(c.UserContext(), pt, req)
	if err == nil && res.Seat != nil {
		if done, err := s.popSeat(c, pt, res.Seat); done || err != nil {
			return err
		}
		// The way was turned off meanwhile: the homepage as it is.
		req.CTISeatBack = true
		res, err = rt.Open(c.UserContext(), pt, req)
	}
	if err != nil {
		return s.popError(c, pt, err)
	}
	if req.CTISeatBack && res.Dialect == dialect.CTI && !fragment {
		clearPopCookie(c, cookieCTISeat, "/pop/") // the round trip is over
	}
	c.Locals(keyPopPlatform, string(res.Dialect))
	c.Locals(keyPopState, string(res.Model.State))
	scripts := []string{s.assetURL("pop.js")}
	if res.Dialect == dialect.HuaweiWebAPI && pops.ScriptOrigin(pt.Settings.HuaweiSupportScript) != "" {
		// seed 002 §4.4.1: the page loads the AICC's AICCSupport.js, before
		// pop.js registers its handlers with it.
		scripts = append([]string{pt.Settings.HuaweiSupportScript}, scripts...)
	}
	data := &popData{Model: res.Model, Origins: pt.Settings.FrameOrigins, Dialect: string(res.Dialect),
		Scripts: scripts, Live: res.Live, ContentURL: res.ContentURL, HashContentURL: res.HashContentURL,
		RetryURL: res.RetryURL, RetryPost: res.RetryPost}
	v := s.view(c, "", res.Model.PageName, data)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if fragment {
		return c.Render("pop/body", v)
	}
	return c.Render("pop/page", v)
}

// popError answers a pop that cannot be shown: a small page with the
// reason and, when sign-in would help, a link to the pop sign-in. It never
// contains customer data.
func (s *Server) popError(c *fiber.Ctx, pt *pops.Target, err error) error {
	status, e := s.classifyCtx(c.UserContext(), err, c.Method(), c.Path())
	if status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds)
	}
	if pt != nil {
		popHeaders(c, pt.Settings)
	} else {
		popHeaders(c, nil)
	}
	lang := langOf(c)
	login := ""
	if pt != nil && e.Code == apperr.Unauthorized {
		// Back to the page after sign-in, without the call's parameters: a
		// refusal never repeats customer data, and the platform sends the
		// next call's parameters anyway.
		login = "/pop/" + pt.Tenant.Slug + "/login?next=" + url.QueryEscape(pt.Path)
		if ctiRequest(c) {
			// The CTI client's homepage before any sign-in (seed 003 §三
			// "在没有登录前，直接访问此地址"): the sign-in may go on to the
			// client's login.cgi, and comes back to the CTI homepage.
			login = ctiLoginForm(pt)
		}
	}
	c.Status(status)
	return c.Render("pop/error", s.view(c, "", e.In(lang), popErrorData{Status: status, Message: e.In(lang), Login: login}))
}

type popErrorData struct {
	Status  int
	Message string
	Login   string
}

// ctiHomepage is the CTI client's homepage (主页地址) of a pop page, as the
// README tells the CTI administrator to configure it.
func ctiHomepage(pt *pops.Target) string { return pt.Path + "?dialect=cti" }

// ctiLoginForm is the pop sign-in that goes on to the client's login.cgi
// and comes back to the CTI homepage.
func ctiLoginForm(pt *pops.Target) string {
	return "/pop/" + pt.Tenant.Slug + "/login?cti=1&next=" + url.QueryEscape(ctiHomepage(pt))
}

// popSeat answers the CTI client's homepage opened before the client's
// seat sign-in by an agent already signed in to screenpop (seed 003 §三
// "在没有登录前，直接访问此地址"; pops.Result.Seat): on to login.cgi with the
// stored CTI password, as after a sign-in, or — none stored — to the pop
// sign-in, which then asks only for the CTI password. done is false when
// the tenant's unified login is off after all.
func (s *Server) popSeat(c *fiber.Ctx, pt *pops.Target, agent *accounts.User) (done bool, err error) {
	seat, err := s.eng.Pops.CTILoginRedirect(c.UserContext(), pt.Tenant.ID, agent, "", strings.TrimRight(s.cfg.BaseURL, "/")+ctiHomepage(pt))
	switch {
	case pops.NeedsCTIPassword(err):
		return true, c.Redirect(ctiLoginForm(pt), fiber.StatusSeeOther)
	case err != nil:
		return true, s.popError(c, pt, err)
	case seat == "":
		return false, nil
	}
	return true, s.redirectToSeat(c, seat)
}

// redirectToSeat sends the window to the client's login.cgi, marking the
// round trip (cookieCTISeat).
func (s *Server) redirectToSeat(c *fiber.Ctx, seat string) error {
	setPopCookie(c, cookieCTISeat, "1", "/pop/", int(ctiSeatTTL.Seconds()))
	return c.Redirect(seat, fiber.StatusSeeOther)
}

// popSessionAgent is the tenant's agent signed in to screenpop in this
// browser (pop or UI session), or nil.
func (s *Server) popSessionAgent(c *fiber.Ctx, tenantID int64) (*accounts.User, error) {
	for _, token := range []string{c.Cookies(cookiePopSession), c.Cookies(cookieSession)} {
		if token == "" {
			continue
		}
		u, err := s.eng.Accounts.SessionUser(c.UserContext(), token)
		if err != nil && !apperr.Is(err, apperr.Unauthorized) {
			return nil, err
		}
		if err == nil && u.TenantID != nil && *u.TenantID == tenantID {
			return u, nil
		}
	}
	return nil, nil
}

// ctiRequest reports whether a pop request comes from the CTI client
// (seed 003): its parameters, or ?dialect=cti on its homepage.
func ctiRequest(c *fiber.Ctx) bool {
	v, _ := dialect.ParseQueryValues(string(c.Request().URI().QueryString()))
	name, err := dialect.Detect(dialect.FromValues(v), c.Method(), v.Get("dialect"))
	return err == nil && name == dialect.CTI
}

// ctiLogin says whether a pop sign-in goes on to the CTI client's
// login.cgi (seed 003 §二): asked for by the CTI homepage (cti=1) and
// turned on for the tenant. It returns the origin the sign-in form may
// then reach.
func ctiLogin(cti string, ps *pops.PlatformSettings) (string, bool) {
	if cti != "1" || ps == nil || !ps.CTIUnifiedLogin {
		return "", false
	}
	u, err := url.Parse(ps.CTILoginAddress())
	if err != nil {
		return "", false
	}
	return u.Scheme + "://" + u.Host, true
}

// popLoginForm is the agent sign-in inside a platform's frame (Aliyun's
// homepage flow) or the CTI client's window. Its cookies are
// SameSite=None; Secure; Partitioned so they work inside the platform's
// iframe and only there.
func (s *Server) popLoginForm(c *fiber.Ctx) error {
	t, err := s.eng.Accounts.TenantBySlug(c.UserContext(), c.Params("tenant"))
	if err != nil {
		return s.popError(c, nil, apperr.NotFoundf("pop.tenant_not_found"))
	}
	ps, err := s.eng.Pops.Settings(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	ctiOrigin, cti := ctiLogin(c.Query("cti"), ps)
	popHeadersForms(c, ps, ctiOrigin)
	token := c.Cookies(cookiePopCSRF)
	if len(token) < 32 {
		token = newCSRFCookieValue()
		setPopCookie(c, cookiePopCSRF, token, "/pop/", 0)
	}
	v := s.view(c, "", i18n.T(langOf(c), "login.title"), nil)
	v.CSRF = s.csrfToken(token)
	v.Form["next"] = safeNext(c.Query("next"))
	if cti {
		v.Form["cti"] = "1"
		// Already signed in (sent here by popSeat): only the CTI password
		// is asked for.
		agent, err := s.popSessionAgent(c, t.ID)
		if err != nil {
			return err
		}
		if agent != nil {
			v.Form["agent"] = agentName(agent)
		}
	}
	return c.Render("pop/login", v)
}

func agentName(u *accounts.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
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
	ctiOrigin, cti := ctiLogin(c.FormValue("cti"), ps)
	popHeadersForms(c, ps, ctiOrigin)
	cookie := c.Cookies(cookiePopCSRF)
	if cookie == "" || c.FormValue(csrfField) != s.csrfToken(cookie) {
		return s.popError(c, nil, apperr.New(apperr.Forbidden, "error.csrf"))
	}
	// An agent already signed in, asked only for the CTI password (the
	// form without a username, see popLoginForm), is seated as themselves.
	var agent *accounts.User
	if cti && c.FormValue("username") == "" {
		if agent, err = s.popSessionAgent(c, t.ID); err != nil {
			return err
		}
	}
	u := agent
	if agent == nil {
		u, err = s.eng.Accounts.Login(ctx, c.FormValue("username"), c.FormValue("password"), c.IP())
		if err == nil && (u.TenantID == nil || *u.TenantID != t.ID) {
			err = apperr.New(apperr.Unauthorized, "auth.bad_credentials")
		}
	}
	next := safeNext(c.FormValue("next"))
	if !strings.HasPrefix(next, "/pop/"+t.Slug+"/") && next != "/workspace" {
		next = "/pop/" + t.Slug + "/login?signed_in=1"
	}
	seat := ""
	if err == nil && cti {
		// seed 003 §二: "业务系统登录成功后，先重定向到一个特殊的URL" — the
		// client's login.cgi, coming back to our own absolute address.
		seat, err = s.eng.Pops.CTILoginRedirect(ctx, t.ID, u, c.FormValue("ctiPassword"), strings.TrimRight(s.cfg.BaseURL, "/")+next)
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return err
		}
		v := s.view(c, "", i18n.T(langOf(c), "login.title"), nil)
		v.CSRF = c.FormValue(csrfField)
		v.Form = formValues(c, "username", "next")
		if cti {
			v.Form["cti"] = "1"
		}
		if agent != nil {
			v.Form["agent"] = agentName(agent)
		}
		v.Error = e.In(v.Lang)
		c.Status(statusByCode[e.Code])
		return c.Render("pop/login", v)
	}
	if agent == nil {
		token, err := s.eng.Accounts.CreateSession(ctx, u.ID, c.IP(), c.Get(fiber.HeaderUserAgent))
		if err != nil {
			return err
		}
		setPopCookie(c, cookiePopSession, token, "/pop/", int(popSessionTTL.Seconds()))
	}
	if seat != "" {
		return s.redirectToSeat(c, seat)
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

// clearPopCookie removes a cookie setPopCookie wrote.
func clearPopCookie(c *fiber.Ctx, name, path string) {
	ck := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(ck)
	ck.SetKey(name)
	ck.SetPath(path)
	ck.SetHTTPOnly(true)
	ck.SetSameSite(fasthttp.CookieSameSiteNoneMode)
	ck.SetPartitioned(true)
	ck.SetMaxAge(-1)
	c.Response().Header.SetCookie(ck)
}
