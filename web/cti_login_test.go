package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
)

// CTI unified login (seed 003 §二/§三). The CTI client opens the homepage
// with the agent's user and sid ("登录成功后在此地址后增加两个参数，一个是工号
// user，另一个是sid … 业务软件应该记录sid"); an agent signed in to screenpop
// there binds the sid. The ringing pop URL then carries the same sid ("sid -
// SessionID,和登录成功是返回的sid一致") and is the agent's, without a cookie.
func TestCTIUnifiedLogin(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": "1234567890", "姓名": "赵六"}); err != nil {
		t.Fatal(err)
	}
	work := "001"
	if _, err := e.eng.Accounts.UpdateUser(t.Context(), f.Tenant.ID, f.Agent.ID, accounts.UserUpdate{WorkNo: &work}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/pop/%s/%d", f.Tenant.Slug, page.ID)
	// seed 003 §三: "user=001sid=3B4D5C6D7E8F9A3B4D5C6D7E8F9" (the & lost in the
	// extracted text put back).
	const sid = "3B4D5C6D7E8F9A3B4D5C6D7E8F9"
	ringing := func(empid, sid string) string {
		// seed 003 §三: "origin=1callid=20091128101010001number=1234567890callerid=1234567890
		// calledid=801groupid=1agentid=1empid=001sid=3B4D5C6D7E8F9A3B4D5C6D7E8F9".
		return path + "?origin=1&callid=20091128101010001&number=1234567890&callerid=1234567890&calledid=801&groupid=1&agentid=1&empid=" + empid + "&sid=" + sid
	}

	// Before the homepage, the sid means nothing.
	if resp, body := e.browser().get(ringing(work, sid)); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "赵六") {
		t.Fatalf("unbound sid: %d", resp.StatusCode)
	}
	// The homepage, opened by the agent signed in in the client's window.
	agent := e.browser()
	agent.login(f.Agent.Username, f.Password)
	if resp, _ := agent.get(path + "?dialect=cti&user=" + work + "&sid=" + sid); resp.StatusCode != http.StatusOK {
		t.Fatalf("homepage: %d", resp.StatusCode)
	}
	// A homepage naming another agent binds nothing.
	if resp, _ := agent.get(path + "?dialect=cti&user=002&sid=OTHER"); resp.StatusCode != http.StatusOK {
		t.Fatalf("homepage of another work number: %d", resp.StatusCode)
	}

	cases := []struct {
		name   string
		path   string
		status int
	}{
		{"the bound sid and work number", ringing(work, sid), http.StatusOK},
		{"another sid", ringing(work, "FFFF"), http.StatusUnauthorized},
		{"the sid with another work number", ringing("002", sid), http.StatusUnauthorized},
		{"a sid bound for another work number", ringing("002", "OTHER"), http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.browser().get(c.path) // no cookie: the CTI client's pop window
			if resp.StatusCode != c.status || (c.status == http.StatusOK) != strings.Contains(body, "赵六") {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
		})
	}
	// Another tenant's page does not know the sid.
	other := e.tenant()
	op := e.publishedPage(other.Tenant.ID, e.customerTable(other.Tenant.ID))
	if resp, _ := e.browser().get(fmt.Sprintf("/pop/%s/%d?number=1234567890&empid=001&sid=%s", other.Tenant.Slug, op.ID, sid)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another tenant: %d", resp.StatusCode)
	}
}
