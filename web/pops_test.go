package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
)

var markedPhone = true

// publishedPage builds and publishes a page over the customer table: the
// masked phone, the name, the level, and an unmasked alternative phone,
// marked as a phone, that gets a call button.
func (e *env) publishedPage(tenantID int64, tb *tables.Table) *pages.Page {
	e.t.Helper()
	ctx := context.Background()
	alt, err := e.eng.Tables.AddField(ctx, tenantID, tb.ID, tables.FieldInput{Name: "备用电话", Type: tables.TypeString})
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := e.eng.Pages.CreatePage(ctx, tenantID, name("来电"))
	if err != nil {
		e.t.Fatal(err)
	}
	def := pages.DefaultDefinition()
	def.Objects = []pages.Object{{Name: "客户", TableID: tb.ID, Fields: []pages.ObjectField{
		{FieldID: tb.FieldByName("手机号").ID}, {FieldID: tb.FieldByName("姓名").ID},
		{FieldID: tb.FieldByName("等级").ID}, {FieldID: alt.ID, Phone: &markedPhone},
	}}}
	if _, err := e.eng.Pages.SaveDraft(ctx, tenantID, p.ID, def, 0); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.eng.Pages.Publish(ctx, tenantID, p.ID, nil, ""); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func TestPopConfigurationRules(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	draft, err := e.eng.Pages.CreatePage(t.Context(), f.Tenant.ID, name("草稿"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Settings.AddWhitelist(t.Context(), "https://crm.example.com/", ""); err != nil {
		t.Fatal(err)
	}
	internal := func(name string) map[string]any {
		return map[string]any{"mediaType": "audio", "name": name, "pageType": "internal", "pageId": page.ID, "openMode": "embed", "enabled": true}
	}
	post := func(body map[string]any) (int, string) {
		resp, out := e.api("POST", "/api/v1/pops", f.APIKey, body)
		return resp.StatusCode, out["_body"].(string)
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}
	refusals := []struct {
		name string
		body map[string]any
		want string
	}{
		{"http external", with(internal("a"), "pageType", "external", "url", "http://crm.example.com/x"), "External pages must use https."},
		{"not whitelisted", with(internal("b"), "pageType", "external", "url", "https://evil.example.net/x"), "not on the operator's URL whitelist"},
		{"unpublished page", with(internal("c"), "pageId", draft.ID), "Publish this page first"},
		{"disabled homepage", with(internal("d"), "enabled", false, "homepage", true), "A disabled page cannot be the homepage."},
		{"bad call key", with(internal("e"), "params", []map[string]string{{"name": "p", "source": "call", "key": "nope"}}), "nine call-data parameters"},
		{"duplicate param", with(internal("f"), "params", []map[string]string{{"name": "p", "source": "call", "key": "callid"}, {"name": "p", "source": "assoc", "key": "x"}}), "Parameter p appears twice."},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			status, body := post(r.body)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, r.want) {
				t.Fatalf("status %d body %s; want 422 with %q", status, body, r.want)
			}
		})
	}

	// The URL-parameter limit follows the system parameter.
	if err := e.eng.Settings.SetParams(t.Context(), map[settings.Param]string{settings.URLParamsPerPage: "1", settings.PopPagesPerMedia: "3"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.eng.Settings.SetParams(context.Background(), map[settings.Param]string{settings.URLParamsPerPage: "10", settings.PopPagesPerMedia: "5"})
	})
	two := []map[string]string{{"name": "a", "source": "call", "key": "callid"}, {"name": "b", "source": "call", "key": "callerNum"}}
	if status, body := post(with(internal("params"), "params", two)); status != 422 || !strings.Contains(body, "At most 1 URL parameters per pop page.") {
		t.Fatalf("param limit: %d %s", status, body)
	}

	// Pages per media type; order; the one homepage.
	var ids []int64
	for i, n := range []string{"one", "two", "three"} {
		status, body := post(with(internal(n), "homepage", i == 0))
		if status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", n, status, body)
		}
		cs, _ := e.eng.Pops.ListConfigs(t.Context(), f.Tenant.ID, "audio")
		ids = append(ids, cs[len(cs)-1].ID)
	}
	if status, body := post(internal("four")); status != 422 || !strings.Contains(body, "At most 3 pop pages per media type.") {
		t.Fatalf("pops limit: %d %s", status, body)
	}
	if status, _ := post(with(internal("other tab"), "mediaType", "multimedia")); status != http.StatusCreated {
		t.Fatal("the limit is per media type")
	}
	order := func() string {
		cs, _ := e.eng.Pops.ListConfigs(t.Context(), f.Tenant.ID, "audio")
		var names []string
		for _, c := range cs {
			flag := ""
			if c.Homepage {
				flag = "*"
			}
			names = append(names, c.Name+flag)
		}
		return strings.Join(names, ",")
	}
	if got := order(); got != "one*,two,three" {
		t.Fatalf("order %s", got)
	}
	e.api("POST", fmt.Sprintf("/api/v1/pops/%d/move", ids[2]), f.APIKey, map[string]string{"direction": "up"})
	e.api("POST", fmt.Sprintf("/api/v1/pops/%d/move", ids[0]), f.APIKey, map[string]string{"direction": "up"}) // already first
	if got := order(); got != "one*,three,two" {
		t.Fatalf("after moves %s", got)
	}
	// Making another page the homepage moves the flag; disabling it clears it.
	if resp, out := e.api("PUT", fmt.Sprintf("/api/v1/pops/%d", ids[1]), f.APIKey, with(internal("two"), "homepage", true)); resp.StatusCode != 200 {
		t.Fatalf("homepage move: %s", out["_body"])
	}
	if got := order(); got != "one,three,two*" {
		t.Fatalf("homepage moved: %s", got)
	}
	if err := e.eng.Pops.SetEnabled(t.Context(), f.Tenant.ID, ids[1], false); err != nil {
		t.Fatal(err)
	}
	if got := order(); got != "one,three,two" {
		t.Fatalf("disabling the homepage left the flag: %s", got)
	}
	// Another tenant cannot see or change these.
	other := e.tenant()
	for _, c := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/api/v1/pops/%d", ids[0])}, {"DELETE", fmt.Sprintf("/api/v1/pops/%d", ids[0])},
	} {
		if resp, _ := e.api(c.method, c.path, other.APIKey, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s by another tenant: %d", c.method, c.path, resp.StatusCode)
		}
	}
}

// What an anonymous or forged request to a pop gets: a refusal page without
// customer data.
func TestPopAccessRefusals(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": "13912345678", "姓名": "赵六", "备用电话": "02155550123"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{"https://cec.example.com"}, SobotSysNum: "sys123"}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/pop/%s/%d", f.Tenant.Slug, page.ID)
	call := url.Values{"callerNum": {"13912345678"}, "calledNum": {"4008001234"}, "callType": {"0"}, "callid": {"c-1"}}
	signed := func(vals url.Values) string {
		u, _ := url.Parse(e.eng.PopRuntime.SignLink(f.Tenant.ID, f.Tenant.Slug, page.ID, vals))
		return u.RequestURI()
	}
	good := signed(call)
	replay := signed(call)
	if resp, body := e.browser().get(replay); resp.StatusCode != 200 || !strings.Contains(body, "赵六") {
		t.Fatalf("a fresh signed link: %d", resp.StatusCode)
	}
	tampered := strings.Replace(good, "13912345678", "13912345679", 1)
	expired := func() string {
		u, _ := url.Parse(e.eng.PopRuntime.SignLinkAt(f.Tenant.ID, f.Tenant.Slug, page.ID, call, time.Now().Add(-10*time.Minute)))
		return u.RequestURI()
	}()
	other := e.tenant()
	otherURL, _ := url.Parse(e.eng.PopRuntime.SignLink(other.Tenant.ID, other.Tenant.Slug, page.ID, call))
	otherSigned := otherURL.RequestURI()
	cases := []struct {
		name, path string
		status     int
		want       string
	}{
		{"no credentials", path + "?" + call.Encode(), 401, "请登录后查看客户信息"},
		{"wrong signature", tampered, 401, "签名不匹配"},
		{"expired timestamp", expired, 401, "链接已过期"},
		{"replayed link", replay, 401, "该链接已被使用"},
		{"sobot wrong sign", path + "?partnerId=p1&email=a%40b.c&uphone=13912345678&sign=deadbeef", 401, "签名不匹配"},
		{"another tenant's page, signed by that tenant", otherSigned, 404, "页面不存在"},
		{"unknown tenant", fmt.Sprintf("/pop/no-such-tenant/%d?%s", page.ID, call.Encode()), 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.browser().get(c.path)
			if resp.StatusCode != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("status %d, want %d with %q:\n%s", resp.StatusCode, c.status, c.want, body)
			}
			for _, leak := range []string{"赵六", "5678", "02155550123"} {
				if strings.Contains(body, leak) {
					t.Fatalf("refusal leaks %q", leak)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); c.status == 401 && !strings.Contains(csp, "frame-ancestors 'self' https://cec.example.com") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	// Framing: only the tenant's platform origins appear in frame-ancestors.
	resp, _ := e.browser().get(signed(call))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' https://cec.example.com") || strings.Contains(csp, "*") {
		t.Fatalf("pop CSP %q", csp)
	}
	if resp.Header.Get("X-Frame-Options") != "" {
		t.Fatal("X-Frame-Options DENY would block the platforms")
	}
}

// The agent sign-in inside a platform's frame (Aliyun's homepage flow): its
// cookie works in a third-party iframe (SameSite=None; Secure; Partitioned)
// and opens the tenant's pops, not another tenant's.
func TestPopSignInInsideThePlatform(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": "13912345678", "姓名": "钱七"}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	loginPath := "/pop/" + f.Tenant.Slug + "/login"
	resp, _ := b.get(loginPath + "?next=/pop/" + f.Tenant.Slug + "/" + fmt.Sprint(page.ID))
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Fatalf("pop login page: %d", resp.StatusCode)
	}
	var csrfCookie string
	for _, c := range resp.Header.Values("Set-Cookie") {
		lc := strings.ToLower(c)
		if strings.HasPrefix(c, "sp_pop_csrf=") && strings.Contains(lc, "samesite=none") && strings.Contains(lc, "secure") && strings.Contains(lc, "partitioned") {
			csrfCookie = c
		}
	}
	if csrfCookie == "" {
		t.Fatalf("no partitioned CSRF cookie: %v", resp.Header.Values("Set-Cookie"))
	}
	// Without the token: refused.
	if resp, _ := b.post(loginPath, url.Values{"_csrf": {"x"}, "username": {f.Agent.Username}, "password": {f.Password}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("pop login without CSRF: %d", resp.StatusCode)
	}
	b.get(loginPath)
	resp, _ = b.post(loginPath, url.Values{"username": {f.Agent.Username}, "password": {f.Password}, "next": {"/pop/" + f.Tenant.Slug + "/" + fmt.Sprint(page.ID)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pop login: %d", resp.StatusCode)
	}
	var session string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "sp_pop=") {
			session = c
		}
	}
	if ls := strings.ToLower(session); !strings.Contains(ls, "samesite=none") || !strings.Contains(ls, "partitioned") || !strings.Contains(ls, "httponly") || !strings.Contains(ls, "secure") {
		t.Fatalf("pop session cookie %q", session)
	}
	_, body := b.get(fmt.Sprintf("/pop/%s/%d?callNumber=13912345678&callType=Inbound&contactId=c1", f.Tenant.Slug, page.ID))
	if !strings.Contains(body, "钱七") {
		t.Fatal("signed-in agent does not see the customer")
	}
	// The same session is nobody on another tenant's pops.
	other := e.tenant()
	op := e.publishedPage(other.Tenant.ID, e.customerTable(other.Tenant.ID))
	if resp, _ := b.get(fmt.Sprintf("/pop/%s/%d?callNumber=13912345678&callType=Inbound", other.Tenant.Slug, op.ID)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("session of tenant A on tenant B's pop: %d", resp.StatusCode)
	}
	// An admin finds what to paste into each platform's console.
	if _, err := e.eng.Pops.CreateConfig(t.Context(), f.Tenant.ID, pops.ConfigInput{MediaType: "audio", Name: "客户", PageType: "internal",
		PageID: page.ID, OpenMode: "embed", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	ab := e.browser()
	ab.login(f.Admin.Username, f.Password)
	for _, d := range dialect.Names() {
		resp, body := ab.get("/admin/pops/help/" + string(d))
		want := fmt.Sprintf("/pop/%s/%d?dialect=%s", f.Tenant.Slug, page.ID, d)
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("help for %s lacks %s", d, want)
		}
		// Every platform's guide says what a call without a direction is.
		if !strings.Contains(body, "按呼入处理") && !strings.Contains(body, "read as inbound") {
			t.Errorf("help for %s does not say that no direction means inbound", d)
		}
	}
}

// The workspace embedded as one iframe in a platform's desk: the agent signs
// in through the pop sign-in (partitioned cookies), and the workspace may be
// framed by the tenant's platforms only.
func TestWorkspaceEmbeddedInAPlatform(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	work := "7001"
	if _, err := e.eng.Accounts.UpdateUser(t.Context(), f.Tenant.ID, f.Agent.ID, accounts.UserUpdate{WorkNo: &work}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{FrameOrigins: []string{"https://desk.example.com"}}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	loginPath := "/pop/" + f.Tenant.Slug + "/login"
	b.get(loginPath + "?next=/workspace")
	delete(b.cookies, "sp_csrf") // inside a third-party frame the Lax cookie never arrives
	resp, _ := b.post(loginPath, url.Values{"username": {f.Agent.Username}, "password": {f.Password}, "next": {"/workspace"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/workspace" {
		t.Fatalf("pop sign-in for the workspace: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	delete(b.cookies, "sp_csrf")
	resp, body := b.get("/workspace")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="workspace"`) {
		t.Fatalf("embedded workspace: %d", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' https://desk.example.com") {
		t.Fatalf("workspace CSP %q", csp)
	}
	// Its dial-out requests pass the CSRF check with the partitioned token.
	delete(b.cookies, "sp_csrf")
	req := httptestRequest("POST", "/workspace/outbound", `{"calledNum":"13800138000"}`)
	req.Header.Set("X-CSRF-Token", csrfMeta(body))
	if resp, out := b.do(req); resp.StatusCode != http.StatusOK {
		t.Fatalf("outbound from the embedded workspace: %d %s", resp.StatusCode, out)
	}
}

func csrfMeta(page string) string {
	const marker = `<meta name="csrf-token" content="`
	i := strings.Index(page, marker)
	if i < 0 {
		return ""
	}
	rest := page[i+len(marker):]
	return rest[:strings.Index(rest, `"`)]
}

// The pops list renders an internal pop with its page's name (it used to
// stop at "error calling index: value has type *int64" and answer 200), and
// a template that fails is a logged 500, never a truncated page.
func TestPopsListWithInternalPop(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Pops.CreateConfig(t.Context(), f.Tenant.ID, pops.ConfigInput{MediaType: "audio", Name: "内部弹屏",
		PageType: "internal", PageID: page.ID, OpenMode: "embed", Enabled: true, Trigger: "ringing"}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	resp, body := b.get("/admin/pops?media=audio")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{page.Name, `data-testid="new-pop"`, `id="platforms"`} {
		if !strings.Contains(body, want) {
			t.Errorf("pops list lacks %q", want)
		}
	}
	if strings.Contains(body, "template:") {
		t.Fatalf("template error in page: %s", body)
	}
	// The pages list shows the version number, not a pointer.
	_, body = b.get("/admin/pages")
	if !strings.Contains(body, "Published v1") && !strings.Contains(body, "已发布 v1") {
		t.Fatalf("pages list lacks the version: %s", body)
	}
}
