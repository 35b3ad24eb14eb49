package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// Keys of values kept on a request (fiber Locals); huma handlers read them
// back through context.Context.Value, which the humafiber adapter forwards.
type ctxKey int

const (
	keyLang ctxKey = iota
	keyPrincipal
	keyCSRF
)

const (
	cookieSession = "sp_session"
	cookieCSRF    = "sp_csrf"
	cookieLang    = "sp_lang"
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// adminCSP is the policy of every admin and API response: our own assets
// only, and no framing at all (pop routes, which platforms frame, set their
// own policy).
const adminCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", adminCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// Every dynamic response may carry tenant data; none may be cached.
	h.Set("Cache-Control", "no-store")
	if s.cfg.SecureCookies() {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// bodyLimit holds ordinary requests to DefaultBodyLimit; the server-wide
// limit is higher only so that file uploads can pass where a route allows.
func (s *Server) bodyLimit(c *fiber.Ctx) error {
	// The raw body: c.Body() would first inflate a compressed body, which
	// is how a small request becomes a memory bomb. No client of ours
	// compresses request bodies, so compressed ones are refused.
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return apperr.New(apperr.TooLarge, "error.too_large")
	}
	if len(c.Request().Body()) > DefaultBodyLimit && !isUploadRoute(c.Path()) {
		return apperr.New(apperr.TooLarge, "error.too_large")
	}
	// PostgreSQL text cannot hold NUL; refused here, a NUL would reach the
	// database and come back as a 500.
	if strings.Contains(c.Get(fiber.HeaderContentType), "json") && jsonHasNUL(c.Request().Body()) {
		return apperr.New(apperr.BadRequest, "error.nul")
	}
	return c.Next()
}

// jsonHasNUL reports a NUL in a JSON text: raw, or escaped as \u0000 (an
// escaped backslash before "u0000" is text, not a NUL).
func jsonHasNUL(body []byte) bool {
	if bytes.IndexByte(body, 0) >= 0 {
		return true
	}
	for i := 0; i+6 <= len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if body[i+1] == 'u' && string(body[i+2:i+6]) == "0000" {
			return true
		}
		i++ // skip the escaped character, so an escaped backslash and "u0000" is text
	}
	return false
}

// uploadRoutes are the routes that accept large bodies (imports), as
// requested: anything spelled otherwise gets the ordinary limit.
var uploadRoutes = regexp.MustCompile(`^/(admin/data|api/v1/tables)/[0-9]+/imports$`)

// isUploadRoute tells the routes that accept large bodies (imports).
func isUploadRoute(path string) bool {
	return uploadRoutes.MatchString(path)
}

func (s *Server) resolveLanguage(c *fiber.Ctx) error {
	c.Locals(keyLang, requestLanguage(c))
	return c.Next()
}

func requestLanguage(c *fiber.Ctx) string {
	lang := i18n.Normalize(c.Cookies(cookieLang))
	if lang == "" {
		lang = i18n.FromAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
	}
	return lang
}

// langOf is the caller's language; a request the server refused before any
// middleware ran (too large, bad headers) is asked directly.
func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals(keyLang).(string); ok {
		return l
	}
	return requestLanguage(c)
}

func langFromContext(ctx context.Context) string {
	if l, ok := ctx.Value(keyLang).(string); ok {
		return l
	}
	return i18n.Chinese
}

// csrf implements signed double-submit tokens: a random cookie, and a token
// that is the HMAC of that cookie under a server key. A forged cross-site
// form cannot read the cookie, so it cannot produce the token; and nothing
// is stored server-side, so every instance can check every token.
// Requests authenticated by an API key header carry no ambient credentials
// and are not checked.
func (s *Server) csrf(c *fiber.Ctx) error {
	cookie := c.Cookies(cookieCSRF)
	if len(cookie) < 32 {
		cookie = newCSRFCookieValue()
		c.Cookie(&fiber.Cookie{
			Name: cookieCSRF, Value: cookie, Path: "/", HTTPOnly: true,
			Secure: s.cfg.SecureCookies(), SameSite: fiber.CookieSameSiteLaxMode,
		})
		// A new cookie means any token the client holds is stale.
		c.Request().Header.DelCookie(cookieCSRF)
	}
	token := s.csrfToken(cookie)
	c.Locals(keyCSRF, token)

	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if apiKeyFrom(c) != "" || strings.HasPrefix(c.Path(), "/pop/") || strings.HasPrefix(c.Path(), "/rest/") {
		// Pop entries are read-only views that platforms post forms to
		// from their own origin (Huawei URL POST); the pop sign-in checks
		// its own token, bound to a cookie that works inside iframes.
		// /rest/ (queryCustomer) accepts API keys only, never the session
		// cookie, so a request without a key gets its 401 there.
		return c.Next()
	}
	sent := c.Get(csrfHeader)
	if sent == "" {
		sent = c.FormValue(csrfField)
	}
	valid := c.Request().Header.Cookie(cookieCSRF) != nil && hmac.Equal([]byte(sent), []byte(token))
	if pop := c.Cookies(cookiePopCSRF); !valid && pop != "" {
		// Inside a platform's iframe only the partitioned cookie arrives.
		valid = hmac.Equal([]byte(sent), []byte(s.csrfToken(pop)))
	}
	if !valid {
		return apperr.New(apperr.Forbidden, "error.csrf")
	}
	return c.Next()
}

func newCSRFCookieValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) csrfToken(cookie string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// apiKeyFrom returns an API key presented as "Authorization: Bearer sp_…" or
// "X-API-Key: sp_…".
func apiKeyFrom(c *fiber.Ctx) string {
	if k := c.Get("X-API-Key"); k != "" {
		return k
	}
	if auth := c.Get(fiber.HeaderAuthorization); len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

// authenticate finds who is calling (API key or session cookie) without
// refusing anyone; routes decide what they require.
func (s *Server) authenticate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if key := apiKeyFrom(c); key != "" {
		k, err := s.eng.Accounts.AuthenticateAPIKey(ctx, key)
		if err != nil {
			return err // a wrong key is an error, not an anonymous request
		}
		s.setPrincipal(c, &accounts.Principal{APIKey: k})
		return c.Next()
	}
	if token := c.Cookies(cookieSession); token != "" {
		u, err := s.eng.Accounts.SessionUser(ctx, token)
		switch {
		case err == nil:
			s.setPrincipal(c, &accounts.Principal{User: u})
		case apperr.Is(err, apperr.Unauthorized):
			c.ClearCookie(cookieSession)
		default:
			return err
		}
	} else if token := c.Cookies(cookiePopSession); token != "" && strings.HasPrefix(c.Path(), "/workspace") {
		// The workspace embedded in a platform's desk: the agent signed in
		// through the pop sign-in, whose cookie works in iframes.
		if u, err := s.eng.Accounts.SessionUser(ctx, token); err == nil {
			s.setPrincipal(c, &accounts.Principal{User: u})
			if pop := c.Cookies(cookiePopCSRF); pop != "" {
				c.Locals(keyCSRF, s.csrfToken(pop))
			}
		}
	}
	return c.Next()
}

// setPrincipal makes p the caller, for handlers (Locals) and for the
// services' rules and audit entries (the request context's actor).
func (s *Server) setPrincipal(c *fiber.Ctx, p *accounts.Principal) {
	c.Locals(keyPrincipal, p)
	c.SetUserContext(accounts.WithActor(c.UserContext(), p))
}

func principalOf(c *fiber.Ctx) *accounts.Principal {
	p, _ := c.Locals(keyPrincipal).(*accounts.Principal)
	return p
}

func principalFromContext(ctx context.Context) *accounts.Principal {
	p, _ := ctx.Value(keyPrincipal).(*accounts.Principal)
	return p
}

// requireUser lets a signed-in user with one of the roles through; others go
// to the login page (or get 403 if signed in with the wrong role).
func (s *Server) requireUser(roles ...accounts.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principalOf(c)
		if p == nil || p.User == nil {
			return c.Redirect("/login?next="+safeNext(c.OriginalURL()), fiber.StatusSeeOther)
		}
		for _, r := range roles {
			if p.User.Role == r {
				return c.Next()
			}
		}
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
}

// safeNext keeps redirects on our own site. The value goes into a Location
// header, so it must be a plain same-site path: printable ASCII only (a CR
// or LF would inject headers, a tab or space is dropped by browsers and
// turns "/\t/host" into "//host"), no backslash (browsers read it as a
// slash), not "//" (another host) and no scheme or host. Anything else is "/".
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	// Encoded forms of the same ("/%2F/host", "%0d%0a") are harmless to
	// browsers, but nothing of ours needs one and a later decoder might.
	decoded, err := url.PathUnescape(next)
	if err != nil || strings.HasPrefix(u.Path, "//") || strings.ContainsFunc(decoded, func(r rune) bool {
		return r < ' ' || r == 0x7f || r == '\\'
	}) {
		return "/"
	}
	return next
}
