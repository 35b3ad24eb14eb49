package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
)

// Call buttons with several allowed origins, the pop nested below the
// platform's top window, and the origin URL parameter of seed 004
// ("targetOrigin = getUrlParam()['origin']"): the dial-out message reaches
// the window the platform listens on, and only an allowed origin.
func TestDialOutReachesTheListeningWindow(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID,
		map[string]string{"手机号": "13912345678", "姓名": "赵六", "等级": "2", "备用电话": "02155550123", "证件号": "1990-01-02"}); err != nil {
		t.Fatal(err)
	}
	popBase := e.serve()
	top, inner := newPlatformHost(t), newPlatformHost(t)
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{top.base, inner.base}, SourceCIDRs: []string{"127.0.0.1/32"}}); err != nil {
		t.Fatal(err)
	}
	popURL := fmt.Sprintf("%s/pop/%s/%d", popBase, f.Tenant.Slug, page.ID)
	// seed 002 §2.4: the page posts {"name":"callout",…} to the workbench,
	// which is the top window; here the workbench nests the page one frame
	// deeper, on a second allowed origin.
	huawei := url.Values{"callerNum": {"13912345678"}, "calledNum": {"4008001234"}, "callType": {"0"}, "workNo": {"1001"}}
	inner.html["nested"] = fmt.Sprintf(`<!doctype html><iframe id="pop" src="%s?%s" width="760" height="460"></iframe>`, popURL, huawei.Encode())
	top.html["nested"] = "<!doctype html><title>workbench</title>" + hostRecorder +
		fmt.Sprintf(`<iframe src="%s/?case=nested" width="790" height="500"></iframe>`, inner.base)

	ctx := testkit.Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(top.base+"/?case=nested")); err != nil {
		t.Fatal(err)
	}
	frame := frameContext(t, ctx, popBase)
	if err := chromedp.Do(frame, chromedp.WaitVisible(`[data-label="姓名"] dd`)); err != nil {
		t.Fatal(err)
	}
	// Only the marked phone has a button; the 证件号 (masked) and no date.
	n, err := chromedp.Run(frame, chromedp.Evaluate[int](`document.querySelectorAll("button.dial").length`))
	if err != nil || n != 1 {
		t.Fatalf("%d call buttons (%v), want 1", n, err)
	}
	if err := chromedp.Do(frame, chromedp.Click(`[data-testid=dial]`)); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Origin string         `json:"origin"`
		Data   map[string]any `json:"data"`
	}
	for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.received)`))
		if err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal([]byte(raw), &got)
	}
	if len(got) != 1 || got[0].Data["name"] != "callout" || !strings.Contains(fmt.Sprint(got[0].Data["param"]), "02155550123") {
		t.Fatalf("the top workbench received %+v", got)
	}
}
