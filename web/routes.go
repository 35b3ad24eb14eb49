package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
)

// routes is the one route table of the application.
func (s *Server) routes(app *fiber.App) {
	// Every response carries the security headers.
	app.Use(s.securityHeaders)

	// Probes and assets: no session, no tenant data.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Use("/static", s.static())

	// Everything else gets a body limit, a language, CSRF checks and the caller.
	app.Use(s.bodyLimit, s.resolveLanguage, s.csrf, s.authenticate)

	api := app.Group("/api/v1")
	s.mountAPI(app, api)

	app.Get("/", s.home)
	app.Get("/lang", s.switchLanguage)
	app.Get("/login", s.loginForm)
	app.Post("/login", s.login)
	app.Post("/logout", s.logout)

	admin := app.Group("/admin", s.requireUser(accounts.RoleAdmin))
	admin.Get("/tables", s.placeholder("tables", "tables.title"))
	admin.Get("/data", s.placeholder("data", "data.title"))
	admin.Get("/pages", s.placeholder("pages", "pages.title"))
	admin.Get("/pops", s.placeholder("pops", "pops.title"))
	admin.Get("/settings", s.settingsPage)
	admin.Post("/settings/users", s.createUser)
	admin.Post("/settings/apikeys", s.createAPIKey)
	admin.Post("/settings/apikeys/:id/revoke", s.revokeAPIKey)

	op := app.Group("/operator", s.requireUser(accounts.RoleOperator))
	op.Get("/tenants", s.tenantsPage)
	op.Post("/tenants", s.createTenant)
	op.Post("/tenants/:id/disabled", s.setTenantDisabled)
	op.Get("/params", s.paramsPage)
	op.Post("/params", s.saveParams)
	op.Get("/whitelist", s.whitelistPage)
	op.Post("/whitelist", s.addWhitelist)
	op.Post("/whitelist/:id/delete", s.removeWhitelist)

	app.Get("/workspace", s.requireUser(accounts.RoleAgent, accounts.RoleAdmin), s.workspace)
}
