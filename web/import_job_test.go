package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// A finished import's error report is read on its page as well as
// downloaded: the rejected rows with their line, column and reason under
// labelled headers, in both languages, 100 a page with a link to all;
// another tenant's import is not found.
func TestImportJobPageShowsErrors(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	e.startImports()

	// 130 rows without a name (lines 2–131) and one good row.
	rows := []string{"13800000000,张三,,VIP"}
	for i := 1; i <= 130; i++ {
		rows = append(rows, fmt.Sprintf("1380000%04d,,,普通", i))
	}
	resp, out := e.upload(f.APIKey, tb.ID, "名单.csv", []byte(customerCSV(rows...)), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, out["_body"])
	}
	job := e.waitImport(f.APIKey, tb.ID, out["job"].(map[string]any)["id"])
	page := fmt.Sprintf("/admin/data/%d/imports/%v", tb.ID, job["id"])

	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	_, imports := b.get(fmt.Sprintf("/admin/data/%d/imports", tb.ID))
	if !strings.Contains(imports, `href="`+page+`" data-testid="view-errors"`) {
		t.Errorf("the history row has no link to the job page")
	}
	rowsOf := regexp.MustCompile(`(?s)<tbody>(.*?)</tbody>`)
	tests := []struct {
		lang, query string
		want        []string
		wantRows    int
	}{
		{"en", "", []string{"<th scope=\"col\">Line</th>", "<th scope=\"col\">Column</th>", "<th scope=\"col\">Reason</th>",
			"<td>3</td><td>姓名</td><td>This field is required.</td>", "Errors 1–100 of 130", "Download every error (CSV)", "1 / 2"}, 100},
		{"en", "?page=2", []string{"<td>131</td><td>姓名</td>", "Errors 101–130 of 130", "2 / 2"}, 30},
		{"zh-CN", "", []string{"<th scope=\"col\">行号</th>", "<th scope=\"col\">列</th>", "<th scope=\"col\">原因</th>",
			"<td>3</td><td>姓名</td><td>此项为必填。</td>", "下载全部错误（CSV）", "被拒绝的行"}, 100},
		{"en", "?page=99", []string{"Errors 101–130 of 130"}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.lang+tt.query, func(t *testing.T) {
			b.get("/lang?to=" + tt.lang + "&next=/")
			resp, body := b.get(page + tt.query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			m := rowsOf.FindStringSubmatch(body[strings.Index(body, `data-testid="issues"`):])
			if m == nil || strings.Count(m[1], "<tr>") != tt.wantRows {
				t.Errorf("want %d error rows on the page", tt.wantRows)
			}
			if strings.Contains(body, "13800000") {
				t.Errorf("the page quotes a cell")
			}
		})
	}

	other := e.tenant()
	ob := e.browser()
	ob.login(other.Admin.Username, other.Password)
	if resp, _ := ob.get(page); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another tenant's admin got %d", resp.StatusCode)
	}
}
