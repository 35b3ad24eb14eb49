package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// The REST API is written in three parts, each stated once:
//   - the operations and who may call them: the table in api_routes.go;
//   - the role check: a middleware of the huma group of each role set,
//     run before the request is read;
//   - the error path: handle wraps every handler so that whatever it
//     returns goes through classify (domain errors keep their status and
//     message, anything else is logged and answered by a generic 500), and
//     hideInternalErrors rewrites any 500 that got past it.
// A handler is a plain method that gets its caller and input and returns
// its output or a domain error.

// caller is who calls an operation; the role check has let them in.
type caller struct {
	*accounts.Principal
	lang string
}

// apiRoute is one REST operation of the route table.
type apiRoute struct {
	method, path, id, summary string
	tags                      []string
	roles                     roles
	handler                   apiHandler
}

// roles are the roles that may call an operation. Tenant roles act inside
// a tenant; the operator outside any.
type roles []accounts.Role

func (r roles) allow(p *accounts.Principal) bool {
	return slices.ContainsFunc(r, func(role accounts.Role) bool {
		return p.Role() == role && (role == accounts.RoleOperator) == (p.TenantID() == 0)
	})
}

func (r roles) key() string {
	names := make([]string, len(r))
	for i, role := range r {
		names[i] = string(role)
	}
	return strings.Join(names, ",")
}

// apiHandler registers a typed handler on an operation.
type apiHandler struct {
	register func(s *Server, api huma.API, op huma.Operation)
	// more sets what few operations need beyond the table's columns: a
	// description, a body limit, a status or response of their own.
	more func(op *huma.Operation)
}

// handle makes a table entry's handler out of a method. The wrapper is the
// API's one error path: every error a handler returns becomes a problem
// document through classify, so no internal text reaches a client.
func handle[I, O any](h func(ctx context.Context, c caller, in *I) (*O, error), more ...func(op *huma.Operation)) apiHandler {
	return apiHandler{
		register: func(s *Server, api huma.API, op huma.Operation) {
			huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
				c := caller{Principal: principalFromContext(ctx), lang: langFromContext(ctx)}
				out, err := h(ctx, c, in)
				if err != nil {
					return nil, s.apiError(c.lang, op.Method, op.Path, err)
				}
				return out, nil
			})
		},
		more: func(op *huma.Operation) {
			for _, m := range more {
				m(op)
			}
		},
	}
}

// mountAPI registers the REST API on /api/v1 and its OpenAPI document at
// /api/v1/openapi.json.
func (s *Server) mountAPI(app *fiber.App, group fiber.Router, routes []apiRoute) huma.API {
	cfg := huma.DefaultConfig("screenpop API", "1.0.0")
	cfg.Info.Description = "REST API of screenpop, the screen-pop engine. Authenticate with a tenant API key " +
		"(`Authorization: Bearer sp_…` or `X-API-Key`), or with the admin UI's session cookie plus the " +
		"`X-CSRF-Token` header on changes. Errors are RFC 9457 problem documents."
	cfg.Servers = []*huma.Server{{URL: s.cfg.BaseURL + "/api/v1"}}
	cfg.DocsPath = "" // the interactive docs page loads scripts from a CDN; the JSON is enough
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no "$schema" links: the schemas are inside openapi.json
	cfg.OpenAPIPath = "/openapi"
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"apiKey":  {Type: "http", Scheme: "bearer", Description: "A tenant API key, sp_…"},
		"session": {Type: "apiKey", In: "cookie", Name: cookieSession},
	}
	cfg.Security = []map[string][]string{{"apiKey": {}}, {"session": {}}}
	cfg.Transformers = append(cfg.Transformers, s.hideInternalErrors)
	api := humafiber.NewWithGroup(app, group, cfg)
	s.registerAPI(api, routes)
	return api
}

// registerAPI registers each operation of the table in the group of its
// role set.
func (s *Server) registerAPI(api huma.API, routes []apiRoute) {
	groups := map[string]*huma.Group{}
	for _, r := range routes {
		g := groups[r.roles.key()]
		if g == nil {
			g = huma.NewGroup(api)
			g.UseMiddleware(s.requireRoles(api, r.roles))
			groups[r.roles.key()] = g
		}
		op := huma.Operation{OperationID: r.id, Method: r.method, Path: r.path, Summary: r.summary, Tags: r.tags}
		switch r.method {
		case http.MethodPost:
			op.DefaultStatus = http.StatusCreated
		case http.MethodDelete:
			op.DefaultStatus = http.StatusNoContent
		}
		r.handler.more(&op)
		r.handler.register(s, g, op)
	}
}

// requireRoles is the group middleware that lets only callers with one of
// the roles reach an operation: 401 without a caller, 403 with another role.
func (s *Server) requireRoles(api huma.API, allowed roles) func(huma.Context, func(huma.Context)) {
	return func(hc huma.Context, next func(huma.Context)) {
		p := principalFromContext(hc.Context())
		var err *apperr.Error
		switch {
		case p == nil:
			err = apperr.New(apperr.Unauthorized, "error.unauthorized")
		case !allowed.allow(p):
			err = apperr.New(apperr.Forbidden, "error.forbidden")
		default:
			next(hc)
			return
		}
		_ = huma.WriteErr(api, hc, statusByCode[err.Code], err.In(langFromContext(hc.Context())))
	}
}

// hideInternalErrors is the last guard of the error path: a 500 problem
// document that did not come through handle (an operation registered some
// other way, or huma's own "unexpected error" with err.Error() in its
// details) is replaced by the generic one, and what it held is logged.
func (s *Server) hideInternalErrors(hc huma.Context, status string, v any) (any, error) {
	m, ok := v.(*huma.ErrorModel)
	if !ok || m.Status != http.StatusInternalServerError {
		return v, nil
	}
	generic := i18n.T(langFromContext(hc.Context()), "error.internal")
	if m.Detail == generic && len(m.Errors) == 0 {
		return v, nil
	}
	details := make([]string, 0, len(m.Errors))
	for _, d := range m.Errors {
		if d != nil {
			details = append(details, d.Message)
		}
	}
	s.log.Error("request failed", "method", hc.Method(), "path", hc.Operation().Path, "err", m.Detail, "details", details)
	return &huma.ErrorModel{Type: m.Type, Title: http.StatusText(http.StatusInternalServerError),
		Status: http.StatusInternalServerError, Detail: generic, Instance: m.Instance}, nil
}

// Common shapes.

// IDPath is a numeric id in the path.
type IDPath struct {
	ID int64 `path:"id" minimum:"1" doc:"Numeric id"`
}

// Empty is a response without a body.
type Empty struct{}
