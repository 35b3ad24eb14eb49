package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/testkit"
)

// platformHost plays a contact-center platform: a page on another site that
// embeds the pop the way that platform does and records the messages the
// pop posts to it.
type platformHost struct {
	srv  *httptest.Server
	base string // http://localhost:port, another site than the pop's 127.0.0.1
	html map[string]string
}

func newPlatformHost(t *testing.T) *platformHost {
	h := &platformHost{html: map[string]string{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, h.html[r.URL.Query().Get("case")])
	}))
	t.Cleanup(h.srv.Close)
	h.base = strings.Replace(h.srv.URL, "127.0.0.1", "localhost", 1)
	return h
}

const hostRecorder = `<script>
window.received = [];
window.addEventListener("message", function (e) { window.received.push({origin: e.origin, data: e.data}); });
</script>`

// frameContext finds the pop's iframe (a separate target: another site)
// and returns a context that runs actions inside it.
func frameContext(t *testing.T, ctx context.Context, popBase string) context.Context {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, popBase) {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				return fctx
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the pop iframe never appeared")
	return nil
}

// For every row of SPEC §8's platform table: a host page on another site
// embeds the internal page the platform's way, with its parameters; the
// right customer shows, and the call button posts the platform's dial-out
// message to the host (or links to the CTI client).
func TestInternalPageInsideEveryPlatform(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID,
		map[string]string{"手机号": "13912345678", "姓名": "赵六", "等级": "2", "备用电话": "02155550123"}); err != nil {
		t.Fatal(err)
	}
	popBase := e.serve()
	host := newPlatformHost(t)
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{host.base}, SourceCIDRs: []string{"127.0.0.1/32"}, SobotSysNum: "sys-42"}); err != nil {
		t.Fatal(err)
	}
	popURL := fmt.Sprintf("%s/pop/%s/%d", popBase, f.Tenant.Slug, page.ID)
	popOrigin := popBase

	huaweiCall := url.Values{"callerNum": {"13912345678"}, "calledNum": {"4008001234"}, "callType": {"0"},
		"callid": {"hw-1"}, "mediaType": {"1"}, "workNo": {"1001"}, "agentName": {"agent1"}}
	sobotFirst := map[string]string{"partnerId": "p-1", "email": "agent@example.com", "uphone": "13800000000",
		"timestamp": fmt.Sprint(time.Now().UnixMilli())}
	sobotFirst["sign"] = dialect.SobotSign(dialect.SobotBasic, "sys-42", "", sobotFirst)
	sobotNext := map[string]string{"partnerId": "p-1", "email": "agent@example.com", "uphone": "13912345678",
		"timestamp": fmt.Sprint(time.Now().UnixMilli())}
	sobotNext["sign"] = dialect.SobotSign(dialect.SobotBasic, "sys-42", "", sobotNext)
	sobotNextJSON, _ := json.Marshal(map[string]any{"name": "selected", "query": sobotNext, "partnerId": "p-1"})
	q := func(m map[string]string) string {
		v := url.Values{}
		for k, x := range m {
			v.Set(k, x)
		}
		return v.Encode()
	}

	type row struct {
		name string
		html string
		// then runs in the host after the frame loaded (postMessage, hash change)
		then string
		// dial is the message the call button must post ("" = no button);
		// dialLink is the CTI client's link.
		dial     map[string]any
		dialLink string
	}
	rows := []row{
		{name: "huawei_get",
			html: fmt.Sprintf(`<iframe id="pop" src="%s?%s" width="790" height="500"></iframe>`, popURL, huaweiCall.Encode()),
			dial: map[string]any{"name": "callout", "param": map[string]any{"number": "02155550123", "mode": "audio"}}},
		{name: "huawei_post",
			html: fmt.Sprintf(`<iframe id="pop" name="pop" width="790" height="500"></iframe>
<form id="f" method="post" action="%s" target="pop">%s</form>
<script>document.getElementById("f").submit();</script>`, popURL, hiddenInputs(huaweiCall)),
			dial: map[string]any{"name": "callout", "param": map[string]any{"number": "02155550123", "mode": "audio"}}},
		{name: "huawei_webapi",
			html: fmt.Sprintf(`<iframe id="pop" src="%s?dialect=huawei_webapi" width="790" height="500"></iframe>`, popURL),
			then: fmt.Sprintf(`document.getElementById("pop").contentWindow.postMessage({eventName: "Ringing", eventData: {callerNum: "13912345678", calledNum: "4008001234", callType: "0", callid: "hw-3", mediaType: "audio", workNo: "1001"}}, %q)`, popOrigin),
			dial: map[string]any{"name": "callout", "param": map[string]any{"number": "02155550123", "mode": "audio"}}},
		{name: "aliyun",
			html: fmt.Sprintf(`<iframe id="pop" src="%s?callNumber=13912345678&calledNumber=4008001234&callType=Inbound&contactId=ali-1" width="790" height="500"></iframe>`, popURL)},
		{name: "tencent",
			html: fmt.Sprintf(`<iframe id="pop" src="%s?dialect=tencent#?mobile=13800000000&userId=u1&type=phone&status=100" width="790" height="500"></iframe>`, popURL),
			then: fmt.Sprintf(`document.getElementById("pop").src = %q`, popURL+"?dialect=tencent#?mobile=13912345678&userId=u1&type=phone&status=100"),
			dial: map[string]any{"source": "ccc-sdk", "payload": map[string]any{"event": "callOut", "message": map[string]any{"phoneNumber": "02155550123", "desc": "赵六"}}}},
		// seed 001: "我们请求的 URL 为：https://www.qq.com#?mobile=18888888888&type=phone",
		// here with the number's "+" unescaped, as TCCC writes it.
		{name: "tencent_plus",
			html: fmt.Sprintf(`<iframe id="pop" src="%s?dialect=tencent#?mobile=+8613912345678&type=phone&status=100" width="790" height="500"></iframe>`, popURL),
			dial: map[string]any{"source": "ccc-sdk", "payload": map[string]any{"event": "callOut", "message": map[string]any{"phoneNumber": "02155550123", "desc": "赵六"}}}},
		{name: "cti",
			html:     fmt.Sprintf(`<iframe id="pop" src="%s?origin=1&callid=cti-1&number=13912345678&callerid=13912345678&calledid=4008001234&agentid=a1&empid=1001&groupid=g1" width="790" height="500"></iframe>`, popURL),
			dialLink: dialect.CTICallURL + "?number=02155550123"},
		{name: "sobot",
			html: fmt.Sprintf(`<iframe id="pop" src="%s?%s" width="790" height="500"></iframe>`, popURL, q(sobotFirst)),
			then: fmt.Sprintf(`document.getElementById("pop").contentWindow.postMessage(%s, %q)`, sobotNextJSON, popOrigin)},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			host.html[r.name] = "<!doctype html><title>platform</title>" + hostRecorder + r.html
			ctx := testkit.Browser(t)
			if err := chromedp.Do(ctx, chromedp.Navigate(host.base+"/?case="+r.name)); err != nil {
				t.Fatal(err)
			}
			frame := frameContext(t, ctx, popBase)
			if r.then != "" {
				// The live page first waits (or shows someone else), then
				// the platform passes the call its way.
				if err := chromedp.Do(frame, chromedp.WaitVisible(`.popbody`)); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](r.then)); err != nil {
					t.Fatal(err)
				}
			}
			waitCtx, cancel := context.WithTimeout(frame, 15*time.Second)
			defer cancel()
			if err := chromedp.Do(waitCtx, chromedp.WaitVisible(`[data-label="姓名"] dd`)); err != nil {
				t.Fatalf("the customer never showed: %v", err)
			}
			text, err := chromedp.Run(frame, chromedp.Text(`.popbody`))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"赵六", "*******5678", "VIP", "02155550123"} {
				if !strings.Contains(text, want) {
					t.Errorf("frame lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "13912345678") {
				t.Error("the masked phone shows in clear")
			}
			if r.name == "huawei_post" {
				loc, err := chromedp.Run(frame, chromedp.Evaluate[string](`location.search`))
				if err != nil || loc != "" {
					t.Errorf("URL POST put parameters in the URL: %q (%v)", loc, err)
				}
			}
			switch {
			case r.dial != nil:
				if err := chromedp.Do(frame, chromedp.Click(`[data-testid=dial]`)); err != nil {
					t.Fatal(err)
				}
				var got []struct {
					Origin string         `json:"origin"`
					Data   map[string]any `json:"data"`
				}
				deadline := time.Now().Add(5 * time.Second)
				for len(got) == 0 && time.Now().Before(deadline) {
					raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.received)`))
					if err != nil {
						t.Fatal(err)
					}
					_ = json.Unmarshal([]byte(raw), &got)
					time.Sleep(50 * time.Millisecond)
				}
				if len(got) != 1 {
					t.Fatalf("host received %d messages, want 1", len(got))
				}
				want, _ := json.Marshal(r.dial)
				gotJSON, _ := json.Marshal(got[0].Data)
				if string(gotJSON) != string(want) || got[0].Origin != popOrigin {
					t.Fatalf("dial-out message %s from %s, want %s from %s", gotJSON, got[0].Origin, want, popOrigin)
				}
			case r.dialLink != "":
				href, err := chromedp.Run(frame, chromedp.Evaluate[string](`document.querySelector("a.dial").href`))
				if err != nil || href != r.dialLink {
					t.Fatalf("CTI call link %q (%v), want %q", href, err, r.dialLink)
				}
			default:
				n, err := chromedp.Run(frame, chromedp.Evaluate[int](`document.querySelectorAll(".dial").length`))
				if err != nil || n != 0 {
					t.Fatalf("%s has no dial-out, yet %d call buttons (%v)", r.name, n, err)
				}
			}
			testkit.Screenshot(t, ctx, "platform-"+r.name)
		})
	}
}

func hiddenInputs(v url.Values) string {
	var b strings.Builder
	for k := range v {
		fmt.Fprintf(&b, `<input type="hidden" name="%s" value="%s">`, k, v.Get(k))
	}
	return b.String()
}

// A page on an origin that is not one of the tenant's platforms cannot
// frame a pop: the browser refuses it (CSP frame-ancestors), so no customer
// data is shown there even to a trusted address.
func TestFramingByAnotherOriginIsRefused(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": "13912345678", "姓名": "赵六"}); err != nil {
		t.Fatal(err)
	}
	popBase := e.serve()
	allowed, stranger := newPlatformHost(t), newPlatformHost(t)
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{allowed.base}, SourceCIDRs: []string{"127.0.0.1/32"}}); err != nil {
		t.Fatal(err)
	}
	stranger.html["x"] = fmt.Sprintf(`<!doctype html><iframe id="pop" src="%s/pop/%s/%d?callerNum=13912345678&callType=0&callid=x"></iframe>`,
		popBase, f.Tenant.Slug, page.ID)
	allowed.html["x"] = stranger.html["x"]
	// Control: the same embedding from the tenant's platform shows the customer.
	okCtx := testkit.Browser(t)
	if err := chromedp.Do(okCtx, chromedp.Navigate(allowed.base+"/?case=x")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(frameContext(t, okCtx, popBase), chromedp.WaitVisible(`[data-label="姓名"]`)); err != nil {
		t.Fatalf("control: the allowed platform cannot frame the pop: %v", err)
	}
	ctx := testkit.Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(stranger.base+"/?case=x"), chromedp.Sleep(1500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.Type != "iframe" || !strings.HasPrefix(info.URL, popBase) {
			continue
		}
		fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
		defer cancel()
		text, err := chromedp.Run(fctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil && strings.Contains(text, "赵六") {
			t.Fatalf("a stranger's page framed the pop: %q", text)
		}
	}
	testkit.Screenshot(t, ctx, "framing-refused")
}
