package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/platforms"
)

// An agent already signed in to screenpop (a 12-hour session) is still
// seated in the CTI client. Seed 003 §三: "主页地址：这是在CTI客户端的主窗口中打开
// 的地址。在没有登录前，直接访问此地址；登录成功后在此地址后增加两个参数，一个是工号user，
// 另一个是sid" — the homepage without user and sid means the client is not
// seated yet, so screenpop sends the agent on to login.cgi as after a
// sign-in (§二 "业务系统登录成功后，先重定向到一个特殊的URL"), with the stored CTI
// password, or asks for the CTI password alone when none is stored. The
// homepage with user and sid, a pop with call parameters, an anonymous
// request and a tenant without the unified login are as before; the
// homepage the client comes back to after login.cgi is shown, never sent
// there again.
func TestCTIHomepageSeatsSignedInAgent(t *testing.T) {
	x := newCTIFixture(t)
	home := x.path + "?dialect=cti"
	toSeat := x.client.LoginURL() + "?user=101&pass=" + x.ctiPass + "&url=" + url.QueryEscape(x.base+home)
	toForm := "/pop/" + x.f.Tenant.Slug + "/login?cti=1&next=" + url.QueryEscape(home)
	signedIn := func(username string) *browser {
		// The pop sign-in outside the CTI flow: a session, no seat.
		b := x.e.browser()
		b.get("/pop/" + x.f.Tenant.Slug + "/login")
		if resp, _ := b.post("/pop/"+x.f.Tenant.Slug+"/login", url.Values{"username": {username}, "password": {x.f.Password}, "next": {home}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in of %s: %d", username, resp.StatusCode)
		}
		return b
	}
	ring := x.path + "?origin=1&callid=20091128101010001&number=1234567890&callerid=1234567890&calledid=801&groupid=1&agentid=1&empid=101"
	cases := []struct {
		name     string
		b        *browser
		path     string
		status   int
		location string
		body     string
	}{
		{"homepage without user and sid, password stored", signedIn(x.f.Agent.Username), home, http.StatusSeeOther, toSeat, ""},
		{"the same, signed in to the admin UI", func() *browser { b := x.e.browser(); b.login(x.f.Agent.Username, x.f.Password); return b }(), home, http.StatusSeeOther, toSeat, ""},
		{"homepage without user and sid, no password stored", signedIn(x.typer.Username), home, http.StatusSeeOther, toForm, ""},
		{"no work number", signedIn(x.f.Admin.Username), home, http.StatusUnprocessableEntity, "", "您的用户没有 CTI 工号"},
		{"homepage with user and sid (seated)", signedIn(x.f.Agent.Username), home + "&user=101&sid=3B4D5C6D7E8F9A3B4D5C6D7E8F9", http.StatusOK, "", "popbody"},
		{"homepage of §二's first way (seated)", signedIn(x.f.Agent.Username), home + "&agentid=1&user=101&password=3B4D5C6D7E8F9A3B4D5C6D7E8F9", http.StatusOK, "", "popbody"},
		{"a pop with call parameters", signedIn(x.f.Agent.Username), ring, http.StatusOK, "", "赵六"},
		{"not signed in", x.e.browser(), home, http.StatusUnauthorized, "", "cti=1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := c.b.get(c.path)
			if resp.StatusCode != c.status || resp.Header.Get("Location") != c.location || !strings.Contains(body, c.body) {
				t.Fatalf("status %d location %q, want %d %q (body has %q: %v)", resp.StatusCode, resp.Header.Get("Location"), c.status, c.location, c.body, strings.Contains(body, c.body))
			}
			if strings.Contains(body, x.ctiPass) {
				t.Fatal("the CTI password is in the page")
			}
		})
	}

	t.Run("back from login.cgi without user and sid: shown, not sent again", func(t *testing.T) {
		b := signedIn(x.f.Agent.Username)
		if resp, _ := b.get(home); resp.Header.Get("Location") != toSeat || b.cookies["sp_cti_seat"] == "" {
			t.Fatalf("first: %q, round trip marked: %v", resp.Header.Get("Location"), b.cookies["sp_cti_seat"] != "")
		}
		if resp, body := b.get(home); resp.StatusCode != http.StatusOK || !strings.Contains(body, "popbody") || b.cookies["sp_cti_seat"] != "" {
			t.Fatalf("back: %d, mark cleared: %v", resp.StatusCode, b.cookies["sp_cti_seat"] == "")
		}
		// The client opens its homepage bare again later (signed out of
		// the CTI side): seated again.
		if resp, _ := b.get(home); resp.Header.Get("Location") != toSeat {
			t.Fatalf("later: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("no password stored: the CTI password alone is asked for", func(t *testing.T) {
		b := signedIn(x.typer.Username)
		resp, body := b.get(toForm)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="signed-in-as"`) || strings.Contains(body, `name="password"`) ||
			strings.Contains(body, `name="username"`) || !strings.Contains(body, `name="ctiPassword"`) {
			t.Fatalf("form: %d\n%s", resp.StatusCode, body)
		}
		if resp, body := b.post("/pop/"+x.f.Tenant.Slug+"/login", url.Values{"cti": {"1"}, "next": {home}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "系统中没有您的 CTI 密码") || !strings.Contains(body, `data-testid="signed-in-as"`) {
			t.Fatalf("empty CTI password: %d", resp.StatusCode)
		}
		resp, _ = b.post("/pop/"+x.f.Tenant.Slug+"/login", url.Values{"cti": {"1"}, "next": {home}, "ctiPassword": {x.typedPwd}})
		want := x.client.LoginURL() + "?user=102&pass=" + url.QueryEscape(x.typedPwd) + "&url=" + url.QueryEscape(x.base+home)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Fatalf("typed: %d %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
		}
		// Without a session the form is the full sign-in: no one is seated
		// by a CTI password alone.
		anon := x.e.browser()
		if _, body := anon.get(toForm); !strings.Contains(body, `name="password"`) || strings.Contains(body, "signed-in-as") {
			t.Fatal("the anonymous form lacks the screenpop password")
		}
		if resp, _ := anon.post("/pop/"+x.f.Tenant.Slug+"/login", url.Values{"cti": {"1"}, "next": {home}, "ctiPassword": {x.typedPwd}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("CTI password without a session: %d", resp.StatusCode)
		}
	})

	t.Run("unified login off", func(t *testing.T) {
		b := signedIn(x.f.Agent.Username)
		if _, err := x.e.eng.Pops.SaveSettings(t.Context(), x.f.Tenant.ID, pops.SettingsInput{}); err != nil {
			t.Fatal(err)
		}
		if resp, body := b.get(home); resp.StatusCode != http.StatusOK || !strings.Contains(body, "popbody") {
			t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// The same in a browser playing the CTI client: the agent still has a
// screenpop session when the client starts, and the client opens its
// homepage before the seat sign-in (seed 003 §三 "在没有登录前，直接访问此地址").
// screenpop sends the window to login.cgi ("login.cgi?user=101&pass=…&url=…"),
// the client seats the agent and goes back ("登录成功后主窗口页面自动调回url参数中的
// 页面") — to url exactly, or with user and sid added ("登录成功后在此地址后增加两个
// 参数，一个是工号user，另一个是sid"); either way the homepage shows once, with
// one login.cgi request, and with the sid the client's pops are the agent's.
func TestCTIClientSeatsSignedInAgent(t *testing.T) {
	cases := []struct {
		name         string
		backWithSeat bool
		typer        bool // no password stored: typed on the form
	}{
		{"client back at url", false, false},
		{"client back with user and sid", true, false},
		{"password typed, client back with user and sid", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := newCTIFixture(t, func(cfg *platforms.CTIClientConfig) { cfg.BackWithSeat = c.backWithSeat })
			user, workNo, pass := x.f.Agent.Username, "101", x.ctiPass
			if c.typer {
				user, workNo, pass = x.typer.Username, "102", x.typedPwd
			}
			ctx := testkit.Browser(t)
			// Signed in to screenpop beforehand (the plain pop sign-in).
			err := chromedp.Do(ctx,
				chromedp.Navigate(x.base+"/pop/"+x.f.Tenant.Slug+"/login?next="+url.QueryEscape(x.path)),
				chromedp.SendKeys(`input[name=username]`, user),
				chromedp.SendKeys(`input[name=password]`, x.f.Password),
				chromedp.Click(`button[type=submit]`),
				chromedp.WaitVisible(`.popbody`),
			)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(x.client.Logins()); n != 0 {
				t.Fatalf("the plain sign-in went to login.cgi (%d)", n)
			}
			// seed 003 §三: "在没有登录前，直接访问此地址".
			if err := chromedp.Do(ctx, chromedp.Navigate(x.client.Homepage)); err != nil {
				t.Fatal(err)
			}
			if c.typer {
				err := chromedp.Do(ctx,
					chromedp.WaitVisible(`[data-testid=signed-in-as]`),
					chromedp.SendKeys(`[data-testid=cti-password]`, pass),
					chromedp.Click(`button[type=submit]`),
				)
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(`.popbody`)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond) // a loop would have gone on by now
			logins := x.client.Logins()
			if len(logins) != 1 || logins[0].User != workNo || logins[0].Pass != pass || logins[0].URL != x.client.Homepage || !logins[0].OK {
				t.Fatalf("login.cgi got %+v, want one seat of %s at the homepage", logins, workNo)
			}
			want := x.client.Homepage
			if c.backWithSeat {
				want = x.client.HomepageSeated(logins[0])
			}
			loc, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil || loc != want {
				t.Fatalf("at %q, want %q (%v)", loc, want, err)
			}
			testkit.Screenshot(t, ctx, "cti-client-seated-"+workNo)
			ring := strings.TrimPrefix(x.client.RingingURL(platforms.CTICall{Origin: "1", CallID: "20091128101010001", Number: "1234567890",
				CallerID: "1234567890", CalledID: "801", GroupID: "1", AgentID: "1"}, logins[0]), x.base)
			// The homepage with user and sid recorded the sid: the client's
			// cookie-less windows carrying it are the agent's.
			resp, body := x.e.browser().get(ring)
			if c.backWithSeat != (resp.StatusCode == http.StatusOK && strings.Contains(body, "赵六")) {
				t.Fatalf("cookie-less ringing pop with the seat's sid: %d", resp.StatusCode)
			}
		})
	}
}
