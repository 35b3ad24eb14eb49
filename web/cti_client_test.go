package web_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/audit"
	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/platforms"
)

// newServedEnv is newEnv served on a loopback port known beforehand, so
// the base URL (used in the absolute addresses screenpop hands to the CTI
// client) is the one the browser reaches.
func newServedEnv(t *testing.T) (*env, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	e := newEnv(t, func(c *config.Config) { c.BaseURL = base })
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(5 * time.Second) })
	return e, base
}

// ctiFixture is a tenant whose CTI client stand-in seats agents through
// login.cgi: agent 101 has a CTI password stored by the admin, agent 102
// none (types it at sign-in).
type ctiFixture struct {
	e        *env
	f        tenantFixture
	base     string
	path     string // the pop page's path
	client   *platforms.CTIClient
	typer    *accounts.User
	ctiPass  string // agent 101's, stored
	typedPwd string // agent 102's, typed
}

func newCTIFixture(t *testing.T, opts ...func(*platforms.CTIClientConfig)) *ctiFixture {
	e, base := newServedEnv(t)
	x := &ctiFixture{e: e, f: e.tenant(), base: base, ctiPass: "cti-pass-101", typedPwd: "p&ss=1 #x"}
	ctx := t.Context()
	tb := e.customerTable(x.f.Tenant.ID)
	page := e.publishedPage(x.f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(ctx, x.f.Tenant.ID, tb.ID, map[string]string{"手机号": "1234567890", "姓名": "赵六"}); err != nil {
		t.Fatal(err)
	}
	x.path = fmt.Sprintf("/pop/%s/%d", x.f.Tenant.Slug, page.ID)
	w101, w102 := "101", "102"
	if _, err := e.eng.Accounts.UpdateUser(ctx, x.f.Tenant.ID, x.f.Agent.ID, accounts.UserUpdate{WorkNo: &w101}); err != nil {
		t.Fatal(err)
	}
	x.typer = e.user(&x.f.Tenant.ID, accounts.RoleAgent, x.f.Password)
	if _, err := e.eng.Accounts.UpdateUser(ctx, x.f.Tenant.ID, x.typer.ID, accounts.UserUpdate{WorkNo: &w102}); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.Pops.SetCTIPassword(ctx, x.f.Tenant.ID, x.f.Agent.ID, x.ctiPass); err != nil {
		t.Fatal(err)
	}
	// The CTI administrator's options (seed 003 §三): 主页地址 and 振铃时弹屏地址.
	cfg := platforms.CTIClientConfig{
		Homepage: base + x.path + "?dialect=cti", Ringing: base + x.path,
		Agents: map[string]string{"101": x.ctiPass, "102": x.typedPwd}}
	for _, o := range opts {
		o(&cfg)
	}
	x.client = platforms.NewCTIClient(t, cfg)
	if _, err := e.eng.Pops.SaveSettings(ctx, x.f.Tenant.ID, pops.SettingsInput{
		CTIUnifiedLogin: true, CTILoginURL: x.client.LoginURL()}); err != nil {
		t.Fatal(err)
	}
	return x
}

// The login.cgi way of seed 003 §二, end to end in a browser playing the
// CTI client's windows: the client opens the homepage before any sign-in,
// the agent signs in to screenpop there, screenpop redirects to the
// client's login.cgi with the agent's 工号 and CTI password ("业务系统登录成功后，
// 先重定向到一个特殊的URL … login.cgi?user=101&pass=…&url=…"), the client seats the
// agent and sends the window back to url ("登录成功后主窗口页面自动调回url参数中的
// 页面"); the ringing pop then shows the customer, and its sid stays the
// agent's for the pop windows without a cookie.
func TestCTIClientLoginCGI(t *testing.T) {
	x := newCTIFixture(t)
	cases := []struct {
		name, user, ctiPassword string
		wantPass                string // what login.cgi must receive; "" = no seat
	}{
		{"password stored by the admin", x.f.Agent.Username, "", x.ctiPass},
		{"password typed at sign-in", x.typer.Username, x.typedPwd, x.typedPwd},
		{"a wrong CTI password is refused by the client", x.f.Agent.Username, "wrong", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(x.client.Logins())
			ctx := testkit.Browser(t)
			// seed 003 §三: "在没有登录前，直接访问此地址".
			err := chromedp.Do(ctx,
				chromedp.Navigate(x.client.Homepage),
				chromedp.WaitVisible(`[data-testid=pop-error] a`),
				chromedp.Click(`[data-testid=pop-error] a`),
				chromedp.WaitVisible(`[data-testid=cti-password]`),
				chromedp.SendKeys(`input[name=username]`, c.user),
				chromedp.SendKeys(`input[name=password]`, x.f.Password),
			)
			if err != nil {
				t.Fatal(err)
			}
			if c.ctiPassword != "" {
				if err := chromedp.Do(ctx, chromedp.SendKeys(`[data-testid=cti-password]`, c.ctiPassword)); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.Click(`button[type=submit]`)); err != nil {
				t.Fatal(err)
			}
			var logins []platforms.CTILogin
			for deadline := time.Now().Add(10 * time.Second); len(logins) <= before && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				logins = x.client.Logins()
			}
			if len(logins) != before+1 {
				t.Fatalf("login.cgi received %d requests, want 1", len(logins)-before)
			}
			got := logins[before]
			wantUser := "101"
			if c.user == x.typer.Username {
				wantUser = "102"
			}
			if got.User != wantUser || got.URL != x.client.Homepage {
				t.Fatalf("login.cgi got user %q url %q, want %q and the homepage %q", got.User, got.URL, wantUser, x.client.Homepage)
			}
			if c.wantPass == "" {
				if got.OK {
					t.Fatal("the client seated a wrong password")
				}
				if err := chromedp.Do(ctx, chromedp.WaitVisible(`#cti-error`)); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got.Pass != c.wantPass || !got.OK {
				t.Fatalf("login.cgi got pass %q (ok %v), want %q", got.Pass, got.OK, c.wantPass)
			}
			// Back on the homepage, signed in.
			if err := chromedp.Do(ctx, chromedp.WaitVisible(`.popbody`)); err != nil {
				t.Fatal(err)
			}
			loc, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			if loc != x.client.Homepage {
				t.Fatalf("back at %q, want %q", loc, x.client.Homepage)
			}
			// The ringing pop, in the client's pop window (shared cookies).
			ring := x.client.RingingURL(platforms.CTICall{Origin: "1", CallID: "20091128101010001", Number: "1234567890",
				CallerID: "1234567890", CalledID: "801", GroupID: "1", AgentID: "1"}, got)
			if err := chromedp.Do(ctx, chromedp.Navigate(ring), chromedp.WaitVisible(`[data-label="姓名"] dd`)); err != nil {
				t.Fatal(err)
			}
			text, err := chromedp.Run(ctx, chromedp.Text(`.popbody`))
			if err != nil || !strings.Contains(text, "赵六") {
				t.Fatalf("ringing pop: %q %v", text, err)
			}
			testkit.Screenshot(t, ctx, "cti-client-ringing")
			// That pop recorded the sid: a window without the cookie (a
			// hidden one, say) carrying it is the agent's too.
			if resp, body := x.e.browser().get(strings.TrimPrefix(ring, x.base)); resp.StatusCode != http.StatusOK || !strings.Contains(body, "赵六") {
				t.Fatalf("cookie-less pop with the seat's sid: %d", resp.StatusCode)
			}
		})
	}
}

// What screenpop sends to login.cgi, and when it does not: only when the
// sign-in came from the CTI homepage and the tenant turned the way on;
// the values escaped in the seed's order, url our own absolute address
// (never another site, whatever next says); an agent without a work
// number or a CTI password is told so and not signed in; the CTI password
// is never shown back.
func TestCTILoginRedirect(t *testing.T) {
	x := newCTIFixture(t)
	login := func(form url.Values) (*http.Response, string) {
		b := x.e.browser()
		q := "?next=" + url.QueryEscape(form.Get("next"))
		if form.Get("cti") == "1" {
			q += "&cti=1"
		}
		resp, body := b.get("/pop/" + x.f.Tenant.Slug + "/login" + q)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-in form: %d", resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); form.Get("cti") == "1" && !strings.Contains(csp, "form-action 'self' "+x.client.Base+";") {
			t.Errorf("CSP %q does not let the sign-in go on to login.cgi", csp)
		}
		if form.Get("cti") == "1" != strings.Contains(body, `name="ctiPassword"`) {
			t.Errorf("CTI password field shown: %v", !(form.Get("cti") == "1"))
		}
		return b.post("/pop/"+x.f.Tenant.Slug+"/login", form)
	}
	home := x.path + "?dialect=cti"
	cases := []struct {
		name     string
		form     url.Values
		status   int
		location string
		body     string
	}{
		{"stored password", url.Values{"cti": {"1"}, "username": {x.f.Agent.Username}, "password": {x.f.Password}, "next": {home}},
			http.StatusSeeOther, x.client.LoginURL() + "?user=101&pass=" + x.ctiPass + "&url=" + url.QueryEscape(x.base+home), ""},
		{"typed password with line breaks and separators", url.Values{"cti": {"1"}, "username": {x.typer.Username}, "password": {x.f.Password}, "ctiPassword": {"a&url=http://evil\r\nX: y"}, "next": {home}},
			http.StatusSeeOther, x.client.LoginURL() + "?user=102&pass=a%26url%3Dhttp%3A%2F%2Fevil%0D%0AX%3A+y&url=" + url.QueryEscape(x.base+home), ""},
		{"next naming another site", url.Values{"cti": {"1"}, "username": {x.f.Agent.Username}, "password": {x.f.Password}, "next": {"//evil.example/x"}},
			http.StatusSeeOther, x.client.LoginURL() + "?user=101&pass=" + x.ctiPass + "&url=" + url.QueryEscape(x.base+"/pop/"+x.f.Tenant.Slug+"/login?signed_in=1"), ""},
		{"not from the CTI homepage", url.Values{"username": {x.f.Agent.Username}, "password": {x.f.Password}, "next": {home}},
			http.StatusSeeOther, home, ""},
		{"no CTI password", url.Values{"cti": {"1"}, "username": {x.typer.Username}, "password": {x.f.Password}, "next": {home}},
			http.StatusBadRequest, "", "系统中没有您的 CTI 密码"},
		{"no work number", url.Values{"cti": {"1"}, "username": {x.f.Admin.Username}, "password": {x.f.Password}, "next": {home}},
			http.StatusBadRequest, "", "您的用户没有 CTI 工号"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := login(c.form)
			if c.status == http.StatusBadRequest {
				if resp.StatusCode < 400 || !strings.Contains(body, c.body) {
					t.Fatalf("status %d, body lacks %q", resp.StatusCode, c.body)
				}
				if strings.Contains(body, x.ctiPass) {
					t.Fatal("the CTI password was shown back")
				}
				for _, ck := range resp.Cookies() {
					if ck.Name == "sp_pop" {
						t.Fatal("a refused sign-in signed the agent in")
					}
				}
				return
			}
			if resp.StatusCode != c.status || resp.Header.Get("Location") != c.location {
				t.Fatalf("status %d location %q, want %d %q", resp.StatusCode, resp.Header.Get("Location"), c.status, c.location)
			}
		})
	}
	// With the way off, the CTI homepage's sign-in is the plain one.
	if _, err := x.e.eng.Pops.SaveSettings(t.Context(), x.f.Tenant.ID, pops.SettingsInput{}); err != nil {
		t.Fatal(err)
	}
	resp, _ := login(url.Values{"username": {x.f.Agent.Username}, "password": {x.f.Password}, "next": {home}})
	if resp.Header.Get("Location") != home {
		t.Fatalf("way off: %q", resp.Header.Get("Location"))
	}
}

// The first way of seed 003 §二: after the seat sign-in the client opens
// the homepage with "?agentid=1&user=101&password=3B4D5C6D7E8F9A3B4D5C6D7E8F9" —
// the same session token §三 calls sid, not the agent's password. An agent
// signed in to screenpop there records it like a sid; the ringing pops
// carrying it as sid are then theirs without a cookie. A token named by a
// homepage nobody signed in on authorises nothing.
func TestCTIHomepageFirstWay(t *testing.T) {
	x := newCTIFixture(t)
	seat := platforms.CTILogin{User: "101", SID: "3B4D5C6D7E8F9A3B4D5C6D7E8F9", OK: true}
	call := platforms.CTICall{Origin: "1", CallID: "20091128101010001", Number: "1234567890", CallerID: "1234567890", CalledID: "801", GroupID: "1", AgentID: "1"}
	ring := strings.TrimPrefix(x.client.RingingURL(call, seat), x.base)
	if resp, _ := x.e.browser().get(ring); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("before the homepage: %d", resp.StatusCode)
	}
	agent := x.e.browser()
	agent.login(x.f.Agent.Username, x.f.Password)
	if resp, _ := agent.get(strings.TrimPrefix(x.client.HomepageFirstWay("1", seat), x.base)); resp.StatusCode != http.StatusOK {
		t.Fatalf("homepage: %d", resp.StatusCode)
	}
	if resp, body := x.e.browser().get(ring); resp.StatusCode != http.StatusOK || !strings.Contains(body, "赵六") {
		t.Fatalf("ringing pop with the homepage's token: %d", resp.StatusCode)
	}
	other := platforms.CTILogin{User: "101", SID: "FFFF0000"}
	if resp, _ := x.e.browser().get(strings.TrimPrefix(x.client.RingingURL(call, other), x.base)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another token: %d", resp.StatusCode)
	}
}

// What the admin sets up for the CTI client's unified login, in the UI: the
// way and the login.cgi address under Platforms (a wrong address refused
// with the reason), an agent's CTI password on the user's page (stored,
// never shown back), and the CTI set-up guide saying what the CTI
// administrator configures, in both languages.
func TestCTIAdminSetUp(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	page := e.publishedPage(f.Tenant.ID, e.customerTable(f.Tenant.ID))
	if _, err := e.eng.Pops.CreateConfig(t.Context(), f.Tenant.ID, pops.ConfigInput{MediaType: "audio", Name: "来电", PageType: "internal",
		PageID: page.ID, OpenMode: "embed", Enabled: true, Homepage: true}); err != nil {
		t.Fatal(err)
	}
	ab := e.browser()
	ab.login(f.Admin.Username, f.Password)
	ab.get("/admin/pops")
	form := func(addr string) url.Values {
		return url.Values{"media": {"audio"}, "origins": {""}, "cidrs": {""}, "ctiUnifiedLogin": {"on"}, "ctiLoginUrl": {addr}}
	}
	if resp, body := ab.post("/admin/pops/settings", form("http://localhost:180/cgi-bin/login.cgi?user=1")); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "login.cgi") {
		t.Fatalf("a login.cgi address with a query: %d", resp.StatusCode)
	}
	if resp, _ := ab.post("/admin/pops/settings", form("http://localhost:8180/cgi-bin/login.cgi")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	ps, err := e.eng.Pops.Settings(t.Context(), f.Tenant.ID)
	if err != nil || !ps.CTIUnifiedLogin || ps.CTILoginURL != "http://localhost:8180/cgi-bin/login.cgi" {
		t.Fatalf("settings %+v %v", ps, err)
	}
	if _, body := ab.get("/admin/pops"); !strings.Contains(body, `value="http://localhost:8180/cgi-bin/login.cgi"`) || !strings.Contains(body, `name="ctiUnifiedLogin" checked`) {
		t.Error("the platforms form does not show the CTI settings")
	}

	userPage := fmt.Sprintf("/admin/settings/users/%d", f.Agent.ID)
	ab.get(userPage)
	const secret = "cti-Secret-42"
	if resp, _ := ab.post(userPage+"/cti-password", url.Values{"ctiPassword": {secret}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set the CTI password: %d", resp.StatusCode)
	}
	_, body := ab.get(userPage)
	if strings.Contains(body, secret) || !strings.Contains(body, `data-testid="cti-password-state">已保存`) && !strings.Contains(body, `data-testid="cti-password-state">Stored`) {
		t.Fatalf("user page after setting the CTI password: shown %v", strings.Contains(body, secret))
	}
	if set, err := e.eng.Pops.CTIPasswordSet(t.Context(), f.Tenant.ID, f.Agent.ID); err != nil || !set {
		t.Fatalf("stored: %v %v", set, err)
	}

	homepage := fmt.Sprintf("/pop/%s/%d?dialect=cti", f.Tenant.Slug, page.ID)
	for _, lang := range []struct{ code, says string }{{"zh-CN", "主页地址"}, {"en", "homepage"}} {
		ab.get("/lang?to=" + lang.code + "&next=/")
		_, body := ab.get("/admin/pops/help/cti")
		if !strings.Contains(body, `data-testid="help-cti-login"`) || !strings.Contains(body, homepage) ||
			!strings.Contains(body, "http://localhost:8180/cgi-bin/login.cgi?user=") || !strings.Contains(body, lang.says) {
			t.Errorf("%s CTI guide lacks the unified login set-up", lang.code)
		}
	}
}

// The REST API stores an agent's CTI password (write-only) and refuses
// another tenant's user as not found.
func TestCTIPasswordAPI(t *testing.T) {
	e := newEnv(t)
	f, other := e.tenant(), e.tenant()
	path := fmt.Sprintf("/api/v1/users/%d/cti-password", f.Agent.ID)
	resp, body := e.api(http.MethodPut, path, f.APIKey, map[string]any{"password": "cti-Secret-7"})
	if resp.StatusCode != http.StatusOK || body["set"] != true {
		t.Fatalf("set: %d %v", resp.StatusCode, body)
	}
	if resp, body := e.api(http.MethodGet, fmt.Sprintf("/api/v1/users/%d", f.Agent.ID), f.APIKey, nil); resp.StatusCode != http.StatusOK || strings.Contains(fmt.Sprint(body), "cti-Secret-7") {
		t.Fatalf("the user shows the CTI password: %v", body)
	}
	if resp, _ := e.api(http.MethodPut, path, other.APIKey, map[string]any{"password": "x"}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another tenant: %d", resp.StatusCode)
	}
	if resp, body := e.api(http.MethodPut, path, f.APIKey, map[string]any{"password": ""}); resp.StatusCode != http.StatusOK || body["set"] != false {
		t.Fatalf("remove: %d %v", resp.StatusCode, body)
	}
	if set, _ := e.eng.Pops.CTIPasswordSet(t.Context(), f.Tenant.ID, f.Agent.ID); set {
		t.Fatal("not removed")
	}
}

// Setting or removing an agent's CTI password, from the user's page or the
// REST API, is audited with its actor and the user, "set" or "removed";
// the password itself appears nowhere in the audit row.
func TestCTIPasswordAudited(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	ab := e.browser()
	ab.login(f.Admin.Username, f.Password)
	userPage := fmt.Sprintf("/admin/settings/users/%d", f.Agent.ID)
	apiPath := fmt.Sprintf("/api/v1/users/%d/cti-password", f.Agent.ID)
	const secret = "cti-Audited-Secret-5"
	ui := func(password string) int {
		ab.get(userPage)
		resp, _ := ab.post(userPage+"/cti-password", url.Values{"ctiPassword": {password}})
		return resp.StatusCode
	}
	api := func(password string) int {
		resp, _ := e.api(http.MethodPut, apiPath, f.APIKey, map[string]any{"password": password})
		return resp.StatusCode
	}
	cases := []struct {
		name      string
		do        func(string) int
		password  string
		status    int
		change    string
		actorKey  string // the detail naming the actor
		actorName string
	}{
		{"set in the UI", ui, secret, http.StatusSeeOther, "set", "username", f.Admin.Username},
		{"removed in the UI", ui, "", http.StatusSeeOther, "removed", "username", f.Admin.Username},
		{"set through the API", api, secret, http.StatusOK, "set", "keyName", "test"},
		{"removed through the API", api, "", http.StatusOK, "removed", "keyName", "test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.do(c.password); got != c.status {
				t.Fatalf("status %d, want %d", got, c.status)
			}
			es, err := audit.List(t.Context(), e.eng.DB, f.Tenant.ID, pops.AuditCTIPassword, 1)
			if err != nil || len(es) != 1 {
				t.Fatalf("entries %v %v", es, err)
			}
			d := es[0].Detail
			if es[0].Target != fmt.Sprintf("user:%d", f.Agent.ID) || d["user"] != f.Agent.Username || d["change"] != c.change || d[c.actorKey] != c.actorName {
				t.Fatalf("entry %+v", es[0])
			}
			var row string
			if err := e.eng.DB.NewRaw("SELECT a::text FROM audit_log AS a WHERE id = ?", es[0].ID).Scan(t.Context(), &row); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(row, secret) {
				t.Fatalf("the audit row holds the CTI password: %s", row)
			}
			// The audit page shows the entry, without the password.
			if _, body := ab.get("/admin/audit"); strings.Contains(body, secret) {
				t.Fatal("the audit page shows the CTI password")
			}
		})
	}
}
