package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
)

// routes is the one route table of the UI, the pops and the probes; the
// REST API's is apiRoutes (api_routes.go), mounted from here. It is one
// function longer than a hundred lines on purpose: the whole table, with
// the middleware each group passes, reads top to bottom in one place.
func (s *Server) routes(app *fiber.App) {
	// Every response carries the security headers.
	app.Use(s.securityHeaders)

	// Probes and assets: no session, no tenant data.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Use("/static", s.static())

	// The JS SDK and its demo: public static files, cached, so they set no
	// cookie (they are served before the CSRF middleware).
	app.Get("/sdk/screenpop.js", s.sdkFile("sdk/screenpop.js", "application/javascript; charset=utf-8"))
	app.Get("/sdk/demo.html", s.sdkFile("sdk/demo.html", "text/html; charset=utf-8"))
	app.Get("/sdk/demo.js", s.sdkFile("sdk/demo.js", "application/javascript; charset=utf-8"))

	// Everything else gets a body limit, a language, CSRF checks and the caller.
	app.Use(s.bodyLimit, s.resolveLanguage, s.csrf, s.authenticate)

	// The REST API: its own route table, apiRoutes in api_routes.go.
	s.mountAPI(app, app.Group("/api/v1"), s.apiRoutes())
	// The queryCustomer contract served from base tables, for API keys
	// bound to a page (SPEC §6).
	app.Post("/rest/v1/queryCustomer", s.restQueryCustomer)

	app.Get("/", s.home)
	app.Get("/lang", s.switchLanguage)
	app.Get("/login", s.loginForm)
	app.Post("/login", s.login)
	app.Post("/logout", s.logout)

	admin := app.Group("/admin", s.requireUser(accounts.RoleAdmin))
	admin.Get("/tables", s.tablesPage)
	admin.Post("/tables", s.createTable)
	admin.Get("/tables/:id", s.tablePage)
	admin.Post("/tables/:id", s.updateTable)
	admin.Post("/tables/:id/publish", s.publishTable)
	admin.Post("/tables/:id/delete", s.deleteTable)
	admin.Post("/tables/:id/fields", s.addField)
	admin.Post("/tables/:id/fields/:fid", s.updateField)
	admin.Post("/tables/:id/fields/:fid/delete", s.deleteField)
	admin.Post("/tables/:id/fields/:fid/move", s.moveField)
	admin.Get("/data", s.dataIndex)
	admin.Get("/data/:id", s.dataTable)
	admin.Get("/data/:id/new", s.newRecordPage)
	admin.Post("/data/:id/records", s.createRecord)
	admin.Get("/data/:id/records/:rid", s.recordPage)
	admin.Post("/data/:id/records/:rid", s.updateRecordForm)
	admin.Post("/data/:id/records/:rid/delete", s.deleteRecordForm)
	admin.Post("/data/:id/records/:rid/reveal", s.revealValue)
	admin.Get("/data/:id/imports", s.importsPage)
	admin.Post("/data/:id/imports", s.uploadImport)
	admin.Post("/data/:id/imports/:jid/cancel", s.cancelImport)
	admin.Get("/data/:id/imports/:jid/report", s.importReport)
	admin.Get("/data/:id/imports/:jid", s.importJobPage)
	admin.Get("/data/:id/template", s.importTemplate)
	admin.Get("/data/:id/export", s.exportData)
	admin.Get("/audit", s.auditPage)
	admin.Get("/simulator", s.simulatorPage)
	admin.Post("/simulator", s.simulate)
	admin.Get("/pages", s.pagesPage)
	admin.Post("/pages", s.createPage)
	admin.Get("/pages/:id", s.pageBuilder)
	admin.Post("/pages/:id", s.renamePage)
	admin.Post("/pages/:id/publish", s.publishPage)
	admin.Post("/pages/:id/rollback", s.rollbackPage)
	admin.Post("/pages/:id/delete", s.deletePage)
	admin.Get("/pages/:id/preview", s.pagePreview)
	admin.Get("/pops", s.popsPage)
	admin.Post("/pops", s.createPop)
	admin.Post("/pops/settings", s.savePopSettings)
	admin.Get("/pops/help/:dialect", s.popHelp)
	admin.Get("/pops/:id", s.editPopPage)
	admin.Post("/pops/:id", s.updatePop)
	admin.Post("/pops/:id/:action", s.popAction)
	admin.Get("/settings", s.settingsPage)
	admin.Post("/settings/users", s.createUser)
	admin.Get("/settings/users/:id", s.userPage)
	admin.Post("/settings/users/:id/:action", s.userAction)
	admin.Post("/settings/apikeys", s.createAPIKey)
	admin.Post("/settings/apikeys/:id/revoke", s.revokeAPIKey)

	op := app.Group("/operator", s.requireUser(accounts.RoleOperator))
	op.Get("/tenants", s.tenantsPage)
	op.Post("/tenants", s.createTenant)
	op.Post("/tenants/:id/disabled", s.setTenantDisabled)
	op.Get("/tenants/:tid", s.operatorTenantPage)
	op.Post("/tenants/:tid/users", s.operatorCreateUser)
	op.Get("/tenants/:tid/users/:id", s.userPage)
	op.Post("/tenants/:tid/users/:id/:action", s.userAction)
	op.Get("/params", s.paramsPage)
	op.Post("/params", s.saveParams)
	op.Get("/whitelist", s.whitelistPage)
	op.Post("/whitelist", s.addWhitelist)
	op.Post("/whitelist/:id/delete", s.removeWhitelist)
	op.Get("/interfaces", s.interfacesPage)
	op.Post("/interfaces", s.createInterface)
	op.Post("/interfaces/allow", s.addAllowPrefix)
	op.Post("/interfaces/allow/delete", s.removeAllowPrefix)
	op.Get("/interfaces/:id", s.interfacePage)
	op.Post("/interfaces/:id", s.updateInterface)
	op.Post("/interfaces/:id/grants", s.setInterfaceGrants)
	op.Post("/interfaces/:id/check", s.checkInterface)
	op.Post("/interfaces/:id/delete", s.deleteInterface)

	// The pop runtime: framed by the tenant's platforms, authorised per
	// request (signed link, platform signature, agent session, trusted address).
	app.Get("/pop/:tenant/login", s.popLoginForm)
	app.Post("/pop/:tenant/login", s.popLogin)
	app.Get("/pop/:tenant/:page/content", s.popContent)
	app.Get("/pop/:tenant/:page", s.popEntry)
	app.Post("/pop/:tenant/:page", s.popEntry)

	// The agent workspace (the JS SDK for pages inside it is above).
	agent := s.requireUser(accounts.RoleAgent, accounts.RoleAdmin)
	app.Get("/workspace", agent, s.workspace)
	app.Get("/workspace/state", agent, s.workspaceState)
	app.Get("/workspace/stream", agent, s.workspaceStream)
	app.Post("/workspace/outbound", agent, s.workspaceOutbound)
}
