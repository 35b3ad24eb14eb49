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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
)

// sdkSite is an enterprise's own https site serving pages that use our SDK
// (/sdk/screenpop.js): path → HTML. Pages report what their handlers got
// by POSTing to /report?kind=…; the site keeps every report.
type sdkSite struct {
	srv   *httptest.Server
	pages map[string]string
	mu    sync.Mutex
	got   map[string][]string // kind → bodies, in order
}

func newSDKSite(t *testing.T, pages map[string]string) *sdkSite {
	s := &sdkSite{pages: pages, got: map[string][]string{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/report" {
			b, _ := io.ReadAll(r.Body)
			s.mu.Lock()
			s.got[r.URL.Query().Get("kind")] = append(s.got[r.URL.Query().Get("kind")], string(b))
			s.mu.Unlock()
			return
		}
		html, ok := s.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// wait returns the first report of kind, waiting up to 15 s.
func (s *sdkSite) wait(t *testing.T, kind string) string {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s.mu.Lock()
		got := s.got[kind]
		s.mu.Unlock()
		if len(got) > 0 {
			return got[0]
		}
	}
	t.Fatalf("the page never reported %s", kind)
	return ""
}

// sdkWorkspace is an agent (work number 8801) signed in to the workspace,
// whose tenant has one Web API pop at popURL (an https page on the
// whitelist).
type sdkWorkspace struct {
	e     *env
	f     tenantFixture
	agent context.Context
	work  string
}

func openSDKWorkspace(t *testing.T, e *env, f tenantFixture, base, popURL, popName, openMode string) *sdkWorkspace {
	t.Helper()
	ctx := t.Context()
	work := "8801"
	if _, err := e.eng.Accounts.UpdateUser(ctx, f.Tenant.ID, f.Agent.ID, accounts.UserUpdate{WorkNo: &work}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(popURL)
	if _, err := e.eng.Settings.AddWhitelist(ctx, u.Scheme+"://"+u.Host+"/", "enterprise site"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Pops.CreateConfig(ctx, f.Tenant.ID, pops.ConfigInput{Name: popName, PageType: "external",
		URL: popURL, Method: "webapi", OpenMode: openMode, MediaType: "audio", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	agent := testkit.Browser(t)
	if err := chromedp.Do(agent,
		chromedp.Navigate(base+"/lang?to=zh-CN&next=/login"),
		chromedp.SendKeys(`input[name=username]`, f.Agent.Username),
		chromedp.SendKeys(`input[name=password]`, f.Password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`[data-testid=workspace] .ws-status[data-state=connected]`),
	); err != nil {
		t.Fatal(err)
	}
	return &sdkWorkspace{e: e, f: f, agent: agent, work: work}
}

// event posts a call event for the agent through the events API.
func (w *sdkWorkspace) event(t *testing.T, name string, callData map[string]string) {
	t.Helper()
	resp, o := w.e.api("POST", "/api/v1/calls/events", w.f.APIKey, map[string]any{"event": name, "workNo": w.work, "callData": callData})
	if resp.StatusCode != 201 {
		t.Fatalf("events API %s: %d %s", name, resp.StatusCode, o["_body"])
	}
}

// waitOutbound waits for the workspace's dial-out banner to name number.
func (w *sdkWorkspace) waitOutbound(t *testing.T, number string) {
	t.Helper()
	var out string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, _ = chromedp.Run(w.agent, chromedp.Evaluate[string](`document.querySelector("[data-testid=ws-outbound]").textContent`))
		if strings.Contains(out, number) {
			return
		}
	}
	t.Fatalf("the workspace never dialled %s (banner %q)", number, out)
}

// A page using our SDK two frames below the workspace — the workspace's
// pop frame holds an intermediate page of one origin, which frames the SDK
// page of another — gets Init and Ringing, and its clickToOutbound reaches
// the workspace (seed 002 §4.4: AICCSupport.addHandler, clickToOutbound).
func TestSDKPageNestedBelowThePop(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	base := e.serve()
	inner := newSDKSite(t, map[string]string{"/inner": fmt.Sprintf(`<!doctype html><meta charset="utf-8">
<script src="%s/sdk/screenpop.js"></script><script>
function report(kind, data) { fetch("/report?kind=" + kind, {method: "POST", body: JSON.stringify(data)}); }
window.onload = function () {
  AICCSupport.addHandler("Init", function (d) { report("init", d); });
  AICCSupport.addHandler("Ringing", function (d) {
    report("ringing", d);
    AICCSupport.clickToOutbound({mediaType: "audio", calledNum: "02155550123"});
  });
  AICCSupport.addHandler("Talking", function (d) { report("talking", d); });
};
</script><p>nested SDK page</p>`, base)})
	outer := newSDKSite(t, map[string]string{"/wrap": fmt.Sprintf(
		`<!doctype html><meta charset="utf-8"><p>intermediate page</p><iframe src="%s/inner" width="600" height="300"></iframe>`, inner.srv.URL)})
	ws := openSDKWorkspace(t, e, f, base, outer.srv.URL+"/wrap", "CRM", "hidden")

	// 表4-5 "Init 工作台初始化事件"; 表4-6 "workNo … 初始化事件，只有坐席工号".
	if got := inner.wait(t, "init"); got != `{"workNo":"8801"}` {
		t.Errorf("Init eventData %s", got)
	}
	// 表4-6: callerNum, calledNum, callid, mediaType, callType (0:呼入), workNo,
	// calldata; mediaType as 表2-1 sends it ("1: 音视频呼叫"), audio to the page.
	ws.event(t, "Ringing", map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0", "callid": "nested-1", "mediaType": "1"})
	var ed map[string]string
	if err := json.Unmarshal([]byte(inner.wait(t, "ringing")), &ed); err != nil || ed["callerNum"] != "13912345678" ||
		ed["callid"] != "nested-1" || ed["callType"] != "0" || ed["workNo"] != "8801" || ed["mediaType"] != "audio" {
		t.Fatalf("Ringing eventData %v (%v)", ed, err)
	}
	// An event sent without mediaType (the events API does not require it)
	// reaches the page with 表4-6's string for a call, "audio", not "".
	ws.event(t, "Talking", map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0", "callid": "nested-1"})
	var talking map[string]any
	if err := json.Unmarshal([]byte(inner.wait(t, "talking")), &talking); err != nil || talking["mediaType"] != "audio" ||
		talking["callid"] != "nested-1" {
		t.Fatalf("Talking eventData without a mediaType %v (%v)", talking, err)
	}
	// 4.4.4 "AICCSupport.clickToOutbound({mediaType: 'audio',calledNum: '12345678'})".
	ws.waitOutbound(t, "02155550123")
}

// The seed's own demo page (seed 002 §4.4.6 index.html, kept in testdata
// with only its script address pointed at our SDK) runs in the workspace:
// the handlers it registers in window.onload print each event with the
// seed's eventData, its buttons remove a handler and register lvrReturn,
// and 一键外呼 dials its number.
func TestSeedDemoPageRunsOnTheSDK(t *testing.T) {
	demo, err := os.ReadFile("testdata/aicc_support_demo_index.html")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	f := e.tenant()
	base := e.serve()
	site := newSDKSite(t, map[string]string{"/index.html": strings.Replace(string(demo), `src="SCREENPOP_BASE/`, `src="`+base+"/", 1)})
	ws := openSDKWorkspace(t, e, f, base, site.srv.URL+"/index.html", "AICC Demo", "embed")
	if err := chromedp.Do(ws.agent, chromedp.Click(`[data-testid="poptab-AICC Demo"]`)); err != nil {
		t.Fatal(err)
	}
	frame := frameContext(t, ws.agent, site.srv.URL)
	messages := func() string {
		s, _ := chromedp.Run(frame, chromedp.Evaluate[string](`document.getElementById("recMessage").innerText`))
		return s
	}
	// The demo prints "<date> 来电事件 {eventData as JSON}"; eventJSON finds
	// the n-th line of label and decodes its eventData.
	eventJSON := func(label string, n int) map[string]string {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			seen := 0
			for line := range strings.SplitSeq(messages(), "\n") {
				_, data, ok := strings.Cut(line, " "+label+" ")
				if !ok {
					continue
				}
				if seen++; seen == n {
					var m map[string]string
					if err := json.Unmarshal([]byte(data), &m); err != nil {
						t.Fatalf("%s: %q: %v", label, data, err)
					}
					return m
				}
			}
		}
		dbg, _ := chromedp.Run(frame, chromedp.Evaluate[string](`location.href + " | " + typeof AICCSupport + " | " + typeof window.data + " | " + document.readyState + " | " + document.documentElement.outerHTML.slice(0, 300)`))
		t.Logf("demo frame: %s", dbg)
		t.Fatalf("the demo never printed %s #%d; it shows:\n%s", label, n, messages())
		return nil
	}

	// Init, registered in window.onload: 表4-6 "初始化事件，只有坐席工号".
	if got := eventJSON("初始化事件", 1); len(got) != 1 || got["workNo"] != "8801" {
		t.Errorf("Init eventData %v", got)
	}
	// Ringing, Talking, Release with 表4-6's eventData.
	call := map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0", "callid": "demo-1", "mediaType": "1"}
	for _, c := range []struct{ event, label string }{{"Ringing", "来电事件"}, {"Talking", "接听事件"}, {"Release", "挂断事件"}} {
		ws.event(t, c.event, call)
		got := eventJSON(c.label, 1)
		want := map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callid": "demo-1",
			"mediaType": "audio", "callType": "0", "workNo": "8801", "calldata": ""}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s eventData %s = %q, want %q (all: %v)", c.event, k, got[k], v, got)
			}
		}
	}

	// 移除来电事件: AICCSupport.removeHandler('Ringing'); the next call rings unseen.
	if err := chromedp.Do(frame, chromedp.Click(`#ringingBtn`)); err != nil {
		t.Fatal(err)
	}
	ws.event(t, "Ringing", map[string]string{"callerNum": "13800000000", "callType": "0", "callid": "demo-2"})
	ws.event(t, "Talking", map[string]string{"callerNum": "13800000000", "callType": "0", "callid": "demo-2"})
	if got := eventJSON("接听事件", 2); got["callid"] != "demo-2" {
		t.Fatalf("second Talking %v", got)
	}
	if strings.Count(messages(), "来电事件") != 1 {
		t.Errorf("Ringing reached a removed handler:\n%s", messages())
	}

	// 注册身份认证结果返回事件: addHandler('lvrReturn'); a verification result
	// for the call (4.4.5) reaches it.
	if err := chromedp.Do(frame, chromedp.Click(`#verifyBtn`)); err != nil {
		t.Fatal(err)
	}
	resp, o := e.api("POST", "/api/v1/calls/demo-2/verify", f.APIKey, map[string]any{"verifyTypeCode": "CARDVERIFY", "verifyResult": 1})
	if resp.StatusCode != 201 {
		t.Fatalf("verify: %d %s", resp.StatusCode, o["_body"])
	}
	if got := eventJSON("身份认证结果返回事件", 1); got["verifyTypeCode"] != "CARDVERIFY" || got["verifyResult"] != "1" {
		t.Errorf("lvrReturn data %v", got)
	}

	// 一键外呼 with the demo's own number, value="88880085", type audio.
	if err := chromedp.Do(frame, chromedp.Click(`#oneKeyOutbound`)); err != nil {
		t.Fatal(err)
	}
	ws.waitOutbound(t, "88880085")
	testkit.Screenshot(t, ws.agent, "seed-demo-page")
}
