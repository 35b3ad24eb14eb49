package web_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
)

// Sobot links: a captured URL works once, an unsigned customer parameter
// added to it shows nobody else, an expired timestamp says expired, and the
// unkeyed basic sign authorises nothing on its own.
func TestAttackSobotLinks(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tally := newAttackTally(t, "links/signatures")
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	for _, r := range []map[string]string{{"手机号": "13912345678", "姓名": "赵六"}, {"手机号": "13800000001", "姓名": "钱七"}} {
		if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	secret := "sobot-secret-1"
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{"https://www.sobot.com"}, SobotSysNum: "sys123", SobotSecret: &secret}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/pop/%s/%d", f.Tenant.Slug, page.ID)
	link := func(uphone string, at time.Time) url.Values {
		p := map[string]string{"uphone": uphone, "email": "agent@example.com", "callId": "c-1",
			"timestamp": strconv.FormatInt(at.UnixMilli(), 10)}
		p["sign"] = dialect.SobotSign(dialect.SobotSecretContact, "sys123", secret, p)
		v := url.Values{}
		for k, x := range p {
			v.Set(k, x)
		}
		return v
	}

	captured := link("13912345678", time.Now())
	if resp, body := e.browser().get(path + "?" + captured.Encode()); resp.StatusCode != 200 || !strings.Contains(body, "赵六") {
		t.Fatalf("a fresh Sobot link: %d", resp.StatusCode)
	}
	// A chat-workbench link signs partnerId only; Sobot's own tel= (the
	// WeCom sidebar's customer) would otherwise win over it.
	chat := map[string]string{"partnerId": "13912345678", "email": "agent@example.com",
		"timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10)}
	chat["sign"] = dialect.SobotSign(dialect.SobotSecretChat, "sys123", secret, chat)
	repointed := url.Values{"tel": {"13800000001"}}
	for k, x := range chat {
		repointed.Set(k, x)
	}
	basic := url.Values{"email": {"agent@example.com"}, "uphone": {"13800000001"}}
	basic.Set("sign", dialect.SobotSign(dialect.SobotBasic, "sys123", "", map[string]string{"email": "agent@example.com"}))

	attacks := []struct {
		name   string
		query  url.Values
		status int
		want   string
		leak   string
	}{
		{"captured link replayed", captured, 401, "该链接已被使用", "赵六"},
		{"expired timestamp", link("13912345678", time.Now().Add(-time.Hour)), 401, "链接已过期", "赵六"},
		{"unsigned tel= added", repointed, 200, "赵六", "钱七"},
		{"basic sign where a secret is set (downgrade)", basic, 401, "签名不匹配", "钱七"},
	}
	// Without a secret the basic sign verifies but is no credential: anyone
	// who knows the company id and an agent's e-mail can compute it.
	g := e.tenant()
	gPage := e.publishedPage(g.Tenant.ID, e.customerTable(g.Tenant.ID))
	if _, err := e.eng.Pops.SaveSettings(t.Context(), g.Tenant.ID, pops.SettingsInput{SobotSysNum: "sys123"}); err != nil {
		t.Fatal(err)
	}
	gPath := fmt.Sprintf("/pop/%s/%d", g.Tenant.Slug, gPage.ID)
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			resp, body := e.browser().get(path + "?" + a.query.Encode())
			ok := resp.StatusCode == a.status && strings.Contains(body, a.want) && !strings.Contains(body, a.leak)
			if !tally.record(ok) {
				t.Fatalf("status %d, want %d with %q and without %q:\n%s", resp.StatusCode, a.status, a.want, a.leak, body)
			}
		})
	}
	resp, body := e.browser().get(gPath + "?" + basic.Encode())
	if !tally.record(resp.StatusCode == 401 && strings.Contains(body, "请登录后查看客户信息")) {
		t.Fatalf("basic sign alone: %d %s", resp.StatusCode, body)
	}
}
