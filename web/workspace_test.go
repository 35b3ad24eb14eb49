package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
)

// externalSite plays an enterprise's own pages (https): it records what each
// page received and serves a Web API page that uses our SDK.
type externalSite struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits map[string][]http.Request
	body map[string]string
	sdk  string // the workspace's SDK URL
}

func newExternalSite(t *testing.T, sdkURL string) *externalSite {
	x := &externalSite{hits: map[string][]http.Request{}, body: map[string]string{}, sdk: sdkURL}
	x.srv = httptest.NewTLSServer(http.HandlerFunc(x.serve))
	t.Cleanup(x.srv.Close)
	return x
}

func (x *externalSite) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	x.mu.Lock()
	x.hits[r.URL.Path] = append(x.hits[r.URL.Path], *r.Clone(context.Background()))
	x.body[r.URL.Path] = string(b)
	x.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.URL.Path {
	case "/webapi":
		// A page written for AICCSupport, unchanged: it reports what it gets.
		// Its handlers are registered in window.onload, as many pages do:
		// Init still reaches them.
		fmt.Fprintf(w, `<!doctype html><script src="%s"></script><script>
function report(kind, data) { fetch("/report?kind=" + kind, {method: "POST", body: JSON.stringify(data)}); }
window.onload = function () {
AICCSupport.addHandler("Init", function (d) { fetch("/init", {method: "POST", body: JSON.stringify(d)}); });
AICCSupport.addHandler("lvrReturn", function (d) { fetch("/lvr", {method: "POST", body: JSON.stringify(d)}); });
AICCSupport.addHandler("Ringing", function (d) {
  report("ringing", d);
  AICCSupport.clickToOutbound({mediaType: "audio", calledNum: "02155550123"});
  var tries = 0, t = setInterval(function () {
    var r = AICCSupport.getVerifyResult("faceCheck");
    if (r && r.verifyResult === "1" || ++tries > 200) { clearInterval(t); report("verify", {result: r, bad: AICCSupport.getVerifyResult("bad code!")}); }
  }, 50);
});
};
</script><p>web api page</p>`, x.sdk)
	default:
		fmt.Fprint(w, `<!doctype html><p>external page</p>`)
	}
}

func (x *externalSite) last(path string) (*http.Request, string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	rs := x.hits[path]
	if len(rs) == 0 {
		return nil, ""
	}
	return &rs[len(rs)-1], x.body[path]
}

func (x *externalSite) waitFor(t *testing.T, path string) (*http.Request, string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if r, b := x.last(path); r != nil {
			return r, b
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s was never requested", path)
	return nil, ""
}

// The workspace end to end: an agent's workspace is open; the simulator and
// the events API fire Ringing; every kind of pop gets the call its way.
func TestWorkspaceEndToEnd(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	ctx := t.Context()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(ctx, f.Tenant.ID, tb.ID, map[string]string{"手机号": "13912345678", "姓名": "孙八", "备用电话": "02155550123"}); err != nil {
		t.Fatal(err)
	}
	work := "8801"
	if _, err := e.eng.Accounts.UpdateUser(ctx, f.Tenant.ID, f.Agent.ID, accounts.UserUpdate{WorkNo: &work}); err != nil {
		t.Fatal(err)
	}
	base := e.serve()
	site := newExternalSite(t, base+"/sdk/screenpop.js")
	if _, err := e.eng.Settings.AddWhitelist(ctx, site.srv.URL+"/", "test site"); err != nil {
		t.Fatal(err)
	}
	mk := func(in pops.ConfigInput) {
		in.MediaType, in.Enabled = "audio", true
		if in.OpenMode == "" {
			in.OpenMode = "embed"
		}
		if _, err := e.eng.Pops.CreateConfig(ctx, f.Tenant.ID, in); err != nil {
			t.Fatalf("pop %s: %v", in.Name, err)
		}
	}
	mk(pops.ConfigInput{Name: "客户", PageType: "internal", PageID: page.ID, Homepage: true})
	mk(pops.ConfigInput{Name: "工单GET", PageType: "external", URL: site.srv.URL + "/get", Method: "get",
		Params: []pops.Param{{Name: "phone", Source: "call", Key: "callerNum"}, {Name: "order", Source: "assoc", Key: "orderId"}}})
	mk(pops.ConfigInput{Name: "工单POST", PageType: "external", URL: site.srv.URL + "/post", Method: "post",
		Params: []pops.Param{{Name: "phone", Source: "call", Key: "callerNum"}, {Name: "cid", Source: "call", Key: "callid"}}})
	mk(pops.ConfigInput{Name: "SDK", PageType: "external", URL: site.srv.URL + "/webapi", Method: "webapi", OpenMode: "hidden"})

	// The agent opens the workspace in a real browser.
	agent := testkit.Browser(t)
	err := chromedp.Do(agent,
		chromedp.Navigate(base+"/lang?to=zh-CN&next=/login"),
		chromedp.SendKeys(`input[name=username]`, f.Agent.Username),
		chromedp.SendKeys(`input[name=password]`, f.Password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`[data-testid=workspace] .ws-status[data-state=connected]`),
		chromedp.WaitVisible(`iframe[data-testid="frame-客户"]`),
	)
	if err != nil {
		t.Fatal(err)
	}

	// The admin fires Ringing from the simulator.
	admin := testkit.Browser(t)
	err = chromedp.Do(admin,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(`input[name=username]`, f.Admin.Username),
		chromedp.SendKeys(`input[name=password]`, f.Password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`nav.sidenav`),
		chromedp.Navigate(base+"/admin/simulator"),
		chromedp.SetValue(`[data-testid=sim-agent]`, work),
		chromedp.SendKeys(`[data-testid=sim-caller]`, "13912345678"),
		chromedp.SendKeys(`textarea[name=assoc]`, "orderId=A-77"),
		chromedp.Click(`[data-testid=sim-Ringing]`),
		chromedp.WaitVisible(`.flash`),
	)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Screenshot(t, admin, "simulator")

	// The internal pop shows the customer.
	frameText := func() string {
		// The internal pop is same-origin with the workspace.
		text, _ := chromedp.Run(agent, chromedp.Evaluate[string](
			`(function(){ var f = document.querySelector('iframe[data-testid="frame-客户"]'); return f && f.contentDocument && f.contentDocument.body ? f.contentDocument.body.innerText : ""; })()`))
		return text
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(frameText(), "孙八") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if text := frameText(); !strings.Contains(text, "孙八") || strings.Contains(text, "13912345678") {
		testkit.Screenshot(t, agent, "workspace-fail")
		src, _ := chromedp.Run(agent, chromedp.Evaluate[string](`(function(){ var f = document.querySelector('iframe[data-testid="frame-客户"]'); return f ? f.src + " | " + (f.contentDocument ? f.contentDocument.documentElement.outerHTML.slice(0, 800) : "no doc") : "no frame"; })()`))
		t.Logf("frame: %s", src)
		t.Fatalf("internal pop after Ringing: %q", text)
	}
	// External GET: the mapped parameters in its URL.
	r, _ := site.waitFor(t, "/get")
	if q := r.URL.Query(); q.Get("phone") != "13912345678" || q.Get("order") != "A-77" {
		t.Errorf("GET page got %s", r.URL.RawQuery)
	}
	// External POST: a form body, nothing in the URL.
	r, body := site.waitFor(t, "/post")
	form, _ := url.ParseQuery(body)
	if r.Method != http.MethodPost || r.URL.RawQuery != "" || form.Get("phone") != "13912345678" || !strings.HasPrefix(form.Get("cid"), "sim-") {
		t.Errorf("POST page got %s %q body %q", r.Method, r.URL.RawQuery, body)
	}
	// The Web API page's handler got Ringing with the call's eventData.
	_, ringing := site.waitFor(t, "/report")
	var ed map[string]any
	// seed 002 表4-6: "calldata string 随路数据"; mediaType "audio".
	if err := json.Unmarshal([]byte(ringing), &ed); err != nil || ed["callerNum"] != "13912345678" || ed["workNo"] != work ||
		ed["callType"] != "0" || ed["calldata"] != `{"orderId":"A-77"}` || ed["mediaType"] != "audio" {
		t.Fatalf("Ringing eventData %s", ringing)
	}
	// 表4-5 "Init 工作台初始化事件"; 表4-6 "初始化事件，只有坐席工号": a handler
	// registered in window.onload got it.
	if _, initData := site.waitFor(t, "/init"); initData != `{"workNo":"`+work+`"}` {
		t.Errorf("Init eventData %s", initData)
	}
	// clickToOutbound reached the workspace.
	if err := chromedp.Do(agent, chromedp.WaitVisible(`[data-testid=ws-outbound]`)); err != nil {
		t.Fatal(err)
	}
	out, _ := chromedp.Run(agent, chromedp.Text(`[data-testid=ws-outbound]`))
	if !strings.Contains(out, "02155550123") {
		t.Fatalf("outbound banner %q", out)
	}
	testkit.Screenshot(t, agent, "workspace")

	// A verification result posted by the API is read by getVerifyResult.
	ev, err := e.eng.Calls.LastCall(ctx, f.Tenant.ID, work)
	if err != nil || ev == nil {
		t.Fatal(err)
	}
	resp, o := e.api("POST", "/api/v1/calls/"+url.PathEscape(ev.CallID)+"/verify", f.APIKey,
		map[string]any{"verifyTypeCode": "faceCheck", "verifyResult": 1, "verifyReturn1": "ok"})
	if resp.StatusCode != 201 {
		t.Fatalf("verify: %d %s", resp.StatusCode, o["_body"])
	}
	deadline = time.Now().Add(15 * time.Second)
	var verifyReport string
	for time.Now().Before(deadline) {
		site.mu.Lock()
		for _, h := range site.hits["/report"] {
			if h.URL.Query().Get("kind") == "verify" {
				verifyReport = site.body["/report"]
			}
		}
		site.mu.Unlock()
		if verifyReport != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// 表4-11: verifyResult "1" 通过; "空字符串表示身份认证方式编码不合法".
	if !strings.Contains(verifyReport, `"result":{"verifyResult":"1"}`) || !strings.Contains(verifyReport, `"bad":{"verifyResult":""}`) {
		t.Fatalf("getVerifyResult report %q", verifyReport)
	}

	// The events API reaches the workspace the same way.
	resp, o = e.api("POST", "/api/v1/calls/events", f.APIKey, map[string]any{"event": "Ringing", "workNo": work,
		"callData": map[string]string{"callerNum": "13800000000", "calledNum": "4008001234", "callType": "0", "callid": "api-1"}})
	if resp.StatusCode != 201 {
		t.Fatalf("events API: %d %s", resp.StatusCode, o["_body"])
	}
	deadline = time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(frameText(), "未找到客户 138****0000") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if text := frameText(); !strings.Contains(text, "未找到客户 138****0000") {
		t.Fatalf("after the API's Ringing: %q", text)
	}
}
