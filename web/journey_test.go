package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
)

// journeyPage is one page of the journey, reached at path and ready when
// ready is visible.
type journeyPage struct {
	name, path, ready string
	axe               bool // run axe-core here (each page once, at 1280 px)
}

// axeResult is what the test keeps of axe-core's run.
type axeResult struct {
	ID, Impact, Help string
	Nodes            int
	Targets          []string // the first few elements, to find them
}

// journey collects the console errors of one browser.
type journey struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string // axe-core's source, injected into each page checked

	mu     sync.Mutex
	errors []string
	counts map[string]int // impact → violations over the pages checked
}

func newJourney(t *testing.T, base, axe string) *journey {
	j := &journey{t: t, base: base, axe: axe, counts: map[string]int{}}
	j.ctx = testkit.BrowserFor(t, 3*time.Minute)
	consoleCtx, stop := context.WithCancel(j.ctx)
	t.Cleanup(stop)
	go func() {
		for m, err := range chromedp.Console(consoleCtx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				j.mu.Lock()
				j.errors = append(j.errors, m.String()+" "+m.URL)
				j.mu.Unlock()
			}
		}
	}()
	return j
}

func (j *journey) login(username, password string) {
	j.t.Helper()
	err := chromedp.Do(j.ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(j.base+"/lang?to=zh-CN&next=/login"),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.SendKeys(`input[name=username]`, username),
		chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`main#main`),
	)
	if err != nil {
		j.t.Fatalf("login %s: %v", username, err)
	}
}

// visit checks one page at both widths: no template error, no console
// error, no horizontal overflow; a screenshot of each; axe-core at 1280.
func (j *journey) visit(role string, p journeyPage) {
	j.t.Helper()
	for _, width := range []int64{1280, 390} {
		j.mu.Lock()
		j.errors = nil
		j.mu.Unlock()
		err := chromedp.Do(j.ctx,
			chromedp.EmulateViewport(width, 900),
			chromedp.Navigate(j.base+p.path),
			chromedp.WaitVisible(p.ready),
			chromedp.Sleep(150*time.Millisecond), // the page's scripts settle
		)
		if err != nil {
			j.t.Errorf("%s %s at %d px: %v", role, p.path, width, err)
			continue
		}
		text, err := chromedp.Run(j.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			j.t.Errorf("%s %s: %v", role, p.path, err)
			continue
		}
		overflow, err := chromedp.Run(j.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil {
			j.t.Errorf("%s %s: %v", role, p.path, err)
			continue
		}
		if strings.Contains(text, "template:") || strings.Contains(text, "error calling") {
			j.t.Errorf("%s %s at %d px: template error on the page", role, p.path, width)
		}
		if overflow {
			wide, _ := chromedp.Run(j.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("body *")).filter(e => { if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false; for (let a = e.parentElement; a; a = a.parentElement) { if (["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX)) return false; } return true; }).slice(0, 4).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`))
			j.t.Errorf("%s %s: horizontal overflow at %d px: %q", role, p.path, width, wide)
		}
		testkit.Screenshot(j.t, j.ctx, fmt.Sprintf("%s-%s-%d", role, p.name, width))
		j.mu.Lock()
		errs := j.errors
		j.mu.Unlock()
		if len(errs) > 0 {
			j.t.Errorf("%s %s at %d px: console errors: %q", role, p.path, width, errs)
		}
		if width == 1280 && p.axe {
			j.runAxe(role, p)
		}
	}
}

func (j *journey) runAxe(role string, p journeyPage) {
	j.t.Helper()
	err := chromedp.Do(j.ctx, chromedp.Evaluate[chromedp.Void](j.axe))
	if err != nil {
		j.t.Errorf("inject axe on %s: %v", p.path, err)
		return
	}
	raw, err := chromedp.Run(j.ctx, chromedp.Evaluate[string](
		`axe.run(document, {iframes: false, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({ID: v.id, Impact: v.impact, Help: v.help, Nodes: v.nodes.length, Targets: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " [" + (n.any.concat(n.all).map(c => c.message).join("; ")) + "]")}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		j.t.Errorf("axe on %s: %v", p.path, err)
		return
	}
	var vs []axeResult
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		j.t.Errorf("axe on %s: %v", p.path, err)
		return
	}
	for _, v := range vs {
		j.mu.Lock()
		j.counts[v.Impact] += v.Nodes
		j.mu.Unlock()
		if v.Impact == "serious" || v.Impact == "critical" {
			j.t.Errorf("%s %s: axe %s (%s) on %d elements: %s: %q", role, p.path, v.ID, v.Impact, v.Nodes, v.Help, v.Targets)
		}
	}
}

// axeSource reads axe-core from node_modules (npm ci, make web-assets).
func axeSource(t *testing.T) string {
	t.Helper()
	for dir := "."; ; dir = filepath.Join(dir, "..") {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			b, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
			if err != nil {
				t.Fatalf("axe-core not installed: run `make web-assets` (%v)", err)
			}
			return string(b)
		}
		if abs, _ := filepath.Abs(dir); abs == "/" {
			t.Fatal("no go.mod above the test")
		}
	}
}

// Every admin, operator and agent page with the demo's data (a table with
// customers, a page, internal and external pops, an import, users), for
// each role: no template or console error, no horizontal overflow at 1280
// and 390 px, no serious or critical axe-core violation; a screenshot of
// each under var/test-artifacts. Then the demo's promise: Ringing from the
// simulator pops the demo caller on the agent's workspace.
func TestAdminJourneys(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	logins, err := e.eng.SeedDemo(ctx)
	if err != nil || len(logins) != 3 {
		t.Fatalf("seed the demo: %v", err)
	}
	password := map[string]string{}
	for _, l := range logins {
		password[l.Username] = l.Password
	}
	tenant, err := e.eng.Accounts.TenantBySlug(ctx, engine.DemoTenantSlug)
	if err != nil {
		t.Fatal(err)
	}
	tid := tenant.ID
	ts, _ := e.eng.Tables.ListTables(ctx, tid)
	tableID := ts[0].ID
	ps, _ := e.eng.Pages.ListPages(ctx, tid)
	pageID := ps[0].ID
	_, recs, _, err := e.eng.Tables.ListRecords(ctx, tid, tableID, 0, 1)
	if err != nil || len(recs) == 0 {
		t.Fatalf("demo records: %v", err)
	}
	// An external pop next to the demo's internal ones, and an import.
	if _, err := e.eng.Settings.AddWhitelist(ctx, "https://journey.example.com/", "CRM (journey test)"); err != nil {
		t.Fatal(err)
	}
	ext, err := e.eng.Pops.CreateConfig(ctx, tid, pops.ConfigInput{MediaType: pops.MediaAudio, Name: "CRM 工单", PageType: pops.PageExternal,
		URL: "https://journey.example.com/ticket", OpenMode: pops.OpenStandalone, Method: pops.MethodGet, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	e.startImports()
	key, _, err := e.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: tid, Name: "journey"})
	if err != nil {
		t.Fatal(err)
	}
	resp, out := e.upload(key, tableID, "客户.csv", []byte("手机号,姓名,证件号,客户等级,所在城市,开户日期,积分,备注\r\n13700000001,新客户,,VIP,上海,2024-05-01,10,\r\n13700000002,,,9,,2024-13-01,,\r\n"), map[string]string{"mode": "all"})
	if resp.StatusCode != 201 {
		t.Fatalf("import: %d %s", resp.StatusCode, out["_body"])
	}
	importID := e.waitImport(key, tableID, out["job"].(map[string]any)["id"])["id"]
	admin, _ := e.eng.Accounts.UserByWorkNo(ctx, tid, "1000")
	agent, _ := e.eng.Accounts.UserByWorkNo(ctx, tid, "1001")

	base := e.serve()
	axe := axeSource(t)
	start := time.Now()

	op := newJourney(t, base, axe)
	op.login(engine.DemoOperator, password[engine.DemoOperator])
	for _, p := range []journeyPage{
		{"tenants", "/operator/tenants", `[data-testid=tenants]`, true},
		{"tenant", fmt.Sprintf("/operator/tenants/%d", tid), `[data-testid=tenant-users]`, true},
		{"tenant-user", fmt.Sprintf("/operator/tenants/%d/users/%d", tid, admin.ID), `[data-testid=user-page]`, true},
		{"params", "/operator/params", `main form`, true},
		{"whitelist", "/operator/whitelist", `main form`, true},
		{"interfaces", "/operator/interfaces", `main form`, true},
	} {
		op.visit("operator", p)
	}

	ad := newJourney(t, base, axe)
	ad.login(engine.DemoAdmin, password[engine.DemoAdmin])
	for _, p := range []journeyPage{
		{"tables", "/admin/tables", `main table`, true},
		{"table", fmt.Sprintf("/admin/tables/%d", tableID), `ol.fields li`, true},
		{"data", "/admin/data", `main`, true},
		{"data-table", fmt.Sprintf("/admin/data/%d", tableID), `main table`, true},
		{"data-search", fmt.Sprintf("/admin/data/%d?q=8000", tableID), `[data-testid=clear-search]`, true},
		{"record", fmt.Sprintf("/admin/data/%d/records/%d", tableID, recs[0].ID), `[data-testid=record-form]`, true},
		{"imports", fmt.Sprintf("/admin/data/%d/imports", tableID), `main form`, true},
		{"import-errors", fmt.Sprintf("/admin/data/%d/imports/%v", tableID, importID), `[data-testid=issues] tbody tr`, true},
		{"pages", "/admin/pages", `main table`, true},
		{"builder", fmt.Sprintf("/admin/pages/%d", pageID), `[data-testid=save-status]`, true},
		{"preview", fmt.Sprintf("/admin/pages/%d/preview?draft=1&sample=%s", pageID, engine.DemoCaller), `[data-testid=grid]`, true},
		{"pops", "/admin/pops", `[data-testid=pops]`, true},
		{"pops-multimedia", "/admin/pops?media=multimedia", `[data-testid=pops]`, false},
		{"pop-edit", fmt.Sprintf("/admin/pops/%d", ext.ID), `main form`, true},
		{"pop-help", "/admin/pops/help/huawei_get", `main`, true},
		{"simulator", "/admin/simulator", `[data-testid=simulator]`, true},
		{"settings", "/admin/settings", `main table`, true},
		{"user", fmt.Sprintf("/admin/settings/users/%d", agent.ID), `[data-testid=user-page]`, true},
		{"audit", "/admin/audit", `main`, true},
	} {
		ad.visit("admin", p)
	}

	// A date field takes a date input.
	if err := chromedp.Do(ad.ctx, chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(fmt.Sprintf("%s/admin/data/%d/records/%d", base, tableID, recs[0].ID)),
		chromedp.WaitVisible(`input[type=date][name="v.开户日期"]`)); err != nil {
		t.Errorf("no date input for the date field: %v", err)
	}

	ag := newJourney(t, base, axe)
	ag.login(engine.DemoAgent, password[engine.DemoAgent])
	// Signing in opened the workspace; this second load within the same
	// second signs its homepage link again, and each link carries its own
	// nonce: it must not be refused as a replay (it was, before the nonce).
	ag.visit("agent", journeyPage{"workspace", "/workspace", `[data-testid=workspace] .ws-status[data-state=connected]`, true})
	if err := chromedp.Do(ag.ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/workspace"),
		chromedp.WaitVisible(`[data-testid=workspace] .ws-status[data-state=connected]`)); err != nil {
		t.Fatal(err)
	}
	if navs, err := chromedp.Run(ag.ctx, chromedp.Evaluate[int](`document.querySelectorAll('nav.sidenav').length`)); err != nil || navs != 0 {
		t.Errorf("the agent's workspace has a side menu (%d, %v)", navs, err)
	}

	// The demo's promise: the simulator's defaults pop the demo caller.
	if err := chromedp.Do(ad.ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/admin/simulator"),
		chromedp.WaitVisible(`[data-testid=simulator]`), chromedp.Click(`[data-testid=sim-Ringing]`), chromedp.WaitVisible(`.flash`)); err != nil {
		t.Fatal(err)
	}
	frameText := func() string {
		s, _ := chromedp.Run(ag.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('iframe')).map(f => { try { return f.contentDocument.body.innerText } catch (e) { return "" } }).join("\n")`))
		return s
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(frameText(), "张伟") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if text := frameText(); !strings.Contains(text, "张伟") || strings.Contains(text, engine.DemoCaller) {
		testkit.Screenshot(t, ag.ctx, "demo-pop-fail")
		t.Fatalf("the demo caller did not pop: %q", text)
	}
	if bar, _ := chromedp.Run(ag.ctx, chromedp.Text(`[data-testid=ws-call]`)); !strings.Contains(bar, "振铃") {
		t.Errorf("the call bar names the event in English: %q", bar)
	}
	testkit.Screenshot(t, ag.ctx, "demo-pop")
	t.Logf("axe-core violations over the pages (all impacts): operator %v, admin %v, agent %v; journey took %s",
		op.counts, ad.counts, ag.counts, time.Since(start).Round(time.Second))
}
