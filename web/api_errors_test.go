package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

const secret = "secret internal detail"

// The API's error path, through the same route table and mounting as the
// real operations: whatever a handler returns, a client sees a problem
// document with a domain message or the generic 500, never internal text;
// the internal text is logged. The role check answers before a handler
// runs.
func TestAPIErrorPath(t *testing.T) {
	tenantID := int64(7)
	adminUser := &accounts.Principal{User: &accounts.User{ID: 1, TenantID: &tenantID, Role: accounts.RoleAdmin}}
	agentUser := &accounts.Principal{User: &accounts.User{ID: 2, TenantID: &tenantID, Role: accounts.RoleAgent}}
	ran := 0
	fails := func(err error) apiHandler {
		return handle(func(context.Context, caller, *struct{}) (*Empty, error) {
			ran++
			return nil, err
		})
	}
	routes := []apiRoute{
		{http.MethodGet, "/raw", "raw", "A raw error", nil, adminOnly, fails(errors.New(secret))},
		{http.MethodGet, "/wrapped", "wrapped", "A wrapped raw error", nil, adminOnly, fails(errors.Join(errors.New(secret), context.Canceled))},
		{http.MethodGet, "/not-found", "not-found", "A domain error", nil, adminOnly, fails(apperr.NotFoundf("table.not_found"))},
		{http.MethodGet, "/field", "field", "A field error", nil, adminOnly, fails(apperr.Field("name", "table.name_taken"))},
		{http.MethodGet, "/huma", "huma", "A huma error", nil, adminOnly, fails(huma.Error400BadRequest(secret))},
		{http.MethodGet, "/operator", "operator", "Operators only", nil, operatorOnly, fails(nil)},
	}
	s, logged := errorTestServer()
	app := errorTestApp(s, routes, adminUser, agentUser)
	// An operation registered past the table: huma itself puts err.Error()
	// into its 500, and the last guard takes it out.
	huma.Register(s.mountAPI(app, app.Group("/bypass"), nil), huma.Operation{OperationID: "bypass", Method: http.MethodGet, Path: "/raw"},
		func(context.Context, *struct{}) (*Empty, error) { return nil, errors.New(secret) })

	cases := []struct {
		path, as   string
		status     int
		detail     string // message key of the problem's detail
		handlerRan bool
	}{
		{"/api/v1/raw", "admin", http.StatusInternalServerError, "error.internal", true},
		{"/api/v1/wrapped", "admin", http.StatusInternalServerError, "error.internal", true},
		{"/api/v1/huma", "admin", http.StatusInternalServerError, "error.internal", true},
		{"/bypass/raw", "admin", http.StatusInternalServerError, "error.internal", false},
		{"/api/v1/not-found", "admin", http.StatusNotFound, "table.not_found", true},
		{"/api/v1/field", "admin", http.StatusUnprocessableEntity, "error.invalid", true},
		{"/api/v1/raw", "", http.StatusUnauthorized, "error.unauthorized", false},
		{"/api/v1/raw", "agent", http.StatusForbidden, "error.forbidden", false},
		{"/api/v1/operator", "admin", http.StatusForbidden, "error.forbidden", false},
	}
	for _, tc := range cases {
		t.Run(tc.path+" as "+tc.as, func(t *testing.T) {
			ran, logged.buf = 0, bytes.Buffer{}
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.Header.Set("X-Test-As", tc.as)
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (%s), want %d: %s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, body)
			}
			detail := i18n.T(i18n.English, tc.detail)
			if strings.Contains(string(body), secret) || !strings.Contains(string(body), `"detail":"`+detail+`"`) {
				t.Fatalf("body %s, want the detail %q and no internal text", body, detail)
			}
			if tc.detail == "error.invalid" && !strings.Contains(string(body), `"location":"body.name"`) {
				t.Fatalf("body %s lacks the field", body)
			}
			if tc.path != "/bypass/raw" && (ran > 0) != tc.handlerRan {
				t.Fatalf("handler ran: %v, want %v", ran > 0, tc.handlerRan)
			}
			if tc.status == http.StatusInternalServerError && !strings.Contains(logged.buf.String(), secret) {
				t.Fatalf("the internal error was not logged: %q", logged.buf.String())
			}
		})
	}
}

// logBuffer collects what the server logs.
type logBuffer struct{ buf bytes.Buffer }

func (l *logBuffer) Write(p []byte) (int, error) { return l.buf.Write(p) }

func errorTestServer() (*Server, *logBuffer) {
	logged := &logBuffer{}
	return &Server{log: slog.New(slog.NewTextHandler(logged, nil))}, logged
}

// errorTestApp serves routes like the real server, with the caller named
// by a test header in place of a session or an API key.
func errorTestApp(s *Server, routes []apiRoute, admin, agent *accounts.Principal) *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: s.handleError})
	app.Use(func(c *fiber.Ctx) error {
		c.Locals(keyLang, i18n.English)
		switch c.Get("X-Test-As") {
		case "admin":
			c.Locals(keyPrincipal, admin)
		case "agent":
			c.Locals(keyPrincipal, agent)
		}
		return c.Next()
	})
	s.mountAPI(app, app.Group("/api/v1"), routes)
	return app
}
