package pops_test

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
)

// popEnv is a tenant with platform settings, a published page and the pop
// target of that page.
type popEnv struct {
	eng    *engine.Engine
	rt     *pops.Runtime
	tenant *accounts.Tenant
	page   *pages.Page
	target *pops.Target
}

func newPopEnv(t *testing.T, settings pops.SettingsInput) *popEnv {
	t.Helper()
	eng := newEngine(t)
	eng.Accounts.BcryptCost = 4 // the minimum: these tests sign in often
	tn, err := eng.Accounts.TenantByID(ctx, tenant(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Pops.SaveSettings(ctx, tn.ID, settings); err != nil {
		t.Fatalf("settings: %v", err)
	}
	p := page(t, eng, tn.ID, true)
	pt, err := eng.PopRuntime.Resolve(ctx, tn.Slug, strconv.FormatInt(p.ID, 10))
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	return &popEnv{eng: eng, rt: eng.PopRuntime, tenant: tn, page: p, target: pt}
}

// session signs a new user of the tenant (nil: an operator) in and returns
// the session token.
func (e *popEnv) session(t *testing.T, tenantID *int64) string {
	t.Helper()
	role := accounts.RoleAgent
	if tenantID == nil {
		role = accounts.RoleOperator
	}
	u, err := e.eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: tenantID, Username: uniq("u"), Role: role, Password: "correct-horse-1"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := e.eng.Accounts.CreateSession(ctx, u.ID, "127.0.0.1", "runtime test")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// linkParams are the parameters of a signed link, as a platform sends them.
func linkParams(t *testing.T, link string) url.Values {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

var testCall = callOf("c-1")

// callOf is a Huawei call from 13912345678 with the call id.
func callOf(callID string) url.Values {
	return url.Values{"callerNum": {"13912345678"}, "calledNum": {"4008001234"}, "callType": {"0"}, "callid": {callID}}
}

// renderedFor checks the model is the page rendered for testCall's
// customer (the test pages have no objects, so it shows no record).
func renderedFor(t *testing.T, m *pages.Model) {
	t.Helper()
	if m.State == pages.StateWaiting || m.Call.CustomerNumber != "13912345678" {
		t.Errorf("model state %q customer %q, want the page for 13912345678", m.State, m.Call.CustomerNumber)
	}
}

func TestResolve(t *testing.T) {
	e := newPopEnv(t, pops.SettingsInput{FrameOrigins: []string{"https://cec.example.com"}})
	if want := "/pop/" + e.tenant.Slug + "/" + strconv.FormatInt(e.page.ID, 10); e.target.Path != want {
		t.Errorf("path %q, want %q", e.target.Path, want)
	}
	if e.target.Tenant.ID != e.tenant.ID || e.target.PageID != e.page.ID {
		t.Errorf("target %+v", e.target)
	}
	if got := e.target.Settings.FrameOrigins; len(got) != 1 || got[0] != "https://cec.example.com" {
		t.Errorf("frame origins %v", got)
	}
	disabled, err := e.eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: uniq("t"), Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.eng.Accounts.SetTenantDisabled(ctx, disabled.ID, true); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(e.page.ID, 10)
	cases := []struct {
		name, slug, page, key string
	}{
		{"unknown tenant", "no-such-tenant", id, "pop.tenant_not_found"},
		{"disabled tenant", disabled.Slug, id, "pop.tenant_not_found"},
		{"page not a number", e.tenant.Slug, "abc", "page.not_found"},
		{"page zero", e.tenant.Slug, "0", "page.not_found"},
		{"page negative", e.tenant.Slug, "-1", "page.not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pt, err := e.rt.Resolve(ctx, c.slug, c.page)
			if pt != nil {
				t.Errorf("target %+v", pt)
			}
			wantCode(t, err, apperr.NotFound, c.key)
		})
	}
}

// Each way of authorising a pop, accepted and refused. A presented
// credential that fails is refused even when another would pass.
func TestAuthorisation(t *testing.T) {
	e := newPopEnv(t, pops.SettingsInput{SourceCIDRs: []string{"203.0.113.0/24"}, SobotSysNum: "sys-42"})
	tid, slug, pid := e.tenant.ID, e.tenant.Slug, e.page.ID
	other := tenant(t, e.eng)
	agent := e.session(t, &tid)
	stranger := e.session(t, &other)
	operator := e.session(t, nil)

	replayed := linkParams(t, e.rt.SignLink(tid, slug, pid, callOf("c-replayed")))
	if _, err := e.rt.Open(ctx, e.target, pops.Request{Method: "GET", Params: replayed}); err != nil {
		t.Fatalf("first use of a link: %v", err)
	}
	tampered := linkParams(t, e.rt.SignLink(tid, slug, pid, callOf("c-tampered")))
	tampered.Set("callerNum", "13912345679")
	noTS := linkParams(t, e.rt.SignLink(tid, slug, pid, callOf("c-no-ts")))
	noTS.Del(dialect.TSParam)
	sobot := map[string]string{"partnerId": "p-1", "email": "agent@example.com", "uphone": "13912345678"}
	sobot["sign"] = dialect.SobotSign(dialect.SobotBasic, "sys-42", "", sobot)
	badSobot := map[string]string{"partnerId": "p-1", "email": "agent@example.com", "uphone": "13912345678", "sign": "deadbeef"}

	cases := []struct {
		name    string
		params  url.Values
		tokens  []string
		ip      string
		wantKey string // "" accepted
	}{
		{name: "signed link", params: linkParams(t, e.rt.SignLink(tid, slug, pid, callOf("c-fresh")))},
		{name: "signed link dated a minute ago", params: linkParams(t, e.rt.SignLinkAt(tid, slug, pid, testCall, time.Now().Add(-time.Minute)))},
		{name: "signed link used twice", params: replayed, wantKey: "pop.replayed"},
		{name: "signed link tampered", params: tampered, wantKey: "pop.bad_signature"},
		{name: "signed link without its time", params: noTS, wantKey: "pop.bad_signature"},
		{name: "signed link expired", params: linkParams(t, e.rt.SignLinkAt(tid, slug, pid, testCall, time.Now().Add(-10*time.Minute))), wantKey: "pop.expired"},
		{name: "signed link from the future", params: linkParams(t, e.rt.SignLinkAt(tid, slug, pid, testCall, time.Now().Add(10*time.Minute))), wantKey: "pop.expired"},
		{name: "signed with another tenant's key", params: linkParams(t, e.rt.SignLink(other, slug, pid, testCall)), wantKey: "pop.bad_signature"},
		{name: "bad signature despite a session and a trusted address", params: tampered, tokens: []string{agent}, ip: "203.0.113.7", wantKey: "pop.bad_signature"},
		// The basic sign has no secret: anyone who knows the company id and an
		// agent's e-mail computes it, so alone it authorises nothing (issue 13).
		{name: "sobot basic sign alone", params: values(sobot), wantKey: "pop.unauthorized"},
		{name: "sobot basic sign with an agent session", params: values(sobot), tokens: []string{agent}},
		{name: "sobot wrong sign", params: values(badSobot), wantKey: "pop.bad_signature"},
		{name: "sobot wrong sign despite a session", params: values(badSobot), tokens: []string{agent}, wantKey: "pop.bad_signature"},
		{name: "agent session", params: testCall, tokens: []string{agent}},
		{name: "main session when no pop session", params: testCall, tokens: []string{"", agent}},
		{name: "second token when the first is unknown", params: testCall, tokens: []string{"no-such-token", agent}},
		{name: "session of another tenant", params: testCall, tokens: []string{stranger}, wantKey: "pop.unauthorized"},
		{name: "session of an operator", params: testCall, tokens: []string{operator}, wantKey: "pop.unauthorized"},
		{name: "unknown session", params: testCall, tokens: []string{"no-such-token"}, wantKey: "pop.unauthorized"},
		{name: "trusted address", params: testCall, ip: "203.0.113.7"},
		{name: "trusted address, IPv4-mapped", params: testCall, ip: "::ffff:203.0.113.7"},
		{name: "untrusted address", params: testCall, ip: "198.51.100.7", wantKey: "pop.unauthorized"},
		{name: "no credentials", params: testCall, wantKey: "pop.unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.rt.Open(ctx, e.target, pops.Request{Method: "GET", Params: c.params, SessionTokens: c.tokens, ClientIP: c.ip})
			if c.wantKey != "" {
				if res != nil {
					t.Errorf("refused request got a result: %+v", res)
				}
				wantCode(t, err, apperr.Unauthorized, c.wantKey)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			renderedFor(t, res.Model)
		})
	}
}

func values(m map[string]string) url.Values {
	v := url.Values{}
	for k, s := range m {
		v.Set(k, s)
	}
	return v
}

// A signed link is a path of the tenant's page with the call, a time and a
// signature; the link signed for one page does not open another.
func TestSignLink(t *testing.T) {
	e := newPopEnv(t, pops.SettingsInput{})
	at := time.Unix(1_800_000_000, 0)
	link := e.rt.SignLinkAt(e.tenant.ID, e.tenant.Slug, e.page.ID, testCall, at)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != e.target.Path || u.Host != "" {
		t.Errorf("link %q, want the path %q", link, e.target.Path)
	}
	q := u.Query()
	if q.Get(dialect.TSParam) != "1800000000" || q.Get(dialect.SigParam) == "" || q.Get("callerNum") != "13912345678" {
		t.Errorf("link query %v", q)
	}
	// Two links for the same call in the same second are two links (a
	// random nonce): the same link twice would be refused as a replay the
	// second time, as a workspace reloaded at once was.
	if again := e.rt.SignLinkAt(e.tenant.ID, e.tenant.Slug, e.page.ID, testCall, at); again == link {
		t.Errorf("signing the same call twice gave one link %q", link)
	}
	second := page(t, e.eng, e.tenant.ID, true)
	pt, err := e.rt.Resolve(ctx, e.tenant.Slug, strconv.FormatInt(second.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.rt.Open(ctx, pt, pops.Request{Method: "GET", Params: linkParams(t, e.rt.SignLink(e.tenant.ID, e.tenant.Slug, e.page.ID, testCall))})
	wantCode(t, err, apperr.Unauthorized, "pop.bad_signature")
}

// What an authorised request shows: the dialect, whether the page keeps
// listening, and the page for the call or waiting for one.
func TestOpen(t *testing.T) {
	e := newPopEnv(t, pops.SettingsInput{SourceCIDRs: []string{"127.0.0.1/32"}})
	content := func(d dialect.Name) string { return e.target.Path + "/content?dialect=" + string(d) }
	webAPI := url.Values{"callerNum": {"13912345678"}, "calledNum": {"4008001234"}, "callType": {"0"}, "callid": {"c-2"},
		"mediaType": {"audio"}, "calldata": {`{"orderNo":"A1"}`}}
	cases := []struct {
		name       string
		method     string
		params     url.Values
		fragment   bool
		dialect    dialect.Name
		live, url  string
		hash       string      // where a "#?" hash call is fetched from
		state      pages.State // "": the page for testCall's customer
		wantErrKey string
	}{
		{name: "huawei GET", method: "GET", params: testCall, dialect: dialect.HuaweiGet},
		{name: "huawei POST", method: "POST", params: testCall, dialect: dialect.HuaweiPost},
		{name: "huawei Web API listens for messages", method: "GET", params: webAPI, dialect: dialect.HuaweiWebAPI,
			live: "message", url: content(dialect.HuaweiWebAPI)},
		{name: "tencent before its first call", method: "GET", params: url.Values{"dialect": {"tencent"}},
			dialect: dialect.Tencent, live: "hash", url: content(dialect.Tencent), state: pages.StateWaiting},
		{name: "tencent content request", method: "GET", params: url.Values{"dialect": {"tencent"}}, fragment: true,
			dialect: dialect.Tencent, state: pages.StateWaiting},
		{name: "sobot before its first call", method: "GET", params: url.Values{"dialect": {"sobot"}},
			dialect: dialect.Sobot, live: "message", url: content(dialect.Sobot), state: pages.StateWaiting},
		{name: "no parameters", method: "GET", params: url.Values{}, hash: content(dialect.Tencent), state: pages.StateWaiting},
		{name: "content request without parameters", method: "GET", params: url.Values{}, fragment: true, state: pages.StateWaiting},
		{name: "only the language", method: "GET", params: url.Values{"lang": {"en"}}, hash: content(dialect.Tencent), state: pages.StateWaiting},
		{name: "unknown dialect without a call", method: "GET", params: url.Values{"dialect": {"nope"}}, hash: content(dialect.Tencent), state: pages.StateWaiting},
		{name: "unknown dialect with a call", method: "GET", params: url.Values{"dialect": {"nope"}, "callerNum": {"13912345678"}}, wantErrKey: "pop.dialect"},
		{name: "parameters of no platform", method: "GET", params: url.Values{"foo": {"bar"}}, wantErrKey: "pop.dialect"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.rt.Open(ctx, e.target, pops.Request{Method: c.method, Params: c.params, ClientIP: "127.0.0.1", Fragment: c.fragment})
			if c.wantErrKey != "" {
				wantCode(t, err, apperr.Invalid, c.wantErrKey)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.state == "" {
				renderedFor(t, res.Model)
			} else if res.Model.State != c.state {
				t.Errorf("model state %q, want %q", res.Model.State, c.state)
			}
			if res.Dialect != c.dialect || res.Live != c.live || res.ContentURL != c.url {
				t.Errorf("got dialect %q live %q content %q\nwant dialect %q live %q content %q",
					res.Dialect, res.Live, res.ContentURL, c.dialect, c.live, c.url)
			}
			// seed 001: "假如您填写的页面地址为：https://www.qq.com，那么每次呼入时，我们请求的
			// URL 为：https://www.qq.com#?mobile=18888888888&type=phone" — a page
			// at its plain address follows the hash too.
			if res.HashContentURL != c.hash {
				t.Errorf("hash content %q, want %q", res.HashContentURL, c.hash)
			}
			if res.RetryURL != "" || res.RetryPost != nil {
				t.Errorf("retry %q %v on an available page", res.RetryURL, res.RetryPost)
			}
		})
	}
	unpublished := page(t, e.eng, e.tenant.ID, false)
	pt, err := e.rt.Resolve(ctx, e.tenant.Slug, strconv.FormatInt(unpublished.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, params := range []url.Values{{}, testCall} {
		_, err := e.rt.Open(ctx, pt, pops.Request{Method: "GET", Params: params, ClientIP: "127.0.0.1"})
		if !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unpublished page with %v: %v", params, err)
		}
	}
}

// The retry of an unavailable page: the same pop for the same call, with a
// fresh signature when the request had one, as a form for a form.
func TestRetry(t *testing.T) {
	e := newPopEnv(t, pops.SettingsInput{})
	tid, slug, pid := e.tenant.ID, e.tenant.Slug, e.page.ID
	signed := func(callID string) url.Values {
		call := url.Values{"callerNum": {"13912345678"}, "callType": {"0"}, "callid": {callID}}
		return linkParams(t, e.rt.SignLinkAt(tid, slug, pid, call, time.Now().Add(5*time.Second)))
	}
	cases := []struct {
		name     string
		method   string
		params   url.Values
		wantURL  string // "" signed: checked below
		wantPost bool
	}{
		{"GET without parameters", "GET", url.Values{}, e.target.Path, false},
		{"GET with a call", "GET", testCall, e.target.Path + "?" + testCall.Encode(), false},
		{"GET signed", "GET", signed("c-get"), "", false},
		{"POST with a call", "POST", testCall, e.target.Path, true},
		{"POST signed", "POST", signed("c-post"), e.target.Path, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := pops.RetryOf(e.rt, e.target, pops.Request{Method: c.method, Params: c.params})
			if (res.RetryPost != nil) != c.wantPost {
				t.Fatalf("retry post %v, want a form: %v", res.RetryPost, c.wantPost)
			}
			q := res.RetryPost
			if !c.wantPost {
				u, err := url.Parse(res.RetryURL)
				if err != nil {
					t.Fatal(err)
				}
				q = u.Query()
				if c.wantURL == "" && u.Path != e.target.Path {
					t.Errorf("retry %q", res.RetryURL)
				}
			}
			if c.wantURL != "" && res.RetryURL != c.wantURL {
				t.Errorf("retry URL %q, want %q", res.RetryURL, c.wantURL)
			}
			if !c.params.Has(dialect.SigParam) {
				if q.Encode() != c.params.Encode() {
					t.Errorf("retry parameters %v, want %v", q, c.params)
				}
				return
			}
			// Re-signed a second after the link it replaces, over the same call.
			if old, _ := strconv.ParseInt(c.params.Get(dialect.TSParam), 10, 64); q.Get(dialect.TSParam) != strconv.FormatInt(old+1, 10) {
				t.Errorf("retry ts %s, want the link's + 1 (%d)", q.Get(dialect.TSParam), old+1)
			}
			if q.Get(dialect.SigParam) == c.params.Get(dialect.SigParam) || q.Get("callerNum") != "13912345678" {
				t.Errorf("retry parameters %v", q)
			}
			if _, err := e.rt.Open(ctx, e.target, pops.Request{Method: c.method, Params: q}); err != nil {
				t.Errorf("the retry link is refused: %v", err)
			}
		})
	}
}
