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

// The import page lists each template column's format next to the
// template links, and a template imported unchanged stores nothing and
// says its example row was skipped, on the page and in the API.
func TestImportPageTemplateColumns(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	e.startImports()
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	b.get("/lang?to=en&next=/")
	imports := fmt.Sprintf("/admin/data/%d/imports", tb.ID)
	_, page := b.get(imports)
	for _, want := range []string{`data-testid="template-columns"`, "What each column takes",
		"<th scope=\"row\">手机号</th><td>Text</td><td><strong>Required (the index", "Phone numbers as typed",
		"<span class=\"choices\">普通、VIP</span>", "<code>普通</code>", "<code>110101199003071234</code>",
		"Stored encrypted, shown masked", "<th scope=\"row\">等级</th><td>Dictionary</td><td>Optional</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("imports page lacks %q", want)
		}
	}
	b.get("/lang?to=zh-CN&next=/")
	if _, page := b.get(imports); !strings.Contains(page, "各列填写说明") || !strings.Contains(page, "<td>字典</td><td>选填</td>") {
		t.Errorf("the Chinese imports page lacks the column list")
	}

	resp, tpl := b.get(fmt.Sprintf("/admin/data/%d/template?format=csv", tb.ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(tpl, "\r\n13800138000,张三,110101199003071234,普通\r\n") {
		t.Fatalf("CSV template %d %q", resp.StatusCode, tpl)
	}
	resp, out := e.upload(f.APIKey, tb.ID, "模板.csv", []byte(tpl), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, out["_body"])
	}
	job := e.waitImport(f.APIKey, tb.ID, out["job"].(map[string]any)["id"])
	if job["status"] != "done" || job["totalRows"] != 0.0 || job["inserted"] != 0.0 || job["exampleSkipped"] != true {
		t.Fatalf("job %v", job)
	}
	if n, _ := e.eng.DB.NewSelect().Table("base_records").Where("table_id = ?", tb.ID).Count(t.Context()); n != 0 {
		t.Fatalf("%d records from the unchanged template", n)
	}
	if _, page := b.get(imports); !strings.Contains(page, `data-testid="example-skipped">已跳过模板中的示例行。`) {
		t.Errorf("the history does not say the example row was skipped")
	}
	if _, page := b.get(fmt.Sprintf("%s/%v", imports, job["id"])); !strings.Contains(page, "已跳过模板中的示例行。") {
		t.Errorf("the job page does not say the example row was skipped")
	}
}
