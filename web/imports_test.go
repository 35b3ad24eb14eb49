package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/importer"
	"github.com/screenpop/screenpop/testkit"
)

// startImports runs import workers for the rest of the test.
func (e *env) startImports() {
	e.t.Helper()
	w, err := e.eng.Imports.Start(context.Background(), importer.Options{PollInterval: 50 * time.Millisecond, SweepInterval: time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Stop(ctx)
	})
}

// multipartBody is an import form.
func multipartBody(t *testing.T, name string, file []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(file)
	_ = mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// upload posts an import through the API with an API key.
func (e *env) upload(key string, tableID int64, name string, file []byte, fields map[string]string) (*http.Response, map[string]any) {
	e.t.Helper()
	ctype, body := multipartBody(e.t, name, file, fields)
	req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/v1/tables/%d/imports", tableID), bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept-Language", "en")
	// Over a real socket: a body over the limit is refused by the server
	// before any handler, which app.Test reports as an error.
	resp, err := e.overSocket(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	out["_body"] = string(data)
	return resp, out
}

func (e *env) importJobs(tenantID int64) int {
	e.t.Helper()
	n, err := e.eng.DB.NewSelect().Table("import_jobs").Where("tenant_id = ?", tenantID).Count(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}

// waitImport polls the progress endpoint until the job ends.
func (e *env) waitImport(key string, tableID int64, id any) map[string]any {
	e.t.Helper()
	path := fmt.Sprintf("/api/v1/tables/%d/imports/%v", tableID, id)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, job := e.api(http.MethodGet, path, key, nil)
		if resp.StatusCode != http.StatusOK {
			e.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, job["_body"])
		}
		if s := job["status"]; s != "queued" && s != "running" {
			return job
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import still %v", job["status"])
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func customerCSV(rows ...string) string {
	return "手机号,姓名,证件号,等级\r\n" + strings.Join(rows, "\r\n") + "\r\n"
}

func TestImportAPI(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	e.startImports()
	key := f.APIKey

	// A GBK file from Excel on Chinese Windows, with a bad row and a
	// duplicate.
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(customerCSV(
		"13800138000,张三,110101199001011234,VIP", "13900139000,,,普通", "13700137000,王五,,钻石", "138 0013 8000,张三丰,,普通"))
	resp, out := e.upload(key, tb.ID, "客户名单.csv", []byte(gbk), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, out["_body"])
	}
	job := out["job"].(map[string]any)
	if job["status"] != "queued" || job["fileName"] != "客户名单.csv" {
		t.Fatalf("job %v", job)
	}
	done := e.waitImport(key, tb.ID, job["id"])
	if done["status"] != "done" || done["inserted"] != 1.0 || done["rejected"] != 2.0 || done["duplicates"] != 1.0 || done["percent"] != 100.0 {
		t.Fatalf("job %v", done)
	}
	v, err := e.eng.Tables.FindView(t.Context(), f.Tenant.ID, tb.ID, "13800138000", true)
	if err != nil || v == nil || v.Field("姓名").Value != "张三丰" || v.Field("证件号").Empty == false {
		t.Fatalf("stored %+v (%v): want the last row", v, err)
	}
	// The error report: line, column, reason.
	report := fmt.Sprint(done["reportUrl"])
	req := httptest.NewRequest(http.MethodGet, report, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept-Language", "en")
	rr, err := e.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rr.Body)
	if rr.StatusCode != 200 || !strings.Contains(string(body), "3,姓名,This field is required.") ||
		!strings.Contains(string(body), `4,等级,"Choose one of`) || !strings.Contains(string(body), `2,手机号,"Same index value as line 5`) {
		t.Fatalf("report %d:\n%s", rr.StatusCode, body)
	}
	if strings.Contains(string(body), "钻石") {
		t.Fatal("the report quotes a cell")
	}

	// The header is compared with the template.
	resp, out = e.upload(key, tb.ID, "名单.csv", []byte("手机号,名字,等级,备注\r\n1,2,3,4\r\n"), nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out["_body"].(string), "Missing columns: 姓名, 证件号") ||
		!strings.Contains(out["_body"].(string), "Unexpected columns: 名字, 备注") {
		t.Fatalf("header mismatch: %d %s", resp.StatusCode, out["_body"])
	}
	// Names.
	resp, out = e.upload(key, tb.ID, "客户 名单(1).csv", []byte(customerCSV("13800138000,张三,,")), nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out["_body"].(string), `not \" \"`) {
		t.Fatalf("bad name: %d %s", resp.StatusCode, out["_body"])
	}
	// A dry run stores nothing and shows the rows masked.
	resp, out = e.upload(key, tb.ID, "名单.csv", []byte(customerCSV("13612345678,赵六,,VIP", "1,,,")), map[string]string{"dryRun": "true"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %d %s", resp.StatusCode, out["_body"])
	}
	dry := out["dryRun"].(map[string]any)
	if dry["good"] != 1.0 || dry["rejected"] != 1.0 || !strings.Contains(out["_body"].(string), `"value":"*******5678"`) ||
		strings.Contains(out["_body"].(string), "13612345678") {
		t.Fatalf("dry run %s", out["_body"])
	}
	if n := e.importJobs(f.Tenant.ID); n != 1 {
		t.Fatalf("%d jobs: refusals and dry runs stored something", n)
	}

	// Over the operator's limit: refused before anything is stored, whether
	// the handler sees the file or the server refuses the body outright.
	if err := e.eng.Settings.SetParams(t.Context(), map[settings.Param]string{settings.ImportFileSizeMB: "1"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.eng.Settings.SetParams(context.Background(), map[settings.Param]string{settings.ImportFileSizeMB: "20"})
	})
	// (Over a real connection: the server now refuses it from its
	// announced length, before fiber's in-memory test transport gets a body.)
	big := []byte(customerCSV(strings.Repeat("13800138000,张三,,\r\n", (3<<19)/24)))
	ctype, body := multipartBody(t, "大文件.csv", big, nil)
	hreq, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/tables/%d/imports", e.serve(), tb.ID), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hreq.Header.Set("Content-Type", ctype)
	hreq.Header.Set("Authorization", "Bearer "+key)
	hreq.Header.Set("Accept-Language", "en")
	// The server may refuse and close while the body is still being sent:
	// overSocket reads the answer while it writes (http.Client reported a
	// "connection reset" instead, now and then).
	resp, err = e.overSocket(hreq)
	if err != nil {
		t.Fatal(err)
	}
	bigBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	out = map[string]any{"_body": string(bigBody)}
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(out["_body"].(string), "larger than 1 MB") {
		t.Fatalf("%d bytes: %d %s", len(big), resp.StatusCode, out["_body"])
	}
	// Far over: the server answers from the announced length alone, before
	// a byte of the body is sent.
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.serve(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/tables/%d/imports HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n", tb.ID, key, 5<<20)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	hresp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	hbody, _ := io.ReadAll(hresp.Body)
	if hresp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("5 MB announced: %d %s", hresp.StatusCode, hbody)
	}
	// Just over the limit: refused from the announced length too (it was
	// buffered and parsed up to limit + 1 MB), and a chunked body over the
	// limit gets the API's JSON problem, with the limit, not a page.
	for _, tc := range []struct {
		name    string
		headers string
	}{
		{"limit + 100 KB announced", fmt.Sprintf("Content-Length: %d\r\n", 1<<20+100<<10)},
		{"chunked", "Transfer-Encoding: chunked\r\n"},
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(e.serve(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /api/v1/tables/%d/imports HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"+
			"Accept-Language: en\r\nContent-Type: multipart/form-data; boundary=b\r\n%s\r\n", tb.ID, key, tc.headers)
		if tc.name == "chunked" {
			chunk := strings.Repeat("x", 64<<10)
			go func() {
				for range 40 { // 2.5 MB, stopping when the server hangs up
					if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
						return
					}
				}
			}()
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		hresp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		hbody, _ := io.ReadAll(hresp.Body)
		conn.Close()
		if hresp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(hresp.Header.Get("Content-Type"), "json") ||
			!strings.Contains(string(hbody), "1 MB") {
			t.Errorf("%s: %d %s %s", tc.name, hresp.StatusCode, hresp.Header.Get("Content-Type"), hbody)
		}
	}
	if n := e.importJobs(f.Tenant.ID); n != 1 {
		t.Fatalf("%d jobs after over-size uploads", n)
	}

	// Listing, templates and exports.
	resp, list := e.api(http.MethodGet, fmt.Sprintf("/api/v1/tables/%d/imports", tb.ID), key, nil)
	if resp.StatusCode != 200 || len(list["items"].([]any)) != 1 {
		t.Fatalf("list: %d %v", resp.StatusCode, list["_body"])
	}
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": "+8613512345678", "姓名": "=1+2", "证件号": "@SUM(A1)"}); err != nil {
		t.Fatal(err)
	}
	resp, exp := e.api(http.MethodGet, fmt.Sprintf("/api/v1/tables/%d/export?format=csv", tb.ID), key, nil)
	csvText := exp["_body"].(string)
	if resp.StatusCode != 200 || !strings.Contains(csvText, "*******5678,'=1+2,'@SUM****") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export %d %q:\n%s", resp.StatusCode, resp.Header.Get("Content-Disposition"), csvText)
	}
	// A masked export says so in its name, so it is recognised when dropped on the import page.
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, url.PathEscape("_已脱敏.csv")) && !strings.Contains(cd, "_masked.csv") {
		t.Errorf("masked export named %q", cd)
	}
	if resp, _ := e.api(http.MethodGet, fmt.Sprintf("/api/v1/tables/%d/export?reveal=true", tb.ID), key, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("reveal without the scope: %d", resp.StatusCode)
	}
	resp, tpl := e.api(http.MethodGet, fmt.Sprintf("/api/v1/tables/%d/template?format=xlsx", tb.ID), key, nil)
	x, err := excelize.OpenReader(strings.NewReader(tpl["_body"].(string)))
	if resp.StatusCode != 200 || err != nil {
		t.Fatalf("template: %d %v", resp.StatusCode, err)
	}
	defer x.Close()
	// The header, then the example row of each column's format (issue 14).
	if head, _ := x.GetRows("Sheet1"); len(head) != 2 || strings.Join(head[0], ",") != "手机号,姓名,证件号,等级" ||
		strings.Join(head[1], ",") != "13800138000,张三,110101199003071234,普通" {
		t.Fatalf("template header %v", head)
	}
}

// An admin imports a CSV through the real page: the file input, the
// progress bar reaching done with the counts, and the error report.
func TestImportPageInBrowser(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	e.startImports()
	base := e.serve()
	ctx := testkit.Browser(t)

	var rows []string
	for i := range 50 {
		switch i {
		case 10, 20, 30:
			rows = append(rows, fmt.Sprintf("1380000%04d,,,VIP", i)) // no name: rejected
		default:
			rows = append(rows, fmt.Sprintf("1380000%04d,客户%d,,普通", i, i))
		}
	}
	file := filepath.Join(t.TempDir(), "客户名单.csv")
	if err := os.WriteFile(file, []byte("\uFEFF"+customerCSV(rows...)), 0o644); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/lang?to=zh-CN&next=/login"),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.SendKeys(`input[name=username]`, f.Admin.Username),
		chromedp.SendKeys(`input[name=password]`, f.Password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`nav.sidenav`),
		chromedp.Navigate(fmt.Sprintf("%s/admin/data/%d", base, tb.ID)),
		chromedp.Click(`[data-testid=imports-link]`),
		chromedp.WaitVisible(`[data-testid=upload-panel]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{file}),
		chromedp.Click(`[data-testid=start]`),
		chromedp.WaitVisible(`tr[data-status=done] [data-testid=report]`),
	)
	if err != nil {
		testkit.Screenshot(t, ctx, "import-failed")
		t.Fatal(err)
	}
	testkit.Screenshot(t, ctx, "import-done")
	// One time format, while polling and after a reload (checked below).
	created := func() string {
		s, _ := chromedp.Run(ctx, chromedp.Text(`tr[data-status=done] [data-field=created]`))
		return strings.TrimSpace(s)
	}
	timeFormat := regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`)
	if c := created(); !timeFormat.MatchString(c) {
		t.Errorf("created while polling shows %q", c)
	}
	for field, want := range map[string]string{"inserted": "47", "rejected": "3", "rows": "50 / 50 行", "status": "已完成"} {
		got, err := chromedp.Run(ctx, chromedp.Text(`tr[data-status=done] [data-field=`+field+`]`))
		if err != nil || strings.TrimSpace(got) != want {
			t.Errorf("%s shows %q (%v), want %q", field, got, err, want)
		}
	}
	bar, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('tr[data-status=done] progress').value`))
	if err != nil || bar != 100 {
		t.Errorf("progress bar at %v (%v)", bar, err)
	}
	report, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('[data-testid=report]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(report, "12,姓名,此项为必填。") || strings.Count(report, "\n") != 4 {
		t.Fatalf("report (%v):\n%s", err, report)
	}
	// The report is read on the job's page too, from the link the polling
	// script put in the row.
	err = chromedp.Do(ctx,
		chromedp.Click(`tr[data-status=done] [data-testid=view-errors]`),
		chromedp.WaitVisible(`[data-testid=issues]`),
	)
	if err != nil {
		testkit.Screenshot(t, ctx, "import-errors-failed")
		t.Fatal(err)
	}
	testkit.Screenshot(t, ctx, "import-errors-page")
	heads, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=issues] th')].map(th => th.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=issues] tbody tr')].map(tr => [...tr.cells].map(td => td.textContent.trim()).join('|'))`))
	if err != nil || strings.Join(heads, ",") != "行号,列,原因" || len(cells) != 3 || cells[0] != "12|姓名|此项为必填。" {
		t.Fatalf("errors table: headers %q rows %q (%v)", heads, cells, err)
	}
	if err := chromedp.Do(ctx, chromedp.NavigateBack(), chromedp.WaitVisible(`tr[data-status=done]`)); err != nil {
		t.Fatal(err)
	}
	n, err := e.eng.DB.NewSelect().Table("base_records").Where("table_id = ?", tb.ID).Count(t.Context())
	if err != nil || n != 47 {
		t.Fatalf("%d records (%v)", n, err)
	}
	// After a reload the history still shows the job, from the server.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(`tr[data-status=done]`)); err != nil {
		t.Fatal(err)
	}
	got, _ := chromedp.Run(ctx, chromedp.Text(`tr[data-status=done] [data-field=inserted]`))
	if got != "47" {
		t.Errorf("after reload inserted shows %q", got)
	}
	if c := created(); !timeFormat.MatchString(c) {
		t.Errorf("created after reload shows %q", c)
	}

	// A masked export dropped on the page is flagged before it is imported.
	hidden := func() bool {
		h, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid=masked-warning]').hidden`))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if !hidden() {
		t.Errorf("masked-export warning shown for 客户名单.csv")
	}
	masked := filepath.Join(t.TempDir(), "客户_已脱敏.csv")
	if err := os.WriteFile(masked, []byte("\uFEFF"+customerCSV("*******5678,王**,,普通")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(`input[type=file]`, []string{masked})); err != nil {
		t.Fatal(err)
	}
	if hidden() {
		testkit.Screenshot(t, ctx, "masked-warning-missing")
		t.Errorf("no warning for a masked export")
	}

	// The template uploaded as downloaded: its example row is skipped, and
	// the polled row says so.
	var tpl bytes.Buffer
	if err := e.eng.Imports.Template(t.Context(), &tpl, f.Tenant.ID, tb.ID, importer.FormatCSV); err != nil {
		t.Fatal(err)
	}
	template := filepath.Join(t.TempDir(), "模板.csv")
	if err := os.WriteFile(template, tpl.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles(`input[type=file]`, []string{template}),
		chromedp.Click(`[data-testid=start]`),
		chromedp.WaitVisible(`tr[data-status=done] [data-testid=example-skipped]`),
	)
	if err != nil {
		testkit.Screenshot(t, ctx, "example-note-missing")
		t.Fatal(err)
	}
	if n, err := e.eng.DB.NewSelect().Table("base_records").Where("table_id = ?", tb.ID).Count(t.Context()); err != nil || n != 47 {
		t.Fatalf("%d records after the unchanged template (%v)", n, err)
	}
}
