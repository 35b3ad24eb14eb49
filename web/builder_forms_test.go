package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The versions table: the current version has no rollback button, the
// others ask first; a rollback says "published", keeps the sample and
// its note is in the reader's language. A draft with one bad rule is saved
// through the API with the problem located.
func TestBuilderVersionsAndDraftProblems(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Pages.Publish(t.Context(), f.Tenant.ID, page.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(f.Admin.Username, f.Password)
	path := fmt.Sprintf("/admin/pages/%d", page.ID)
	_, body := b.get(path)
	if n := strings.Count(body, `action="`+path+`/rollback"`); n != 1 {
		t.Fatalf("%d rollback forms, want 1 (v1 only, not the current v2)", n)
	}
	if !strings.Contains(body, `data-confirm="确定回滚到 v1 吗`) {
		t.Fatal("rollback does not ask first")
	}
	resp, _ := b.post(path+"/rollback", url.Values{"version": {"2"}})
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("rollback to the current version: %d", resp.StatusCode)
	}
	b.get(path)
	resp, _ = b.post(path+"/rollback", url.Values{"version": {"1"}, "sample": {"13912345678"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "flash=rolled_back") || !strings.Contains(loc, "sample=13912345678") {
		t.Fatalf("rollback: %d %s", resp.StatusCode, loc)
	}
	_, body = b.get(loc)
	for _, want := range []string{"已回滚并发布。", "回滚到 v1", `value="13912345678"`} {
		if !strings.Contains(body, want) {
			t.Errorf("after rollback the page lacks %q", want)
		}
	}
	if strings.Contains(body, "rollback to v") {
		t.Error("rollback note in English in the Chinese UI")
	}
	// A crafted sample is not echoed.
	if _, body = b.get(path + "?sample=%3Cscript%3E"); strings.Contains(body, "<script>") {
		t.Fatal("sample echoed unchecked")
	}

	p, err := e.eng.Pages.GetPage(t.Context(), f.Tenant.ID, page.ID)
	if err != nil {
		t.Fatal(err)
	}
	def := p.Draft
	def.Objects[0].Name = "新名字"
	def.Objects[0].Fields[1].Highlight = `客户等级 == "VIP" &&`
	resp, out := e.api("PUT", fmt.Sprintf("/api/v1/pages/%d/draft", page.ID), f.APIKey, map[string]any{"definition": def})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("draft with a bad rule: %d %s", resp.StatusCode, out["_body"])
	}
	probs, _ := out["draftProblems"].([]any)
	if len(probs) != 1 || probs[0].(map[string]any)["location"] != "body.objects[0].fields[1].highlight" {
		t.Fatalf("draft problems: %s", out["_body"])
	}
	if draft := out["draft"].(map[string]any); draft["objects"].([]any)[0].(map[string]any)["name"] != "新名字" {
		t.Fatalf("other edit not saved: %s", out["_body"])
	}
}
