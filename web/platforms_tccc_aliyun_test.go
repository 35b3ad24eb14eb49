package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/platforms"
)

// platformCustomers records the customers the platform tests call about,
// the first two with an unmasked alternative phone that gets a call
// button, the third with a Hong Kong number: its "+" is the only thing
// telling it from a trunk's digits, where a Chinese mobile number is found
// with or without its +86. It returns the internal page's pop address and
// the pop server's base.
func (e *env) platformCustomers(t *testing.T) (f tenantFixture, popURL, popBase string) {
	t.Helper()
	f = e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	for _, r := range []map[string]string{
		{"手机号": "13912345678", "姓名": "赵六", "备用电话": "02155550123"},
		{"手机号": "13800000000", "姓名": "钱七", "备用电话": "02155550999"},
		{"手机号": "+85291234567", "姓名": "孙八"},
	} {
		if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	popBase = e.serve()
	return f, fmt.Sprintf("%s/pop/%s/%d", popBase, f.Tenant.Slug, page.ID), popBase
}

// waitPopText waits until the pop frame's body contains want and returns
// the text; it fails the test after 15 s.
func waitPopText(t *testing.T, frame context.Context, want string) string {
	t.Helper()
	var text string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		text, _ = chromedp.Run(frame, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if strings.Contains(text, want) {
			return text
		}
	}
	t.Fatalf("the pop never showed %q; it shows:\n%s", want, text)
	return ""
}

// Tencent TCCC (seed 001), through the stand-in workbench: the page stays
// in its iframe, each call changes only the URL's hash, the customer
// switches without a reload, and the call button posts the seed's callOut
// message to the workbench with the customer's name as desc.
func TestTCCCWorkbenchChangesTheHash(t *testing.T) {
	e := newEnv(t)
	f, popURL, popBase := e.platformCustomers(t)
	tccc := platforms.NewTCCCWorkbench(t)
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{tccc.Base}, SourceCIDRs: []string{"127.0.0.1/32"}}); err != nil {
		t.Fatal(err)
	}
	// seed 001 操作步骤 3: "URL：…例如：https://andon.XXXX.com/ticket/list/" — the
	// 来电弹屏 URL is whatever the admin types: the set-up guide's address,
	// or just the page's plain address, which must work as well.
	rows := []struct{ name, configured, shot string }{
		{"set-up guide's address", popURL + "?dialect=tencent", "guide"},
		{"plain address", popURL, "plain"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			configured := row.configured
			ctx := testkit.Browser(t)
			if err := chromedp.Do(ctx, chromedp.Navigate(tccc.PageURL(configured))); err != nil {
				t.Fatal(err)
			}
			frame := frameContext(t, ctx, popBase)
			// 常显: the page is there before any call, waiting.
			if err := chromedp.Do(frame, chromedp.WaitVisible(`.popbody`), chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`)); err != nil {
				t.Fatal(err)
			}

			// seed 001: "假如您填写的页面地址为：`https://www.qq.com`，那么每次呼入时，我们请求的
			// URL 为：`https://www.qq.com#?mobile=18888888888&type=phone`" — here with
			// our customers' numbers, the last two written as TCCC writes them: the
			// "+" unescaped.
			const seedHash = "mobile=18888888888&type=phone"
			calls := []struct {
				name, number, customer string
			}{
				{"plain number", "13912345678", "赵六"},
				{"raw + number", "+85291234567", "孙八"},
				{"raw +86 number", "+8613800000000", "钱七"},
			}
			for _, c := range calls {
				hash := strings.Replace(seedHash, "18888888888", c.number, 1)
				if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](platforms.TCCCCall(hash))); err != nil {
					t.Fatal(err)
				}
				text := waitPopText(t, frame, c.customer)
				if strings.Contains(text, strings.TrimPrefix(c.number, "+86")) {
					t.Errorf("%s: the masked phone shows in clear:\n%s", c.name, text)
				}
				// "通过 HashChange 监听": the same document, never reloaded.
				if still, err := chromedp.Run(frame, chromedp.Evaluate[bool](`window.notReloaded === true`)); err != nil || !still {
					t.Fatalf("%s: the page reloaded to switch customer (%v)", c.name, err)
				}
			}

			// seed 001 来电弹屏调用电话呼出能力:
			//   window.parent.postMessage({ source: 'ccc-sdk', payload: { event: 'callOut',
			//     message: { phoneNumber: '15889xxxxxx', // 必传
			//                desc: '刘先生' // 呼出时系统显示字段，选填，没有时显示 phoneNumber
			//   } } }, '*')
			// desc is the customer's name by default, as the seed's '刘先生'.
			if err := chromedp.Do(frame, chromedp.Click(`[data-testid=dial]`)); err != nil {
				t.Fatal(err)
			}
			want := `{"payload":{"event":"callOut","message":{"desc":"钱七","phoneNumber":"02155550999"}},"source":"ccc-sdk"}`
			var got []struct {
				Origin string          `json:"origin"`
				Data   json.RawMessage `json:"data"`
			}
			for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](platforms.TCCCReceived))
				if err != nil {
					t.Fatal(err)
				}
				_ = json.Unmarshal([]byte(raw), &got)
			}
			if len(got) != 1 {
				t.Fatalf("the workbench received %d messages, want the one callOut", len(got))
			}
			var data any
			_ = json.Unmarshal(got[0].Data, &data)
			if gotJSON, _ := json.Marshal(data); string(gotJSON) != want || got[0].Origin != popBase {
				t.Fatalf("callOut message %s from %s, want %s from %s", gotJSON, got[0].Origin, want, popBase)
			}
			pad, err := chromedp.Run(ctx, chromedp.Evaluate[string](platforms.TCCCDialPad))
			if err != nil || pad != `[{"phoneNumber":"02155550999","shown":"钱七"}]` {
				t.Fatalf("dial pad %s (%v)", pad, err)
			}
			testkit.Screenshot(t, ctx, "tccc-workbench-"+row.shot)
		})
	}
}

// Aliyun CCC (seed 000), through the stand-in workbench: the homepage opens
// at sign-in without parameters, each call refreshes it with the
// parameters appended after "?" to the configured address — a second "?"
// when that address has its own query — and the right customer shows.
func TestAliyunWorkbenchGET(t *testing.T) {
	e := newEnv(t)
	f, popURL, popBase := e.platformCustomers(t)
	ali := platforms.NewAliyunWorkbench(t)
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{ali.Base}, SourceCIDRs: []string{"127.0.0.1/32"}}); err != nil {
		t.Fatal(err)
	}
	// seed 000 三: "假如您填写的页面地址为：https://www.tmall.com；那么每次呼入/呼出时，
	// 我们请求的url为：https://www.tmall.com?callNumber=18888888888&calledNumber=057166666666&callType=Inbound"
	const seedQuery = "callNumber=18888888888&calledNumber=057166666666&callType=Inbound"
	inbound := func(number string) string { return strings.Replace(seedQuery, "18888888888", number, 1) }
	// 四 参数说明: "callType 电话类型：Inbound(呼入) / Outbound(呼出)"; on an outbound
	// call the customer is the called number.
	outbound := func(number string) string {
		return "callNumber=057166666666&calledNumber=" + number + "&callType=Outbound"
	}
	type call struct{ query, customer string }
	rows := []struct {
		name       string
		configured string // 页面地址
		calls      []call
	}{
		{"plain address", popURL, []call{
			{inbound("13912345678"), "赵六"},
			{inbound("+8613800000000"), "钱七"},
			{inbound("+85291234567"), "孙八"},
			{outbound("13912345678"), "赵六"},
		}},
		// The set-up guide's address has its own query: Aliyun's "?" makes
		// it /pop/t/1?dialect=aliyun?callNumber=…
		{"address with its own query", popURL + "?dialect=aliyun", []call{
			{inbound("13800000000"), "钱七"},
			{inbound("+8613912345678"), "赵六"},
			{outbound("+85291234567"), "孙八"},
		}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			ctx := testkit.Browser(t)
			if err := chromedp.Do(ctx, chromedp.Navigate(ali.PageURL(r.configured))); err != nil {
				t.Fatal(err)
			}
			frame := frameContext(t, ctx, popBase)
			// "坐席人员登录坐席工作台，会直接弹出设置好的首页页面，此时并没有拼接相关参数":
			// the page waits for a call, it is no error.
			if err := chromedp.Do(frame, chromedp.WaitVisible(`.popbody`)); err != nil {
				t.Fatalf("the homepage without parameters: %v", err)
			}
			for _, c := range r.calls {
				if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](platforms.AliyunCall(c.query))); err != nil {
					t.Fatal(err)
				}
				// Each call reloads the page (a new GET); wait for that one.
				want := r.configured + "?" + c.query
				var src string
				for deadline := time.Now().Add(15 * time.Second); src != want && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
					src, _ = chromedp.Run(frame, chromedp.Evaluate[string](`location.href`))
				}
				if src != want {
					t.Fatalf("the workbench opened %s, want %s", src, want)
				}
				waitPopText(t, frame, c.customer)
			}
			testkit.Screenshot(t, ctx, "aliyun-workbench")
		})
	}
}
