package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// statusByCode is the one mapping from domain error codes to HTTP statuses.
var statusByCode = map[apperr.Code]int{
	apperr.Invalid:      http.StatusUnprocessableEntity,
	apperr.BadRequest:   http.StatusBadRequest,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.RateLimited:  http.StatusTooManyRequests,
	apperr.TooLarge:     http.StatusRequestEntityTooLarge,
	apperr.Unavailable:  http.StatusServiceUnavailable,
	apperr.Internal:     http.StatusInternalServerError,
}

// classify turns any error into a status and a safe domain error. Anything
// that is not a domain error is logged here and replaced by a generic one, so
// internal details (SQL, paths) never reach a client.
func (s *Server) classify(err error, method, path string) (int, *apperr.Error) {
	return s.classifyCtx(context.Background(), err, method, path)
}

// classifyCtx is classify with the request's context, whose request id the
// log line carries.
func (s *Server) classifyCtx(ctx context.Context, err error, method, path string) (int, *apperr.Error) {
	if e, ok := apperr.As(err); ok {
		if e.Code == apperr.Unavailable && e.Err != nil {
			s.outage.note(s.log, e.Err)
		}
		return statusByCode[e.Code], e
	}
	if engine.IsUnavailable(err) {
		// The database, not the request: retryable, and logged once per
		// outage rather than once per request.
		s.outage.note(s.log, err)
		return http.StatusServiceUnavailable, apperr.New(apperr.Unavailable, "error.unavailable")
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound, fiber.StatusMethodNotAllowed:
			return fe.Code, apperr.New(apperr.NotFound, "error.not_found")
		case fiber.StatusRequestEntityTooLarge:
			if method == fiber.MethodPost && isUploadRoute(path) {
				e, _ := apperr.As(s.uploadTooLarge())
				return fe.Code, e
			}
			return fe.Code, apperr.New(apperr.TooLarge, "error.too_large")
		case fiber.StatusRequestHeaderFieldsTooLarge:
			return fe.Code, apperr.New(apperr.TooLarge, "error.headers_too_large")
		case fiber.StatusRequestTimeout:
			return fe.Code, apperr.New(apperr.Invalid, "error.invalid")
		case fiber.StatusBadRequest, fiber.StatusUnprocessableEntity:
			return fe.Code, apperr.New(apperr.Invalid, "error.invalid")
		}
	}
	s.log.ErrorContext(ctx, "request failed", "method", method, "path", path, "err", err)
	return http.StatusInternalServerError, apperr.New(apperr.Internal, "error.internal")
}

// problem is an RFC 9457 problem document, the same shape huma writes.
type problem struct {
	Type   string          `json:"type,omitempty"`
	Title  string          `json:"title"`
	Status int             `json:"status"`
	Detail string          `json:"detail,omitempty"`
	Errors []problemDetail `json:"errors,omitempty"`
}

type problemDetail struct {
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// handleError is Fiber's error handler: problem JSON for the API, an error
// page for people.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if len(c.Response().Header.Peek("Content-Security-Policy")) == 0 {
		// Refused by the server before any middleware ran (headers or
		// body too large): the response still gets the security headers.
		s.setSecurityHeaders(c)
	}
	status, e := s.classifyCtx(c.UserContext(), err, c.Method(), c.Path())
	lang := langOf(c)
	if status == http.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds)
	}
	if c.Locals(keyLang) == nil {
		// Refused by the server before any middleware ran (a body over
		// the limit): the language is the request's own.
		lang = i18n.FromAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
	}
	if wantsJSON(c) {
		p := problem{Title: http.StatusText(status), Status: status, Detail: e.In(lang)}
		for _, f := range e.Fields {
			p.Errors = append(p.Errors, problemDetail{Message: f.In(lang), Location: "body." + f.Field})
		}
		c.Status(status)
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.JSON(p, "application/problem+json")
	}
	c.Status(status)
	return c.Render("error", s.view(c, "", e.In(lang), errorView{Status: status, Message: e.In(lang)}), "layouts/bare")
}

// retryAfterSeconds is the Retry-After of a 503: an outage of the database
// is usually a restart or a failover, seconds long.
const retryAfterSeconds = "5"

// outageLog logs a database outage once when it starts and once when
// requests succeed again, not once per failed request (a 10 s outage under
// load is tens of thousands of them).
type outageLog struct {
	mu     sync.Mutex
	since  time.Time // first failure of the current outage; zero: none
	last   time.Time // latest failure
	failed int
}

// outageQuiet is how long without a failure ends an outage.
const outageQuiet = 10 * time.Second

func (o *outageLog) note(log *slog.Logger, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	if !o.since.IsZero() && now.Sub(o.last) > outageQuiet {
		log.Warn("database available again", "outage_s", o.last.Sub(o.since).Seconds(), "failed_requests", o.failed)
		o.since = time.Time{}
	}
	if o.since.IsZero() {
		o.since, o.failed = now, 0
		log.Error("database unavailable: answering 503 until it is back", "err", err)
	}
	o.last = now
	o.failed++
}

// recent reports whether a database failure was seen within d.
func (o *outageLog) recent(d time.Duration) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.last.IsZero() && time.Since(o.last) < d
}

type errorView struct {
	Status  int
	Message string
}

func wantsJSON(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), "/api/") || strings.HasPrefix(c.Path(), "/rest/") ||
		strings.Contains(c.Get(fiber.HeaderAccept), "json") && !strings.Contains(c.Get(fiber.HeaderAccept), "html")
}

// apiError converts an error from the engine into huma's problem error with
// the field details, translated into the caller's language.
func (s *Server) apiError(ctxLang, method, path string, err error) error {
	status, e := s.classify(err, method, path)
	details := make([]error, 0, len(e.Fields))
	for _, f := range e.Fields {
		details = append(details, &huma.ErrorDetail{Message: f.In(ctxLang), Location: "body." + f.Field})
	}
	return huma.NewError(status, e.In(ctxLang), details...)
}
