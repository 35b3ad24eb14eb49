package web

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/screenpop/screenpop/engine/accounts"
)

// Who may call an operation.
var (
	operatorOnly = roles{accounts.RoleOperator}
	adminOnly    = roles{accounts.RoleAdmin}
	adminOrAgent = roles{accounts.RoleAdmin, accounts.RoleAgent}
	signedIn     = roles{accounts.RoleOperator, accounts.RoleAdmin, accounts.RoleAgent}
)

// The tags that group operations in the OpenAPI document.
var (
	tagAccounts = []string{"Accounts"}
	tagAPIKeys  = []string{"API keys"}
	tagOperator = []string{"Operator"}
	tagTables   = []string{"Base tables"}
	tagRecords  = []string{"Records"}
	tagAudit    = []string{"Audit"}
	tagPages    = []string{"Pages"}
	tagPops     = []string{"Pops"}
	tagCalls    = []string{"Calls"}
	tagExternal = []string{"External interfaces"}
	tagImports  = []string{"Import and export"}
)

// apiRoutes is the route table of the REST API under /api/v1, the
// counterpart of the UI's in routes.go: method, path, operation id,
// summary, tags, who may call it, and its handler. POST answers 201 and
// DELETE 204 unless the handler says otherwise. Every operation is here:
// an operation registered any other way would miss the role check (see
// TestEveryOperationIsInTheRouteTable).
func (s *Server) apiRoutes() []apiRoute {
	return []apiRoute{
		{http.MethodGet, "/me", "get-me", "Who am I", tagAccounts, signedIn, handle(s.apiGetMe)},
		{http.MethodGet, "/users", "list-users", "List the tenant's users", tagAccounts, adminOnly, handle(s.apiListUsers)},
		{http.MethodPost, "/users", "create-user", "Create a user in the tenant", tagAccounts, adminOnly, handle(s.apiCreateUser)},
		{http.MethodGet, "/users/{id}", "get-user", "Get a user of the tenant", tagAccounts, adminOnly, handle(s.apiGetUser)},
		{http.MethodPatch, "/users/{id}", "update-user", "Change a user of the tenant", tagAccounts, adminOnly, handle(s.apiUpdateUser)},
		{http.MethodPut, "/users/{id}/cti-password", "set-user-cti-password", "Store (sealed) or remove an agent's CTI password for the CTI client's login.cgi; never returned", tagAccounts, adminOnly, handle(s.apiSetCTIPassword)},
		{http.MethodGet, "/api-keys", "list-api-keys", "List the tenant's API keys", tagAPIKeys, adminOnly, handle(s.apiListAPIKeys)},
		{http.MethodPost, "/api-keys", "create-api-key", "Create an API key (the secret is returned once)", tagAPIKeys, adminOnly, handle(s.apiCreateAPIKey)},
		{http.MethodDelete, "/api-keys/{id}", "revoke-api-key", "Revoke an API key", tagAPIKeys, adminOnly, handle(s.apiRevokeAPIKey)},

		{http.MethodGet, "/tenants", "list-tenants", "List tenants", tagOperator, operatorOnly, handle(s.apiListTenants)},
		{http.MethodPost, "/tenants", "create-tenant", "Create a tenant", tagOperator, operatorOnly, handle(s.apiCreateTenant)},
		{http.MethodPatch, "/tenants/{id}", "update-tenant", "Disable or enable a tenant", tagOperator, operatorOnly, handle(s.apiUpdateTenant)},
		{http.MethodGet, "/system-params", "list-system-params", "List system parameters with ranges", tagOperator, operatorOnly, handle(s.apiListSystemParams)},
		{http.MethodPut, "/system-params", "set-system-params", "Set system parameters", tagOperator, operatorOnly, handle(s.apiSetSystemParams)},
		{http.MethodGet, "/url-whitelist", "list-url-whitelist", "List the URL whitelist", tagOperator, operatorOnly, handle(s.apiListURLWhitelist)},
		{http.MethodPost, "/url-whitelist", "add-url-whitelist", "Add a URL whitelist entry", tagOperator, operatorOnly, handle(s.apiAddURLWhitelist)},
		{http.MethodDelete, "/url-whitelist/{id}", "remove-url-whitelist", "Remove a URL whitelist entry", tagOperator, operatorOnly, handle(s.apiRemoveURLWhitelist)},

		{http.MethodGet, "/tables", "list-tables", "List base tables", tagTables, adminOnly, handle(s.apiListTables)},
		{http.MethodPost, "/tables", "create-table", "Create a draft base table", tagTables, adminOnly, handle(s.apiCreateTable)},
		{http.MethodGet, "/tables/{tableId}", "get-table", "Get a base table with its fields", tagTables, adminOnly, handle(s.apiGetTable)},
		{http.MethodPatch, "/tables/{tableId}", "update-table", "Rename a base table or change its description", tagTables, adminOnly, handle(s.apiUpdateTable)},
		{http.MethodDelete, "/tables/{tableId}", "delete-table", "Delete a base table and all its records", tagTables, adminOnly, handle(s.apiDeleteTable)},
		{http.MethodPost, "/tables/{tableId}/publish", "publish-table", "Publish a table so it takes data and feeds pages", tagTables, adminOnly, handle(s.apiPublishTable)},
		{http.MethodPost, "/tables/{tableId}/fields", "add-field", "Add a field", tagTables, adminOnly, handle(s.apiAddField)},
		{http.MethodPut, "/tables/{tableId}/fields/{fieldId}", "update-field", "Change a field", tagTables, adminOnly, handle(s.apiUpdateField)},
		{http.MethodDelete, "/tables/{tableId}/fields/{fieldId}", "delete-field", "Delete a field", tagTables, adminOnly, handle(s.apiDeleteField)},
		{http.MethodPut, "/tables/{tableId}/field-order", "reorder-fields", "Set the order of the fields", tagTables, adminOnly, handle(s.apiReorderFields)},
		{http.MethodGet, "/tables/{tableId}/records", "list-records", "List records (masked), or find one by index value", tagRecords, adminOnly, handle(s.apiListRecords)},
		{http.MethodPost, "/tables/{tableId}/records", "create-record", "Create a record", tagRecords, adminOnly, handle(s.apiCreateRecord)},
		{http.MethodGet, "/tables/{tableId}/records/{recordId}", "get-record", "Get a record (masked)", tagRecords, adminOnly, handle(s.apiGetRecord)},
		{http.MethodPatch, "/tables/{tableId}/records/{recordId}", "update-record", "Change a record; fields left out keep their values", tagRecords, adminOnly, handle(s.apiUpdateRecord)},
		{http.MethodDelete, "/tables/{tableId}/records/{recordId}", "delete-record", "Delete a record", tagRecords, adminOnly, handle(s.apiDeleteRecord)},
		{http.MethodPost, "/tables/{tableId}/records/{recordId}/reveal", "reveal-value", "Reveal one masked value (needs the reveal permission or scope; audited)", tagRecords, adminOrAgent, handle(s.apiRevealValue)},
		{http.MethodGet, "/audit", "list-audit", "Read the tenant's audit log (e.g. reveals)", tagAudit, adminOnly, handle(s.apiListAudit)},

		{http.MethodGet, "/pages", "list-pages", "List custom pages", tagPages, adminOnly, handle(s.apiListPages)},
		{http.MethodPost, "/pages", "create-page", "Create a page (draft)", tagPages, adminOnly, handle(s.apiCreatePage)},
		{http.MethodGet, "/pages/{pageId}", "get-page", "Get a page with its draft", tagPages, adminOnly, handle(s.apiGetPage)},
		{http.MethodPatch, "/pages/{pageId}", "rename-page", "Rename a page", tagPages, adminOnly, handle(s.apiRenamePage)},
		{http.MethodDelete, "/pages/{pageId}", "delete-page", "Delete a page and its versions", tagPages, adminOnly, handle(s.apiDeletePage)},
		{http.MethodPut, "/pages/{pageId}/draft", "save-page-draft", "Save the draft (agents keep seeing the published version)", tagPages, adminOnly, handle(s.apiSavePageDraft)},
		{http.MethodPost, "/pages/{pageId}/publish", "publish-page", "Publish the draft as a new version", tagPages, adminOnly, handle(s.apiPublishPage)},
		{http.MethodGet, "/pages/{pageId}/versions", "list-page-versions", "List published versions", tagPages, adminOnly, handle(s.apiListPageVersions)},
		{http.MethodPost, "/pages/{pageId}/rollback", "rollback-page", "Publish an earlier version again", tagPages, adminOnly, handle(s.apiRollbackPage)},
		{http.MethodGet, "/pages/{pageId}/render", "render-page", "Render a page for a customer number, as the render model (masked)", tagPages, adminOnly, handle(s.apiRenderPage)},

		{http.MethodGet, "/pops", "list-pops", "List pop pages in the order they pop", tagPops, adminOnly, handle(s.apiListPops)},
		{http.MethodPost, "/pops", "create-pop", "Add a pop page at the end of its media tab", tagPops, adminOnly, handle(s.apiCreatePop)},
		{http.MethodGet, "/pops/{popId}", "get-pop", "Get a pop page", tagPops, adminOnly, handle(s.apiGetPop)},
		{http.MethodPut, "/pops/{popId}", "update-pop", "Change a pop page", tagPops, adminOnly, handle(s.apiUpdatePop)},
		{http.MethodDelete, "/pops/{popId}", "delete-pop", "Delete a pop page", tagPops, adminOnly, handle(s.apiDeletePop)},
		{http.MethodPost, "/pops/{popId}/move", "move-pop", "Move a pop page up or down (the top one pops first)", tagPops, adminOnly, handle(s.apiMovePop)},
		{http.MethodGet, "/pop-settings", "get-pop-settings", "Platform origins, trusted addresses and Sobot credentials", tagPops, adminOnly, handle(s.apiGetPopSettings)},
		{http.MethodPut, "/pop-settings", "set-pop-settings", "Change the platform settings", tagPops, adminOnly, handle(s.apiSetPopSettings)},
		{http.MethodPost, "/pop-links", "create-pop-link", "Sign a pop URL for a call (valid ±300 s, single use), for platforms or middleware that call an API before opening the pop", tagPops, adminOnly, handle(s.apiCreatePopLink)},

		{http.MethodPost, "/calls/events", "post-call-event", "Report a call event for an agent; the agent's workspace pops at once, on any instance", tagCalls, adminOnly, handle(s.apiPostCallEvent)},
		{http.MethodPost, "/calls/{callid}/verify", "post-verify-result", "Report an identity-verification result; pages read it with getVerifyResult", tagCalls, adminOnly, handle(s.apiPostVerifyResult)},
		{http.MethodGet, "/calls/{callid}/verify", "list-verify-results", "Read a call's verification results", tagCalls, adminOrAgent, handle(s.apiListVerifyResults)},

		{http.MethodGet, "/external-interfaces", "list-external-interfaces", "List external interfaces (operator)", tagExternal, operatorOnly, handle(s.apiListExternalInterfaces)},
		{http.MethodPost, "/external-interfaces", "create-external-interface", "Register an external interface (operator)", tagExternal, operatorOnly, handle(s.apiCreateExternalInterface)},
		{http.MethodGet, "/external-interfaces/{id}", "get-external-interface", "Get an external interface (operator)", tagExternal, operatorOnly, handle(s.apiGetExternalInterface)},
		{http.MethodPut, "/external-interfaces/{id}", "update-external-interface", "Change an external interface (operator)", tagExternal, operatorOnly, handle(s.apiUpdateExternalInterface)},
		{http.MethodDelete, "/external-interfaces/{id}", "delete-external-interface", "Delete an external interface and its grants (operator)", tagExternal, operatorOnly, handle(s.apiDeleteExternalInterface)},
		{http.MethodPut, "/external-interfaces/{id}/grants", "set-external-interface-grants", "Set the tenants granted an interface (operator)", tagExternal, operatorOnly, handle(s.apiSetExternalInterfaceGrants)},
		{http.MethodPost, "/external-interfaces/{id}/check", "check-external-interface", "Query an interface once and report its conformance to the queryCustomer contract (operator)", tagExternal, operatorOnly, handle(s.apiCheckExternalInterface, answersOK)},
		{http.MethodGet, "/external-allow-prefixes", "list-external-allow-prefixes", "List the private address ranges the connector may dial (operator)", tagExternal, operatorOnly, handle(s.apiListExternalAllowPrefixes)},
		{http.MethodPost, "/external-allow-prefixes", "add-external-allow-prefix", "Allow the connector to dial a private address range (operator)", tagExternal, operatorOnly, handle(s.apiAddExternalAllowPrefix)},
		{http.MethodDelete, "/external-allow-prefixes", "remove-external-allow-prefix", "Remove an allowed address range (operator)", tagExternal, operatorOnly, handle(s.apiRemoveExternalAllowPrefix)},
		{http.MethodGet, "/granted-interfaces", "list-granted-interfaces", "List the external interfaces granted to your tenant, for external pages", tagPages, adminOnly, handle(s.apiListGrantedInterfaces)},

		{http.MethodPost, "/tables/{tableId}/imports", "create-import", "Import a CSV or XLSX file", tagImports, adminOnly, handle(s.apiCreateImport, createImportDoc)},
		{http.MethodGet, "/tables/{tableId}/imports", "list-imports", "List a table's imports, newest first", tagImports, adminOnly, handle(s.apiListImports)},
		{http.MethodGet, "/tables/{tableId}/imports/{importId}", "get-import", "Get an import: status (queued, running, done, failed, cancelled), progress and counts", tagImports, adminOnly, handle(s.apiGetImport)},
		{http.MethodPost, "/tables/{tableId}/imports/{importId}/cancel", "cancel-import", "Cancel a queued or running import (rows already committed stay)", tagImports, adminOnly, handle(s.apiCancelImport, answersOK)},
		{http.MethodGet, "/tables/{tableId}/imports/{importId}/report", "import-report", "Download an import's error report (CSV: line, column, reason; never a cell value)", tagImports, adminOnly, handle(s.apiImportReport)},
		{http.MethodGet, "/tables/{tableId}/template", "import-template", "Download the import template of a published table (CSV with a UTF-8 BOM, or XLSX)", tagImports, adminOnly, handle(s.apiImportTemplate)},
		{http.MethodGet, "/tables/{tableId}/export", "export-records", "Export a table's records as CSV or XLSX (masked unless reveal)", tagImports, adminOnly, handle(s.apiExportRecords, exportRecordsDoc)},
	}
}

// answersOK is for a POST that creates nothing (an action on something that
// exists): it answers 200, not 201.
func answersOK(op *huma.Operation) { op.DefaultStatus = http.StatusOK }
