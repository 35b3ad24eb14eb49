package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/platforms"
)

// Scenario 3 of seed 002: an internal page configured as a Web API page
// inside the Huawei workbench. It loads AICCSupport.js from the address
// the admin gave (the page's CSP allows exactly that origin), registers
// its handlers, and switches customer on each Ringing without a reload.
func TestHuaweiWebAPIPageInTheWorkbench(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	for _, r := range []map[string]string{
		{"手机号": "13912345678", "姓名": "赵六", "备用电话": "02155550123"},
		{"手机号": "13800000000", "姓名": "钱七"},
	} {
		if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	popBase := e.serve()
	wb := platforms.NewHuaweiWorkbench(t)
	ps, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{wb.Base}, SourceCIDRs: []string{"127.0.0.1/32"}, HuaweiSupportScript: wb.ScriptURL()})
	if err != nil || ps.HuaweiSupportScript != wb.ScriptURL() {
		t.Fatalf("settings %+v, %v", ps, err)
	}
	popURL := fmt.Sprintf("%s/pop/%s/%d?dialect=huawei_webapi", popBase, f.Tenant.Slug, page.ID)

	resp, _ := e.browser().get(strings.TrimPrefix(popURL, popBase))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' "+wb.Base+";") {
		t.Errorf("CSP %q does not allow exactly the AICC's origin", csp)
	}

	ctx := testkit.Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(wb.PageURL(popURL))); err != nil {
		t.Fatal(err)
	}
	frame := frameContext(t, ctx, popBase)
	if err := chromedp.Do(frame, chromedp.WaitVisible(`.popbody`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(frame, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	// seed 002 表4-5/表4-6: "Init 工作台初始化事件 … 初始化事件，只有坐席工号".
	fire := func(name, data string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](platforms.Event(name, data))); err != nil {
			t.Fatal(err)
		}
	}
	fire("Init", `{"workNo": "1001"}`)
	// "Ringing 来电事件 来电时触发的事件"; eventData callerNum, calledNum, callid,
	// mediaType (audio), callType (0:呼入), workNo, calldata.
	for _, c := range []struct{ caller, name string }{{"13912345678", "赵六"}, {"13800000000", "钱七"}} {
		fire("Ringing", fmt.Sprintf(`{"callerNum": %q, "calledNum": "4008001234", "callid": "hw-%s", "mediaType": "audio", "callType": "0", "workNo": "1001", "calldata": ""}`, c.caller, c.caller))
		shown := false
		for deadline := time.Now().Add(15 * time.Second); !shown && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			shown, _ = chromedp.Run(frame, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(".popbody").innerText.includes(%q)`, c.name)))
		}
		if !shown {
			t.Fatalf("Ringing for %s never showed the customer", c.caller)
		}
	}
	// Release leaves the last customer; the page never reloaded.
	fire("Release", `{"callerNum": "13800000000", "callid": "hw-13800000000", "workNo": "1001"}`)
	fire("lvrReturn", `{"callid": "hw-13800000000"}`)
	time.Sleep(300 * time.Millisecond)
	text, err := chromedp.Run(frame, chromedp.Text(`.popbody`))
	if err != nil || !strings.Contains(text, "钱七") {
		t.Fatalf("after Release: %q %v", text, err)
	}
	if still, err := chromedp.Run(frame, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !still {
		t.Fatal("the page reloaded to switch customer")
	}
	testkit.Screenshot(t, ctx, "huawei-webapi-workbench")
}
