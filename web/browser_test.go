package web_test

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/testkit"
)

// serve runs the app on a loopback port for browser tests.
func (e *env) serve() string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go func() { _ = e.app.Listener(ln) }()
	e.t.Cleanup(func() { _ = e.app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// Reordering fields by drag and drop in the real editor saves the new order.
func TestDragFieldsToReorder(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	base := e.serve()
	ctx := testkit.Browser(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/lang?to=zh-CN&next=/login"),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.SendKeys(`input[name=username]`, f.Admin.Username),
		chromedp.SendKeys(`input[name=password]`, f.Password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`nav.sidenav`),
		chromedp.Navigate(fmt.Sprintf("%s/admin/tables/%d", base, tb.ID)),
		chromedp.WaitVisible(`ol.fields li`),
	)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Screenshot(t, ctx, "table-editor")

	// Drag the last field (等级) above the first (手机号) by its handle.
	last := fmt.Sprintf(`#field-%d .handle`, tb.Fields[3].ID)
	first := fmt.Sprintf(`#field-%d .handle`, tb.Fields[0].ID)
	if err := chromedp.Do(ctx, chromedp.DragAndDrop(last, first), chromedp.WaitVisible(`ol.fields[data-saved]`)); err != nil {
		t.Fatalf("drag: %v", err)
	}
	saved, err := e.eng.Tables.GetTable(t.Context(), f.Tenant.ID, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fl := range saved.Fields {
		names = append(names, fl.Name)
	}
	if got := strings.Join(names, ","); !strings.HasPrefix(got, "等级,") {
		t.Fatalf("order after drag: %s, want 等级 first", got)
	}
	// The page after a reload shows the saved order.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(`ol.fields li`)); err != nil {
		t.Fatal(err)
	}
	firstName, err := chromedp.Run(ctx, chromedp.Text(`ol.fields li .fname`))
	if err != nil || firstName != "等级" {
		t.Fatalf("first field after reload %q (%v)", firstName, err)
	}
	// The field form shows dictionary items only for dictionary fields.
	const dictShown = `getComputedStyle(document.querySelector('[data-testid=new-field] [data-show=dict]')).display !== 'none'`
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](dictShown))
	if err != nil || shown {
		t.Fatalf("dictionary items shown for a string field (%v)", err)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(`[data-testid=new-field] select[name="new.type"]`, "5"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=new-field] select[name="new.type"]').dispatchEvent(new Event('change'))`)); err != nil {
		t.Fatal(err)
	}
	shown, err = chromedp.Run(ctx, chromedp.Evaluate[bool](dictShown))
	if err != nil || !shown {
		t.Fatalf("dictionary items hidden for a dictionary field (%v)", err)
	}
}
