package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/testkit"
)

// In the real builder an admin switches a page to the external source,
// picks the interface the operator granted, types a sample number, and the
// live preview shows what the interface returns for it.
func TestBuilderExternalPageInBrowser(t *testing.T) {
	e := newEnv(t)
	e.loopbackConnector()
	f := e.tenant()
	ep := newEndpoint(t, replyWith(qcReply))
	it, _ := e.externalPage(f.Tenant.ID, ep.URL, 0)
	p, err := e.eng.Pages.CreatePage(t.Context(), f.Tenant.ID, "外部客户")
	if err != nil {
		t.Fatal(err)
	}
	base := e.serve()
	ctx := testkit.Browser(t)
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/lang?to=zh-CN&next=/login"),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.SendKeys(`input[name=username]`, f.Admin.Username),
		chromedp.SendKeys(`input[name=password]`, f.Password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`nav.sidenav`),
		chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d", base, p.ID)),
		chromedp.WaitVisible(`[data-testid=add-object]`),
		chromedp.SetValue(`select[name=source]`, "external"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name=source]').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitVisible(`[data-testid=interface]`),
		chromedp.WaitVisible(`[data-testid=external-note]`),
		chromedp.SetValue(`[data-testid=interface]`, fmt.Sprint(it.ID)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=interface]').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitVisible(`[data-testid=save-status][data-state=saved]`),
	}
	for i, s := range steps {
		if err := chromedp.Do(dctx, s); err != nil {
			st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('save-status').outerHTML + document.getElementById('builder-error').textContent + document.querySelector('[data-testid=interface]').value`))
			t.Fatalf("step %d: %v %s", i, err, st)
		}
	}
	// The objects are hidden: an external page takes its objects from the
	// interface.
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('objects').hidden && document.getElementById('add-object').hidden`))
	if err != nil || !hidden {
		t.Errorf("objects panel hidden: %v %v", hidden, err)
	}
	saved, err := e.eng.Pages.GetPage(t.Context(), f.Tenant.ID, p.ID)
	if err != nil || saved.Draft.Source != pages.SourceExternal || saved.Draft.ExternalInterfaceID != it.ID {
		t.Fatalf("saved draft: %+v %v", saved.Draft, err)
	}
	before := ep.hits.Load()
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`[data-testid=sample]`, "15200001028"),
		chromedp.Poll[chromedp.Void](`(function () {
			var d = document.getElementById('preview').contentDocument;
			return d && d.body && d.body.innerText.indexOf('后付费') >= 0;
		})()`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if err != nil {
		t.Fatalf("preview with a sample: %v", err)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('preview').contentDocument.body.innerText`))
	if !strings.Contains(text, "*********yu01") || strings.Contains(text, "zengxiangyu01") {
		t.Errorf("preview text: %q", text)
	}
	if ep.hits.Load() == before || ep.param.Load() != "15200001028" {
		t.Errorf("the interface was not called with the sample (%d hits, param %v)", ep.hits.Load()-before, ep.param.Load())
	}
	testkit.Screenshot(t, ctx, "builder-external")
}
