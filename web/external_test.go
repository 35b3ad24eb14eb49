package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/external"
	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/pages"
)

const qcReply = `[{"objectName": "客户信息", "values": [
  {"valueNo": "1", "name": "姓名", "value": "zengxiangyu01", "type": "1", "isMandatory": true, "maskStyle": "1"},
  {"valueNo": "2", "name": "付费方式", "value": "2", "type": "5", "isMandatory": true,
   "dictItems": [{"key": "1", "value": "预付费"}, {"key": "2", "value": "后付费"}]}]}]`

// endpointServer is an enterprise's queryCustomer endpoint on loopback; it
// counts the queries it got and remembers the last parameter.
type endpointServer struct {
	*httptest.Server
	hits  atomic.Int64
	param atomic.Value
}

func newEndpoint(t *testing.T, h http.HandlerFunc) *endpointServer {
	t.Helper()
	s := &endpointServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		var req querycustomer.Request
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &req)
		s.param.Store(req.Param)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func replyWith(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		io.WriteString(w, body)
	}
}

func hangUp(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// loopbackConnector lets the engine's connector reach the tests' endpoints
// on loopback; the production client refuses them (engine/external tests).
func (e *env) loopbackConnector() {
	e.eng.External.UseClient(querycustomer.NewClient(querycustomer.Options{AllowLoopback: true}))
	e.t.Cleanup(e.eng.External.Close)
}

// externalPage registers an interface (http allowed) for url, grants it to
// the tenant and publishes an external page over it.
func (e *env) externalPage(tenantID int64, url string, timeoutMS int) (*external.Interface, *pages.Page) {
	e.t.Helper()
	ctx := context.Background()
	it, err := e.eng.External.Create(ctx, external.Input{Name: name("crm"), URL: url, AllowHTTP: true, TimeoutMS: timeoutMS})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.eng.External.SetGrants(ctx, it.ID, []int64{tenantID}); err != nil {
		e.t.Fatal(err)
	}
	p, err := e.eng.Pages.CreatePage(ctx, tenantID, name("外部"))
	if err != nil {
		e.t.Fatal(err)
	}
	def := pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal, ExternalInterfaceID: it.ID}
	if _, err := e.eng.Pages.SaveDraft(ctx, tenantID, p.ID, def, 0); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.eng.Pages.Publish(ctx, tenantID, p.ID, nil, ""); err != nil {
		e.t.Fatal(err)
	}
	return it, p
}

// An external page rendered by the web layer (the preview uses the pops'
// renderer): values for a correct reply; for slow, huge or non-JSON replies
// the unavailable state with its reason, the query parameter and a retry
// link, within the interface's timeout — never a blank page or a hang.
func TestExternalPageRendered(t *testing.T) {
	e := newEnv(t)
	e.loopbackConnector()
	seed, err := os.ReadFile("../engine/querycustomer/testdata/seed_example.json")
	if err != nil {
		t.Fatal(err)
	}
	huge := "[" + strings.Repeat(`{"objectName": "x", "values": []},`, 40000) + `{"objectName": "x", "values": []}]`
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    []string
		status  string
	}{
		{"correct", replyWith(qcReply), []string{"客户信息", "*********yu01", "后付费"}, "ok"},
		{"sloppy seed", replyWith(string(seed)), []string{"zengxiangyu01", "预付费"}, "ok"},
		{"slow", hangUp, []string{"客户信息暂不可用（客户系统响应超时）", "查询参数：152****1028", `class="retry"`}, "error"},
		{"huge", replyWith(huge), []string{"客户信息暂不可用（返回内容过大）", `class="retry"`}, "error"},
		{"not JSON", replyWith("<html>oops</html>"), []string{"客户信息暂不可用（返回内容不是有效的 JSON）", `class="retry"`}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.tenant()
			ep := newEndpoint(t, tt.handler)
			_, p := e.externalPage(f.Tenant.ID, ep.URL+querycustomer.DefaultPath, 400)
			b := e.browser()
			b.login(f.Admin.Username, f.Password)
			start := time.Now()
			resp, body := b.get(fmt.Sprintf("/admin/pages/%d/preview?draft=0&sample=15200001028", p.ID))
			if took := time.Since(start); took > 400*time.Millisecond+700*time.Millisecond {
				t.Errorf("took %v with a 400 ms timeout", took)
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-state="`+tt.status+`"`) {
				t.Fatalf("status %d, body %s", resp.StatusCode, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			if ep.param.Load() != "15200001028" {
				t.Errorf("the endpoint got param %v", ep.param.Load())
			}
		})
	}
}

// In the builder, the preview of an external page calls the interface only
// with a sample value: the placeholder preview never asks the enterprise.
func TestBuilderExternalSource(t *testing.T) {
	e := newEnv(t)
	e.loopbackConnector()
	f := e.tenant()
	ep := newEndpoint(t, replyWith(qcReply))
	it, _ := e.externalPage(f.Tenant.ID, ep.URL, 0)
	notGranted, err := e.eng.External.Create(t.Context(), external.Input{Name: name("other"), URL: "https://other.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	b.get("/admin/pages")
	resp, _ := b.post("/admin/pages", url.Values{"name": {"外部页面"}})
	builder := resp.Header.Get("Location")
	_, body := b.get(builder)
	island := regexp.MustCompile(`<script type="application/json" id="page-interfaces">(.*?)</script>`).FindStringSubmatch(body)
	if island == nil {
		t.Fatal("no interfaces island in the builder")
	}
	var offered []external.GrantedInterface
	if err := json.Unmarshal([]byte(island[1]), &offered); err != nil || len(offered) != 1 || offered[0].ID != it.ID {
		t.Fatalf("interfaces offered: %s (%v)", island[1], err)
	}
	if strings.Contains(island[1], ep.URL) {
		t.Error("the builder shows a tenant the interface's URL")
	}

	var pageID int64
	fmt.Sscanf(builder, "/admin/pages/%d", &pageID)
	save := func(id int64) (*http.Response, string) {
		r := httptestRequest(http.MethodPut, fmt.Sprintf("/api/v1/pages/%d/draft", pageID),
			fmt.Sprintf(`{"definition": {"layout": "block", "columns": 2, "source": "external", "externalInterfaceId": %d, "objects": []}}`, id))
		r.Header.Set("X-CSRF-Token", b.csrf)
		r.Header.Set("Accept-Language", "en")
		return b.do(r)
	}
	if resp, body := save(notGranted.ID); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "granted") {
		t.Fatalf("an interface not granted: %d %s", resp.StatusCode, body)
	}
	if resp, body := save(it.ID); resp.StatusCode != http.StatusOK {
		t.Fatalf("save: %d %s", resp.StatusCode, body)
	}
	before := ep.hits.Load()
	_, body = b.get(fmt.Sprintf("/admin/pages/%d/preview?draft=1", pageID))
	if !strings.Contains(body, `data-state="placeholder"`) || ep.hits.Load() != before {
		t.Fatalf("placeholder preview: hits %d → %d", before, ep.hits.Load())
	}
	_, body = b.get(fmt.Sprintf("/admin/pages/%d/preview?draft=1&sample=15200001028", pageID))
	if !strings.Contains(body, "后付费") || ep.hits.Load() != before+1 || ep.param.Load() != "15200001028" {
		t.Fatalf("sample preview (hits %d): %s", ep.hits.Load()-before, body)
	}
	// The REST list of granted interfaces says the same as the builder.
	_, out := e.api(http.MethodGet, "/api/v1/granted-interfaces", f.APIKey, nil)
	if items, _ := out["items"].([]any); len(items) != 1 {
		t.Errorf("granted-interfaces: %s", out["_body"])
	}
}

// The operator's registry over REST: create, read (never a header value),
// grant, check, allow-list; tenant admins are refused.
func TestExternalInterfacesAPI(t *testing.T) {
	e := newEnv(t)
	e.loopbackConnector()
	f := e.tenant()
	op := e.user(nil, accounts.RoleOperator, f.Password)
	b := e.browser()
	b.login(op.Username, f.Password)
	b.get("/operator/interfaces")
	call := func(method, path, body string) (int, map[string]any, string) {
		r := httptestRequest(method, path, body)
		r.Header.Set("X-CSRF-Token", b.csrf)
		r.Header.Set("Accept-Language", "en")
		resp, raw := b.do(r)
		out := map[string]any{}
		_ = json.Unmarshal([]byte(raw), &out)
		return resp.StatusCode, out, raw
	}
	ep := newEndpoint(t, replyWith(qcReply))
	code, _, raw := call("POST", "/api/v1/external-interfaces", `{"name": "CRM", "url": "http://crm.example.com/q"}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "body.url") || !strings.Contains(raw, "https") {
		t.Fatalf("http without allowHttp: %d %s", code, raw)
	}
	code, out, raw := call("POST", "/api/v1/external-interfaces", fmt.Sprintf(
		`{"name": %q, "url": %q, "allowHttp": true, "timeoutMs": 2000, "retries": 1, "headers": {"Authorization": "Bearer t0p-s3cret"}}`, name("CRM"), ep.URL))
	if code != http.StatusCreated || strings.Contains(raw, "t0p-s3cret") || !strings.Contains(raw, `"headerNames":["Authorization"]`) {
		t.Fatalf("create: %d %s", code, raw)
	}
	id := int64(out["id"].(float64))
	if code, _, raw = call("GET", fmt.Sprintf("/api/v1/external-interfaces/%d", id), ""); code != 200 || strings.Contains(raw, "t0p-s3cret") {
		t.Fatalf("get: %d %s", code, raw)
	}
	code, _, raw = call("PUT", fmt.Sprintf("/api/v1/external-interfaces/%d/grants", id), fmt.Sprintf(`{"tenantIds": [%d]}`, f.Tenant.ID))
	if code != 200 || !strings.Contains(raw, fmt.Sprintf(`"tenantIds":[%d]`, f.Tenant.ID)) {
		t.Fatalf("grants: %d %s", code, raw)
	}
	code, out, raw = call("POST", fmt.Sprintf("/api/v1/external-interfaces/%d/check", id), `{"param": "15200001028"}`)
	if code != 200 || out["passed"] != true || out["values"] != float64(2) || !strings.Contains(out["report"].(string), "no violations") {
		t.Fatalf("check: %d %s", code, raw)
	}
	if ep.param.Load() != "15200001028" {
		t.Errorf("check param %v", ep.param.Load())
	}
	// Update keeps the sealed header when headers are left out.
	code, _, raw = call("PUT", fmt.Sprintf("/api/v1/external-interfaces/%d", id), fmt.Sprintf(`{"name": "CRM 2", "url": %q, "allowHttp": true}`, ep.URL))
	if code != 200 || !strings.Contains(raw, `"headerNames":["Authorization"]`) || !strings.Contains(raw, `"timeoutMs":3000`) {
		t.Fatalf("update: %d %s", code, raw)
	}
	code, _, raw = call("POST", "/api/v1/external-allow-prefixes", `{"prefix": "127.0.0.1"}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "stays refused") {
		t.Fatalf("loopback prefix: %d %s", code, raw)
	}
	if code, _, raw = call("POST", "/api/v1/external-allow-prefixes", `{"prefix": "10.20.0.0/16", "description": "CRM"}`); code != http.StatusCreated {
		t.Fatalf("add prefix: %d %s", code, raw)
	}
	if code, _, raw = call("GET", "/api/v1/external-allow-prefixes", ""); code != 200 || !strings.Contains(raw, "10.20.0.0/16") {
		t.Fatalf("list prefixes: %d %s", code, raw)
	}
	if code, _, raw = call("DELETE", "/api/v1/external-allow-prefixes?prefix=10.20.0.0/16", ""); code != http.StatusNoContent {
		t.Fatalf("remove prefix: %d %s", code, raw)
	}
	// The document describes the operations.
	if _, out := e.api("GET", "/api/v1/openapi.json", "", nil); !strings.Contains(out["_body"].(string), "/external-interfaces/{id}/check") {
		t.Error("openapi lacks the interfaces")
	}
	// Tenants cannot touch the registry.
	for _, path := range []string{"/api/v1/external-interfaces", "/api/v1/external-allow-prefixes"} {
		if resp, _ := e.api("GET", path, f.APIKey, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("tenant key on %s: %d", path, resp.StatusCode)
		}
	}
	if code, _, _ = call("DELETE", fmt.Sprintf("/api/v1/external-interfaces/%d", id), ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
}

// The operator console: the registry page, a failed and a good create, the
// edit page with hidden header values, grants and the conformance check.
func TestExternalInterfacesConsole(t *testing.T) {
	e := newEnv(t)
	e.loopbackConnector()
	f := e.tenant()
	op := e.user(nil, accounts.RoleOperator, f.Password)
	b := e.browser()
	b.login(op.Username, f.Password)
	_, body := b.get("/operator/interfaces")
	if !strings.Contains(body, `href="/operator/interfaces" aria-current="page"`) {
		t.Fatal("no navigation entry")
	}
	form := url.Values{"name": {"CRM"}, "url": {"http://crm.example.com/q"}, "timeoutMs": {"3000"}, "retries": {"0"},
		"headers": {"Authorization: Bearer s3cret\nX-Tenant: acme"}}
	resp, body := b.post("/operator/interfaces", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请使用 https") || !strings.Contains(body, "X-Tenant: acme") {
		t.Fatalf("http without the flag: %d", resp.StatusCode)
	}
	seed, _ := os.ReadFile("../engine/querycustomer/testdata/seed_example.json")
	ep := newEndpoint(t, replyWith(string(seed)))
	form.Set("url", ep.URL+querycustomer.DefaultPath)
	form.Set("allowHttp", "on")
	form.Set("name", name("CRM"))
	resp, _ = b.post("/operator/interfaces", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	page := strings.TrimSuffix(resp.Header.Get("Location"), "?flash=saved")
	_, body = b.get(page)
	if strings.Contains(body, "s3cret") || !strings.Contains(body, "Authorization: ********") {
		t.Fatalf("edit page shows header values:\n%s", body)
	}
	// Saving the form as shown keeps the secret.
	form.Set("headers", "Authorization: ********\nX-Tenant: ********")
	form.Set("timeoutMs", "2500")
	if resp, body = b.post(page, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}
	var id int64
	fmt.Sscanf(page, "/operator/interfaces/%d", &id)
	it, _ := e.eng.External.Get(t.Context(), id)
	if h, _ := e.eng.External.Headers(it); h["Authorization"] != "Bearer s3cret" || it.TimeoutMS != 2500 {
		t.Fatalf("after update: %v %+v", h, it)
	}
	b.get(page)
	if resp, _ = b.post(page+"/grants", url.Values{"tenant": {fmt.Sprint(f.Tenant.ID)}}); resp.StatusCode != http.StatusSeeOther || !e.eng.External.Granted(t.Context(), f.Tenant.ID, id) {
		t.Fatalf("grants: %d", resp.StatusCode)
	}
	b.get(page)
	resp, body = b.post(page+"/check", url.Values{"param": {"15200001028"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `data-testid="check-failed"`) || !strings.Contains(body, "5 violations of the queryCustomer contract") ||
		!strings.Contains(body, "$[0].values[2].dictItems") {
		t.Fatalf("check of the seed's example:\n%s", body)
	}
	// The report reads in the operator's language too (issue 14).
	if !strings.Contains(body, "返回内容违反的 queryCustomer 接口规范") || !strings.Contains(body, "实际收到") || !strings.Contains(body, "耗时") {
		t.Fatalf("the conformance report is not translated:\n%s", body)
	}
	_, body = b.get("/operator/interfaces")
	if !strings.Contains(body, f.Tenant.Slug) {
		t.Error("the list does not show the grant")
	}
	resp, body = b.post("/operator/interfaces/allow", url.Values{"prefix": {"0.0.0.0/0"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "地址段过大") {
		t.Fatalf("wide prefix: %d", resp.StatusCode)
	}
	b.get("/operator/interfaces")
	if resp, _ = b.post("/operator/interfaces/allow", url.Values{"prefix": {"10.20.0.0/16"}, "description": {"内网 CRM"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add prefix: %d", resp.StatusCode)
	}
	if _, body = b.get("/operator/interfaces"); !strings.Contains(body, "10.20.0.0/16") {
		t.Fatal("prefix not listed")
	}
	if resp, _ = b.post("/operator/interfaces/allow/delete", url.Values{"prefix": {"10.20.0.0/16"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove prefix: %d", resp.StatusCode)
	}
	b.get(page)
	if resp, _ = b.post(page+"/delete", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	// Admins are not operators.
	ab := e.browser()
	ab.login(f.Admin.Username, f.Password)
	if resp, _ := ab.get("/operator/interfaces"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("admin on the registry: %d", resp.StatusCode)
	}
}

// servedTable publishes a customer page of base tables and returns it.
func (e *env) servedPage(tenantID int64) *pages.Page {
	e.t.Helper()
	tb := e.customerTable(tenantID)
	if _, err := e.eng.Tables.CreateRecord(context.Background(), tenantID, tb.ID,
		map[string]string{"手机号": "13912345678", "姓名": "张三", "证件号": "110101199001011234", "等级": "2"}); err != nil {
		e.t.Fatal(err)
	}
	return e.publishedPage(tenantID, tb)
}

// POST /rest/v1/queryCustomer answers the contract from base tables for a
// key bound to a published page.
func TestRestQueryCustomer(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	page := e.servedPage(f.Tenant.ID)
	ctx := t.Context()
	bound, _, err := e.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: f.Tenant.ID, Name: "qc", PageID: &page.ID})
	if err != nil {
		t.Fatal(err)
	}
	revealing, _, _ := e.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: f.Tenant.ID, Name: "qc2", PageID: &page.ID, Scopes: []string{"reveal"}})
	post := func(body string, header ...string) (*http.Response, string) {
		r := httptest.NewRequest(http.MethodPost, "/rest/v1/queryCustomer", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json; charset=UTF-8")
		r.Header.Set("Accept-Language", "en")
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		resp, err := e.app.Test(r, -1)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(raw)
	}
	for _, h := range [][]string{{"Authorization", "Bearer " + bound}, {"X-API-Key", bound}} {
		resp, body := post(`{"param": "139-1234-5678"}`, h...)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=UTF-8" {
			t.Fatalf("%s: %d %s", h[0], resp.StatusCode, body)
		}
		rep, err := querycustomer.Parse([]byte(body))
		if err != nil || !rep.Conforms() || len(rep.Objects) != 1 || rep.Objects[0].Name != "客户" {
			t.Fatalf("%s: %s (%v %v)", h[0], body, rep.Violations, err)
		}
		for _, want := range []string{`"name":"手机号","value":"*******5678","type":"1","length":"20","isMandatory":true,"maskStyle":"1"`,
			`"name":"等级","value":"2","type":"5"`, `"dictItems":[{"key":"1","value":"普通"},{"key":"2","value":"VIP"}]`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: reply lacks %s:\n%s", h[0], want, body)
			}
		}
	}
	if _, body := post(`{"param": "13912345678"}`, "Authorization", "Bearer "+revealing); !strings.Contains(body, `"value":"13912345678"`) {
		t.Errorf("reveal scope: %s", body)
	}
	if resp, body := post(`{"param": "13000000000"}`, "X-API-Key", bound); resp.StatusCode != 200 || body != "[]" {
		t.Errorf("unknown customer: %d %s", resp.StatusCode, body)
	}
	for _, bad := range []string{``, `not json`, `[]`, `{"param": 13912345678}`, `{"number": "1"}`, `{"param": "` + strings.Repeat("1", 300) + `"}`} {
		resp, body := post(bad, "X-API-Key", bound)
		var p map[string]any
		if resp.StatusCode != http.StatusBadRequest || json.Unmarshal([]byte(body), &p) != nil || p["status"] != float64(400) || !strings.Contains(body, "Malformed request") {
			t.Errorf("body %q: %d %s", bad, resp.StatusCode, body)
		}
	}
	for name, h := range map[string][]string{"missing": nil, "wrong": {"Authorization", "Bearer sp_wrong"}, "garbage": {"X-API-Key", "nope"}} {
		resp, body := post(`{"param": "13912345678"}`, h...)
		var p map[string]any
		if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(body), &p) != nil || p["status"] != float64(401) {
			t.Errorf("%s key: %d %s", name, resp.StatusCode, body)
		}
	}
	// An ordinary key may not serve pages, and a bound key may do nothing else.
	if resp, body := post(`{"param": "13912345678"}`, "X-API-Key", f.APIKey); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "not bound to a page") {
		t.Errorf("unbound key: %d %s", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/v1/users", "/api/v1/pages", "/api/v1/me"} {
		if resp, _ := e.api("GET", path, bound, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("bound key on %s: %d", path, resp.StatusCode)
		}
	}
	// A session cookie is not enough (and would need CSRF): keys only.
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	r := httptestRequest(http.MethodPost, "/rest/v1/queryCustomer", `{"param": "13912345678"}`)
	r.Header.Set("X-CSRF-Token", b.csrf)
	if resp, body := b.do(r); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("session: %d %s", resp.StatusCode, body)
	}
}

// Admins make page-bound keys in Settings and over REST.
func TestPageBoundKeyForms(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	page := e.servedPage(f.Tenant.ID)
	draft, _ := e.eng.Pages.CreatePage(t.Context(), f.Tenant.ID, name("草稿"))
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	_, body := b.get("/admin/settings")
	if !strings.Contains(body, fmt.Sprintf(`<option value="%d" >%s</option>`, page.ID, page.Name)) || strings.Contains(body, fmt.Sprintf(`<option value="%d"`, draft.ID)) {
		t.Fatalf("the page choice should list published pages only:\n%s", body)
	}
	resp, body := b.post("/admin/settings/apikeys", url.Values{"name": {"坐席系统"}, "pageId": {fmt.Sprint(draft.ID)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请先发布该页面") {
		t.Fatalf("draft page: %d", resp.StatusCode)
	}
	resp, body = b.post("/admin/settings/apikeys", url.Values{"name": {"坐席系统"}, "pageId": {fmt.Sprint(page.ID)}})
	key := regexp.MustCompile(`data-testid="new-key">(sp_[^<]+)<`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || key == nil || !strings.Contains(body, "queryCustomer · "+page.Name) {
		t.Fatalf("create bound key: %d", resp.StatusCode)
	}
	r := httptest.NewRequest(http.MethodPost, "/rest/v1/queryCustomer", strings.NewReader(`{"param": "13912345678"}`))
	r.Header.Set("X-API-Key", key[1])
	if resp, _ := e.app.Test(r, -1); resp.StatusCode != 200 {
		t.Fatalf("the new key: %d", resp.StatusCode)
	}
	resp, out := e.api("POST", "/api/v1/api-keys", f.APIKey, map[string]any{"name": "crm", "pageId": page.ID})
	if resp.StatusCode != http.StatusCreated || out["apiKey"].(map[string]any)["pageId"] != float64(page.ID) {
		t.Fatalf("REST: %d %s", resp.StatusCode, out["_body"])
	}
	resp, out = e.api("POST", "/api/v1/api-keys", f.APIKey, map[string]any{"name": "crm", "pageId": draft.ID})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out["_body"].(string), "body.pageId") {
		t.Fatalf("REST draft: %d %s", resp.StatusCode, out["_body"])
	}
}

// An external page popped through a signed link (single use) or a URL POST:
// when the interface fails, the page says why within the timeout, and its
// Retry works — a fresh signed link, or the same form posted again — and
// shows the customer once the interface answers.
func TestExternalPopRetry(t *testing.T) {
	e := newEnv(t)
	e.loopbackConnector()
	f := e.tenant()
	var slow atomic.Bool
	slow.Store(true)
	ep := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		if slow.Load() {
			hangUp(w, r)
			return
		}
		replyWith(qcReply)(w, r)
	})
	_, page := e.externalPage(f.Tenant.ID, ep.URL, 300)
	call := url.Values{"callerNum": {"15200001028"}, "calledNum": {"4008001234"}, "callType": {"0"}, "callid": {"c-9"}}
	link, _ := url.Parse(e.eng.PopRuntime.SignLink(f.Tenant.ID, f.Tenant.Slug, page.ID, call))
	retryLink := regexp.MustCompile(`class="retry" href="([^"]+)"`)

	start := time.Now()
	resp, body := e.browser().get(link.RequestURI())
	if took := time.Since(start); resp.StatusCode != 200 || !strings.Contains(body, "客户信息暂不可用（客户系统响应超时）") || took > time.Second {
		t.Fatalf("slow interface: %d after %v\n%s", resp.StatusCode, took, body)
	}
	m := retryLink.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no retry link:\n%s", body)
	}
	retry := strings.ReplaceAll(m[1], "&amp;", "&")
	if retry == link.RequestURI() {
		t.Fatal("the retry reuses the single-use link")
	}
	// The interface recovers; the retry shows the customer.
	slow.Store(false)
	resp, body = e.browser().get(retry)
	if resp.StatusCode != 200 || !strings.Contains(body, "后付费") {
		t.Fatalf("retry: %d\n%s", resp.StatusCode, body)
	}

	// URL POST, authorised by the agent's session: the retry posts the
	// same form, and the parameters stay out of the URL.
	slow.Store(true)
	b := e.browser()
	b.login(f.Agent.Username, f.Password)
	req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/pop/%s/%d", f.Tenant.Slug, page.ID), strings.NewReader(call.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body = b.do(req)
	if resp.StatusCode != 200 || !strings.Contains(body, "客户信息暂不可用") ||
		!strings.Contains(body, fmt.Sprintf(`<form method="post" action="/pop/%s/%d">`, f.Tenant.Slug, page.ID)) ||
		!strings.Contains(body, `name="callerNum" value="15200001028"`) {
		t.Fatalf("URL POST: %d\n%s", resp.StatusCode, body)
	}
}
