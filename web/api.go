package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
)

// apiOp is what every API handler needs to know about its request.
type apiOp struct {
	ctx  context.Context
	p    *accounts.Principal
	lang string
	s    *Server
	name string
}

// fail converts a domain error into the API's problem response.
func (o apiOp) fail(err error) error { return o.s.apiError(o.lang, "API", o.name, err) }

// mountAPI registers the REST API on /api/v1 and its OpenAPI document at
// /api/v1/openapi.json.
func (s *Server) mountAPI(app *fiber.App, group fiber.Router) {
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
	api := humafiber.NewWithGroup(app, group, cfg)
	s.registerAccountsAPI(api)
	s.registerOperatorAPI(api)
	s.registerTablesAPI(api)
	s.registerPagesAPI(api)
	s.registerPopsAPI(api)
	s.registerCallsAPI(api)
	s.registerExternalAPI(api)
	s.registerImportsAPI(api)
}

// require checks the caller holds one of the roles (and, for tenant roles,
// acts inside a tenant) and returns the operation context.
func (s *Server) require(ctx context.Context, name string, roles ...accounts.Role) (apiOp, error) {
	op := apiOp{ctx: ctx, p: principalFromContext(ctx), lang: langFromContext(ctx), s: s, name: name}
	if op.p == nil {
		return op, op.fail(apperr.New(apperr.Unauthorized, "error.unauthorized"))
	}
	for _, r := range roles {
		if op.p.Role() == r && (r == accounts.RoleOperator) == (op.p.TenantID() == 0) {
			return op, nil
		}
	}
	return op, op.fail(apperr.New(apperr.Forbidden, "error.forbidden"))
}

// Common shapes.

// IDPath is a numeric id in the path.
type IDPath struct {
	ID int64 `path:"id" minimum:"1" doc:"Numeric id"`
}

// Empty is a response without a body.
type Empty struct{}

func register[I, O any](api huma.API, method, path, id, summary string, tags []string, h func(context.Context, *I) (*O, error)) {
	op := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: tags}
	if method == http.MethodPost {
		op.DefaultStatus = http.StatusCreated
	}
	if method == http.MethodDelete {
		op.DefaultStatus = http.StatusNoContent
	}
	huma.Register(api, op, h)
}
