package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/tables"
)

// The words after an action: publishing a table says "published"; the
// simulator names the agent and the event in the right places, in Chinese.
func TestWordsAfterActions(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	ctx := context.Background()
	tb, err := e.eng.Tables.CreateTable(ctx, f.Tenant.ID, tables.TableInput{Name: name("表")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Tables.AddField(ctx, f.Tenant.ID, tb.ID, tables.FieldInput{Name: "号码", IsIndex: true, Type: tables.TypeString}); err != nil {
		t.Fatal(err)
	}
	work := "7001"
	if _, err := e.eng.Accounts.UpdateUser(ctx, f.Tenant.ID, f.Agent.ID, accounts.UserUpdate{WorkNo: &work}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	b.get(fmt.Sprintf("/admin/tables/%d", tb.ID))
	resp, _ := b.post(fmt.Sprintf("/admin/tables/%d/publish", tb.ID), url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", resp.StatusCode)
	}
	if _, body := b.get(resp.Header.Get("Location")); !strings.Contains(body, "已发布。") {
		t.Fatal("publishing a table does not say published")
	}

	_, body := b.get("/admin/simulator")
	for _, want := range []string{">振铃</button>", ">通话</button>", ">挂断</button>"} {
		if !strings.Contains(body, want) {
			t.Errorf("simulator lacks %q", want)
		}
	}
	resp, _ = b.post("/admin/simulator", url.Values{"event": {"Ringing"}, "workNo": {work}, "caller": {"13800000000"}, "direction": {"in"}, "media": {"audio"}, "callid": {"sim-1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("simulate: %d", resp.StatusCode)
	}
	if _, body = b.get(resp.Header.Get("Location")); !strings.Contains(body, "已向座席 7001 发送振铃事件（呼叫 sim-1）。") {
		t.Fatal("simulator message in the wrong order")
	}
}
