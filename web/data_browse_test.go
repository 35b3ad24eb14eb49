package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The data page: search by the last four digits of the encrypted phone and
// by a plain field, a link that clears the search, chosen and ordered
// columns, sorting by a plain field, date inputs, and a dictionary field
// that can be emptied.
func TestDataBrowsing(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	for _, in := range []map[string]string{
		{"手机号": "13912345678", "姓名": "张三", "等级": "2"},
		{"手机号": "13800005678", "姓名": "李四", "等级": "1"},
		{"手机号": "13700001111", "姓名": "王五"},
	} {
		if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	list := fmt.Sprintf("/admin/data/%d", tb.ID)
	searches := []struct {
		q          string
		want, not_ []string
	}{
		{"5678", []string{"张三", "李四"}, []string{"王五"}},
		{"王", []string{"王五"}, []string{"张三", "李四"}},
		{"VIP", []string{"张三"}, []string{"李四", "王五"}},
	}
	for _, s := range searches {
		resp, body := b.get(list + "?q=" + url.QueryEscape(s.q))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("search %s: %d", s.q, resp.StatusCode)
		}
		for _, w := range s.want {
			if !strings.Contains(body, w) {
				t.Errorf("search %s lacks %s", s.q, w)
			}
		}
		for _, n := range s.not_ {
			if strings.Contains(body, ">"+n+"<") {
				t.Errorf("search %s shows %s", s.q, n)
			}
		}
		if !strings.Contains(body, `data-testid="clear-search"`) {
			t.Errorf("search %s has no link to clear it", s.q)
		}
	}
	// Columns: 姓名 first, then 手机号; sorted by 姓名, descending.
	name, phone := tb.FieldByName("姓名").ID, tb.FieldByName("手机号").ID
	_, body := b.get(fmt.Sprintf("%s?cols=%d,%d&sort=%d&desc=1", list, name, phone, name))
	head := body[strings.Index(body, `data-testid="records"`):]
	head = head[:strings.Index(head, "</thead>")]
	if i, j := strings.Index(head, ">姓名"), strings.Index(head, ">手机号"); i < 0 || j < 0 || i > j || strings.Contains(head, "证件号") {
		t.Fatalf("chosen columns not shown in order: %s", head)
	}
	if !strings.Contains(head, `aria-sort="descending"`) {
		t.Fatal("sorted column not marked")
	}
	rows := body[strings.Index(body, "<tbody>"):]
	if a, z := strings.Index(rows, "王五"), strings.Index(rows, "李四"); a < 0 || z < 0 || a > z {
		t.Fatal("not sorted by name, descending")
	}
	// A dictionary field can be emptied, and shows a choice to do so.
	r, err := e.eng.Tables.FindView(t.Context(), f.Tenant.ID, tb.ID, "13912345678", false)
	if err != nil {
		t.Fatal(err)
	}
	rec := fmt.Sprintf("%s/records/%d", list, r.RecordID)
	if _, body = b.get(rec); !strings.Contains(body, "— 无 —") {
		t.Fatal("no choice to empty the dictionary field")
	}
	if resp, _ := b.post(rec, url.Values{"v.姓名": {"张三"}, "v.等级": {""}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("empty the dictionary: %d", resp.StatusCode)
	}
	if v, _ := e.eng.Tables.FindView(t.Context(), f.Tenant.ID, tb.ID, "13912345678", false); !v.Field("等级").Empty {
		t.Fatalf("dictionary value kept: %+v", v.Field("等级"))
	}
}
