package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/tables"
)

// customerTable makes a published table: an encrypted, masked phone index,
// a plain name, a masked ID number, a level dictionary.
func (e *env) customerTable(tenantID int64) *tables.Table {
	e.t.Helper()
	ctx := context.Background()
	ts := e.eng.Tables
	t, err := ts.CreateTable(ctx, tenantID, tables.TableInput{Name: name("客户")})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range []tables.FieldInput{
		{Name: "手机号", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
		{Name: "姓名", Type: tables.TypeString, Mandatory: true},
		{Name: "证件号", Encrypted: true, Type: tables.TypeString, Masked: true, MaskStyle: tables.MaskFirstFour},
		{Name: "等级", Type: tables.TypeDict, DictItems: []tables.DictItem{{Key: "1", Value: "普通"}, {Key: "2", Value: "VIP"}}},
	} {
		if _, err := ts.AddField(ctx, tenantID, t.ID, f); err != nil {
			e.t.Fatalf("add field %s: %v", f.Name, err)
		}
	}
	if _, err := ts.Publish(ctx, tenantID, t.ID); err != nil {
		e.t.Fatal(err)
	}
	t, err = ts.GetTable(ctx, tenantID, t.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func TestTableEditorForms(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	b.get("/admin/tables")

	resp, _ := b.post("/admin/tables", url.Values{"name": {"客户资料"}, "description": {"来电客户"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create table: %d", resp.StatusCode)
	}
	tablePath := resp.Header.Get("Location")
	b.get(tablePath)

	// Bad field input is shown beside the field, with what was typed kept.
	resp, body := b.post(tablePath+"/fields", url.Values{
		"new.name": {"生日"}, "new.type": {"3"}, "new.masked": {"on"}, "new.maskStyle": {"1"}, "new.rule": {"size(value) =="},
	})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad field: status %d", resp.StatusCode)
	}
	for _, want := range []string{"只有字符串和数字字段可以脱敏显示", "第 1 行第", `value="生日"`, `value="size(value) =="`} {
		if !strings.Contains(body, want) {
			t.Errorf("bad field page lacks %q", want)
		}
	}

	// Publishing without an index is refused with the reason.
	b.post(tablePath+"/fields", url.Values{"new.name": {"姓名"}, "new.type": {"1"}})
	_, body = b.post(tablePath+"/publish", url.Values{})
	if !strings.Contains(body, "发布前请添加索引字段") {
		t.Fatal("publish without index: no reason given")
	}
	b.post(tablePath+"/fields", url.Values{"new.name": {"手机号"}, "new.type": {"1"}, "new.isIndex": {"on"}, "new.encrypted": {"on"},
		"new.masked": {"on"}, "new.maskStyle": {"1"}})
	if resp, _ := b.post(tablePath+"/publish", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", resp.StatusCode)
	}

	// Deleting asks for confirmation first.
	_, body = b.post(tablePath+"/delete", url.Values{})
	if !strings.Contains(body, "确定删除基础表 客户资料 及其 0 条记录吗") {
		t.Fatal("delete did not ask for confirmation")
	}
	if resp, _ := b.get(tablePath); resp.StatusCode != http.StatusOK {
		t.Fatal("the table went before confirmation")
	}
	b.post(tablePath+"/delete", url.Values{"confirm": {"yes"}})
	if resp, _ := b.get(tablePath); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("after confirmed delete: %d, want 404", resp.StatusCode)
	}
}

// Masked characters never reach a user without the reveal permission, in
// HTML or JSON; a permitted reveal shows the value and is audited.
func TestMaskedValuesStayOnTheServer(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	const phone, idNo = "13912345678", "110101199001011234"
	rec, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, map[string]string{"手机号": phone, "姓名": "张三", "证件号": idNo, "等级": "VIP"})
	if err != nil {
		t.Fatal(err)
	}
	hidden := []string{"1391234", "0101199001011234"} // the masked-out parts

	// An admin without reveal (API key without scope, and a session user).
	noReveal := e.user(&f.Tenant.ID, accounts.RoleAdmin, f.Password)
	b := e.browser()
	b.login(noReveal.Username, f.Password)
	pages := []string{
		fmt.Sprintf("/admin/data/%d", tb.ID),
		fmt.Sprintf("/admin/data/%d?index=%s", tb.ID, url.QueryEscape("+86 139-1234-5678")),
		fmt.Sprintf("/admin/data/%d/records/%d", tb.ID, rec.ID),
	}
	for _, p := range pages {
		resp, body := b.get(p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		if !strings.Contains(body, "*******5678") || !strings.Contains(body, "VIP") {
			t.Errorf("%s does not show the masked phone and the dictionary label", p)
		}
		for _, h := range hidden {
			if strings.Contains(body, h) {
				t.Errorf("%s leaks %q", p, h)
			}
		}
	}
	for _, p := range []string{
		fmt.Sprintf("/api/v1/tables/%d/records", tb.ID),
		fmt.Sprintf("/api/v1/tables/%d/records?index=13912345678", tb.ID),
		fmt.Sprintf("/api/v1/tables/%d/records/%d", tb.ID, rec.ID),
	} {
		_, out := e.api("GET", p, f.APIKey, nil)
		body := out["_body"].(string)
		if !strings.Contains(body, "*******5678") {
			t.Errorf("%s: no masked phone in %s", p, body)
		}
		for _, h := range hidden {
			if strings.Contains(body, h) {
				t.Errorf("%s leaks %q", p, h)
			}
		}
	}

	// Reveal is refused without the permission…
	resp, _ := b.post(fmt.Sprintf("/admin/data/%d/records/%d/reveal", tb.ID, rec.ID), url.Values{"field": {fmt.Sprint(tb.FieldByName("证件号").ID)}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("reveal without permission: %d", resp.StatusCode)
	}
	// …and works with it, writing an audit entry without the value.
	withReveal := e.user(&f.Tenant.ID, accounts.RoleAdmin, f.Password)
	if _, err := e.eng.Accounts.UpdateUser(t.Context(), f.Tenant.ID, withReveal.ID, accounts.UserUpdate{Permissions: []string{"reveal"}}); err != nil {
		t.Fatal(err)
	}
	rb := e.browser()
	rb.login(withReveal.Username, f.Password)
	rb.get(pages[2])
	_, body := rb.post(fmt.Sprintf("/admin/data/%d/records/%d/reveal", tb.ID, rec.ID), url.Values{"field": {fmt.Sprint(tb.FieldByName("证件号").ID)}})
	if !strings.Contains(body, idNo) || !strings.Contains(body, "已记入审计日志") {
		t.Fatal("permitted reveal did not show the value")
	}
	_, body = rb.get("/admin/audit")
	if !regexp.MustCompile(withReveal.Username + `</td>\s*<td>[^<]*证件号`).MatchString(body) {
		t.Errorf("audit page does not list the reveal by %s", withReveal.Username)
	}
	if strings.Contains(body, idNo) {
		t.Error("the audit log holds the revealed value")
	}
}

// Every table and record endpoint called with another tenant's ids returns
// 404 and no data.
func TestTablesTenantIsolation(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(), e.tenant()
	tb := e.customerTable(b.Tenant.ID)
	rec, err := e.eng.Tables.CreateRecord(t.Context(), b.Tenant.ID, tb.ID, map[string]string{"手机号": "13800000001", "姓名": "李四-B"})
	if err != nil {
		t.Fatal(err)
	}
	fid := tb.Fields[0].ID
	api := []struct {
		method, path string
		body         any
	}{
		{"GET", fmt.Sprintf("/api/v1/tables/%d", tb.ID), nil},
		{"PATCH", fmt.Sprintf("/api/v1/tables/%d", tb.ID), map[string]any{"name": "x"}},
		{"DELETE", fmt.Sprintf("/api/v1/tables/%d", tb.ID), nil},
		{"POST", fmt.Sprintf("/api/v1/tables/%d/publish", tb.ID), nil},
		{"POST", fmt.Sprintf("/api/v1/tables/%d/fields", tb.ID), map[string]any{"name": "x", "type": 1}},
		{"PUT", fmt.Sprintf("/api/v1/tables/%d/fields/%d", tb.ID, fid), map[string]any{"name": "x", "type": 1}},
		{"DELETE", fmt.Sprintf("/api/v1/tables/%d/fields/%d", tb.ID, fid), nil},
		{"PUT", fmt.Sprintf("/api/v1/tables/%d/field-order", tb.ID), map[string]any{"fieldIds": []int64{fid}}},
		{"GET", fmt.Sprintf("/api/v1/tables/%d/records", tb.ID), nil},
		{"GET", fmt.Sprintf("/api/v1/tables/%d/records?index=13800000001", tb.ID), nil},
		{"POST", fmt.Sprintf("/api/v1/tables/%d/records", tb.ID), map[string]any{"values": map[string]string{"手机号": "1", "姓名": "x"}}},
		{"GET", fmt.Sprintf("/api/v1/tables/%d/records/%d", tb.ID, rec.ID), nil},
		{"PATCH", fmt.Sprintf("/api/v1/tables/%d/records/%d", tb.ID, rec.ID), map[string]any{"values": map[string]string{"姓名": "x"}}},
		{"DELETE", fmt.Sprintf("/api/v1/tables/%d/records/%d", tb.ID, rec.ID), nil},
		{"POST", fmt.Sprintf("/api/v1/tables/%d/records/%d/reveal", tb.ID, rec.ID), map[string]any{"fieldId": fid}},
	}
	for _, c := range api {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			resp, out := e.api(c.method, c.path, a.APIKey, c.body)
			if resp.StatusCode != http.StatusNotFound && !(strings.HasSuffix(c.path, "/reveal") && resp.StatusCode == http.StatusForbidden) {
				t.Fatalf("status %d, want 404; %s", resp.StatusCode, out["_body"])
			}
			if body := out["_body"].(string); strings.Contains(body, "李四-B") || strings.Contains(body, tb.Name) {
				t.Fatalf("leaks tenant B's data: %s", body)
			}
		})
	}
	// The UI routes too.
	br := e.browser()
	br.login(a.Admin.Username, a.Password)
	for _, p := range []string{fmt.Sprintf("/admin/tables/%d", tb.ID), fmt.Sprintf("/admin/data/%d", tb.ID), fmt.Sprintf("/admin/data/%d/records/%d", tb.ID, rec.ID)} {
		if resp, body := br.get(p); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "李四-B") {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	// Nothing of B changed.
	if _, r, err := e.eng.Tables.GetRecord(t.Context(), b.Tenant.ID, tb.ID, rec.ID); err != nil || r.Values[tb.FieldByName("姓名").ID] != "李四-B" {
		t.Fatalf("tenant B's record changed: %v", err)
	}
}

func TestRecordFormsAndAPI(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	base := fmt.Sprintf("/admin/data/%d", tb.ID)
	b.get(base + "/new")

	resp, body := b.post(base+"/records", url.Values{"v.手机号": {"139 0000 1111"}, "v.等级": {"9"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "此项为必填") || !strings.Contains(body, "请选择以下之一") {
		t.Fatalf("invalid record: status %d", resp.StatusCode)
	}
	if !strings.Contains(body, `value="139 0000 1111"`) {
		t.Error("typed phone lost after a failed submit")
	}
	resp, _ = b.post(base+"/records", url.Values{"v.手机号": {"139 0000 1111"}, "v.姓名": {"王五"}, "v.证件号": {"ID-99887766"}, "v.等级": {"2"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create record: %d", resp.StatusCode)
	}
	recPath := strings.Split(resp.Header.Get("Location"), "?")[0]
	// Editing the name with the masked ID left empty keeps the ID.
	b.get(recPath)
	if resp, _ := b.post(recPath, url.Values{"v.手机号": {""}, "v.姓名": {"王五五"}, "v.证件号": {""}, "v.等级": {"2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	v, err := e.eng.Tables.FindView(t.Context(), f.Tenant.ID, tb.ID, "13900001111", true)
	if err != nil || v == nil {
		t.Fatalf("find: %v %v", v, err)
	}
	if v.Field("姓名").Value != "王五五" || v.Field("证件号").Value != "ID-99887766" {
		t.Fatalf("after edit: %+v", v.Fields)
	}
	// Duplicate index through the API is a conflict naming the field.
	resp, out := e.api("POST", fmt.Sprintf("/api/v1/tables/%d/records", tb.ID), f.APIKey, map[string]any{"values": map[string]string{"手机号": "+86 139-0000-1111", "姓名": "x"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(out["_body"].(string), "body.手机号") {
		t.Fatalf("duplicate: %d %s", resp.StatusCode, out["_body"])
	}
}
