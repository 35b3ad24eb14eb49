package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/platforms"
)

// hideAncestorOrigins makes a Chromium page look like Firefox, which has
// no location.ancestorOrigins. Chromium's is an unforgeable own property
// of location (defineProperty throws "Cannot redefine property", delete
// returns false), so the script empties the list it returns instead: the
// pop page's code takes the same path for an absent and an empty list.
const hideAncestorOrigins = `Object.defineProperty(DOMStringList.prototype, "length", {get: function () { return 0; }, configurable: true});`

// Without location.ancestorOrigins (Firefox) and with several allowed
// origins for the tenant, the call buttons still reach the platform's
// window: the origin URL parameter when the platform passes one of the
// tenant's origins (seed 002 §2.4 and seed 004: "let targetOrigin
// =getUrlParam()['origin'];"), else every allowed origin, of which
// postMessage delivers only to the one really there.
func TestCallButtonsWithoutAncestorOrigins(t *testing.T) {
	e := newEnv(t)
	f, popURL, popBase := e.platformCustomers(t)
	host := newPlatformHost(t)
	tccc := platforms.NewTCCCWorkbench(t)
	// The platform's origin between two others: neither the first nor the
	// last allowed origin is the one framing the pop.
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{"https://cec-a.example.com", host.base, tccc.Base, "https://cec-b.example.com"},
		SourceCIDRs:  []string{"127.0.0.1/32"}}); err != nil {
		t.Fatal(err)
	}
	// seed 002 表2-1 parameters of a Huawei URL GET pop.
	huaweiGet := popURL + "?callerNum=13912345678&calledNum=4008001234&callid=ff-1&mediaType=1&callType=0&workNo=1001&agentName=agent1"
	huaweiCallout := `{"name":"callout","param":{"mode":"audio","number":"02155550123"}}`
	rows := []struct {
		name     string
		open     func(ctx context.Context) error
		received string // the host's recorder
		want     string
	}{
		{name: "huawei get, every allowed origin",
			open: func(ctx context.Context) error {
				host.html["ff-get"] = fmt.Sprintf(`<!doctype html>%s<iframe id="pop" src="%s" width="790" height="500"></iframe>`, hostRecorder, huaweiGet)
				return chromedp.Do(ctx, chromedp.Navigate(host.base+"/?case=ff-get"))
			},
			received: `JSON.stringify(window.received)`, want: huaweiCallout},
		{name: "huawei get, origin parameter",
			open: func(ctx context.Context) error {
				host.html["ff-origin"] = fmt.Sprintf(`<!doctype html>%s<iframe id="pop" src="%s&origin=%s" width="790" height="500"></iframe>`, hostRecorder, huaweiGet, host.base)
				return chromedp.Do(ctx, chromedp.Navigate(host.base+"/?case=ff-origin"))
			},
			received: `JSON.stringify(window.received)`, want: huaweiCallout},
		{name: "tencent through the TCCC stand-in",
			open: func(ctx context.Context) error {
				// seed 001: "https://www.qq.com#?mobile=18888888888&type=phone".
				return chromedp.Do(ctx, chromedp.Navigate(tccc.PageURL(popURL+"?dialect=tencent#?mobile=13912345678&type=phone")))
			},
			received: platforms.TCCCReceived,
			want:     `{"payload":{"event":"callOut","message":{"desc":"赵六","phoneNumber":"02155550123"}},"source":"ccc-sdk"}`},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			ctx := testkit.Browser(t)
			if err := r.open(ctx); err != nil {
				t.Fatal(err)
			}
			frame := frameContext(t, ctx, popBase)
			if err := chromedp.Do(frame, chromedp.WaitVisible(`[data-label="姓名"] dd`)); err != nil {
				t.Fatal(err)
			}
			if n, err := chromedp.Run(frame, chromedp.Evaluate[int](`location.ancestorOrigins.length`)); err != nil || n != 1 {
				t.Fatalf("before hiding, ancestorOrigins has %d origins (%v)", n, err)
			}
			// The pop frame is another site's process, its own target: the
			// script is added there and the frame reloaded, so it runs
			// before the page's scripts.
			if err := chromedp.Do(frame, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: hideAncestorOrigins})
				return err
			}), chromedp.Evaluate[chromedp.Void](`window.beforeReload = true; location.reload()`)); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if reloaded, _ := chromedp.Run(frame, chromedp.Evaluate[bool](`window.beforeReload === undefined && document.readyState === "complete"`)); reloaded {
					break
				}
			}
			if n, err := chromedp.Run(frame, chromedp.Evaluate[int](`location.ancestorOrigins.length`)); err != nil || n != 0 {
				t.Fatalf("ancestorOrigins still has %d origins (%v)", n, err)
			}
			if err := chromedp.Do(frame, chromedp.WaitVisible(`[data-label="姓名"] dd`), chromedp.Click(`[data-testid=dial]`)); err != nil {
				t.Fatal(err)
			}
			var got []struct {
				Origin string          `json:"origin"`
				Data   json.RawMessage `json:"data"`
			}
			for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](r.received))
				if err != nil {
					t.Fatal(err)
				}
				_ = json.Unmarshal([]byte(raw), &got)
			}
			if len(got) != 1 {
				t.Fatalf("the platform received %d messages, want the one dial-out", len(got))
			}
			var data any
			_ = json.Unmarshal(got[0].Data, &data)
			if gotJSON, _ := json.Marshal(data); string(gotJSON) != r.want || got[0].Origin != popBase {
				t.Fatalf("dial-out %s from %s, want %s from %s", gotJSON, got[0].Origin, r.want, popBase)
			}
		})
	}
}
