package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// statusByCode is the one mapping from domain error codes to HTTP statuses.
var statusByCode = map[apperr.Code]int{
	apperr.Invalid:      http.StatusUnprocessableEntity,
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
	if e, ok := apperr.As(err); ok {
		return statusByCode[e.Code], e
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
		case fiber.StatusBadRequest, fiber.StatusUnprocessableEntity:
			return fe.Code, apperr.New(apperr.Invalid, "error.invalid")
		}
	}
	s.log.Error("request failed", "method", method, "path", path, "err", err)
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
	status, e := s.classify(err, c.Method(), c.Path())
	lang := langOf(c)
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
