package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/testkit"
)

// An admin builds a page in the real builder by dragging fields, publishes
// it, and the published page renders the customer with masks, dictionary
// labels and the chosen columns, at every panel width without horizontal
// scrolling.
func TestBuildPublishAndRenderPage(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID,
		map[string]string{"手机号": "13912345678", "姓名": "张三", "证件号": "110101199001011234", "等级": "2"}); err != nil {
		t.Fatal(err)
	}
	base := e.serve()
	ctx := testkit.Browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/lang?to=zh-CN&next=/login"),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.SendKeys(`input[name=username]`, f.Admin.Username),
		chromedp.SendKeys(`input[name=password]`, f.Password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`nav.sidenav`),
		chromedp.Navigate(base+"/admin/pages"),
		chromedp.SendKeys(`input[name=name]`, "来电客户"),
		chromedp.Click(`form[action="/admin/pages"] button[type=submit]`),
		chromedp.WaitVisible(`[data-testid=add-object]`),
		chromedp.Click(`[data-testid=add-object]`),
		chromedp.WaitVisible(`[data-testid=available-0] li`),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"姓名", "手机号", "等级", "证件号"} {
		from := fmt.Sprintf(`[data-testid=available-0] li[data-field-id="%d"] .n`, tb.FieldByName(name).ID)
		if err := chromedp.Do(ctx, chromedp.DragAndDrop(from, `[data-testid=chosen-0]`)); err != nil {
			t.Fatalf("drag %s: %v", name, err)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(`[data-testid=columns]`, "3"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=columns]').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.WaitVisible(`[data-testid=save-status][data-state=saved]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	chosen, err := chromedp.Run(ctx, chromedp.Text(`[data-testid=chosen-0]`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(chosen, "姓名") || !strings.Contains(chosen, "证件号") {
		t.Fatalf("chosen list after drags: %q", chosen)
	}
	testkit.Screenshot(t, ctx, "builder")

	// The draft is not what agents see: nothing is published yet.
	p, err := e.eng.Pages.ListPages(t.Context(), f.Tenant.ID)
	if err != nil || len(p) != 1 || p[0].PublishedVersion != nil || len(p[0].Draft.Objects) != 1 || len(p[0].Draft.Objects[0].Fields) != 4 {
		t.Fatalf("saved draft: %+v %v", p, err)
	}
	// The preview stays readable at 1280 px: zoomed no further than 0.8,
	// the rest of the width scrolls.
	err = chromedp.Do(ctx, chromedp.Click(`.widths button[data-width="1280"]`))
	if err != nil {
		t.Fatal(err)
	}
	scale, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=preview-frame]').getAttribute('data-scale')`))
	if err != nil || scale != "0.80" {
		t.Fatalf("preview scale at 1280 px: %q (%v)", scale, err)
	}
	scrolls, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){ var f = document.querySelector('[data-testid=preview-frame]'); return f.scrollWidth > f.clientWidth; })()`))
	if err != nil || !scrolls {
		t.Fatalf("the 1280 px preview does not scroll sideways (%v)", err)
	}
	// Publishing keeps the sample number and says "published".
	err = chromedp.Do(ctx, chromedp.SendKeys(`[data-testid=sample]`, "13912345678"), chromedp.Sleep(400*time.Millisecond),
		chromedp.Click(`[data-testid=publish]`), chromedp.WaitVisible(`[data-testid=versions] td .badge.on`))
	if err != nil {
		t.Fatal(err)
	}
	sample, _ := chromedp.Run(ctx, chromedp.Value(`[data-testid=sample]`))
	flash, _ := chromedp.Run(ctx, chromedp.Text(`.flash`))
	if sample != "13912345678" || flash != "已发布。" {
		t.Fatalf("after publishing: sample %q, flash %q", sample, flash)
	}
	testkit.Screenshot(t, ctx, "builder-published")

	for _, width := range []int64{300, 790, 1280} {
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(width, 900),
			chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/preview?draft=0&sample=13912345678", base, p[0].ID)),
			chromedp.WaitVisible(`[data-testid=grid]`),
		)
		if err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(`body`))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"张三", "*******5678", "VIP", "1101**************"} {
			if !strings.Contains(text, want) {
				t.Errorf("%d px: page lacks %q:\n%s", width, want, text)
			}
		}
		for _, leak := range []string{"13912345678", "199001011234"} {
			if strings.Contains(text, leak) {
				t.Errorf("%d px: page shows masked-out %q", width, leak)
			}
		}
		cols, err := chromedp.Run(ctx, chromedp.Evaluate[int](`getComputedStyle(document.querySelector('[data-testid=grid]')).gridTemplateColumns.split(' ').length`))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]int{300: 1, 790: 3, 1280: 3}[width]
		if cols != want {
			t.Errorf("%d px: %d columns, want %d", width, cols, want)
		}
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil || overflow {
			t.Errorf("%d px: horizontal overflow (%v)", width, err)
		}
		testkit.Screenshot(t, ctx, fmt.Sprintf("page-%dpx", width))
	}
}
