package pages_test

import (
	"testing"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
)

// One rule that does not compile no longer holds back the other edits:
// the draft is saved with the rule as written and the problem named;
// publishing refuses it until it is fixed. Other faults still refuse the
// save.
func TestDraftSavesWithRuleProblems(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	tb := e.table(t, tenant, false, customerFields()...)
	p := e.page(t, tenant, def(pages.Object{Name: "客户", TableID: tb.ID, Fields: fields(tb, "手机", "等级")}))

	edited := def(pages.Object{Name: "客户资料", TableID: tb.ID, Fields: fields(tb, "手机", "等级")})
	edited.Objects[0].Fields[1].Highlight = `record.等级 == `
	edited.Objects[0].Fields[1].Label = "级别"
	got, err := e.pages.SaveDraft(ctx, tenant, p.ID, edited, 0)
	if err != nil {
		t.Fatalf("draft with a bad rule refused: %v", err)
	}
	if len(got.DraftProblems) != 1 || got.DraftProblems[0].Field != "objects[0].fields[1].highlight" {
		t.Fatalf("problems %+v", got.DraftProblems)
	}
	if got.Draft.Objects[0].Name != "客户资料" || got.Draft.Objects[0].Fields[1].Label != "级别" ||
		got.Draft.Objects[0].Fields[1].Highlight != `record.等级 == ` {
		t.Fatalf("other edits or the rule as written lost: %+v", got.Draft.Objects[0])
	}
	if _, err := e.pages.Publish(ctx, tenant, p.ID, nil, ""); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("publish with a bad rule: %v", err)
	}
	// A fault that is not a rule still refuses the save.
	bad := edited
	bad.Columns = 9
	if _, err := e.pages.SaveDraft(ctx, tenant, p.ID, bad, 0); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("bad columns saved: %v", err)
	}
}

// Rolling back to the version agents already see is refused.
func TestRollbackToCurrentRefused(t *testing.T) {
	e := newEnv(t)
	tenant := e.tenant(t)
	tb := e.table(t, tenant, false, customerFields()...)
	p := e.page(t, tenant, def(pages.Object{Name: "客户", TableID: tb.ID, Fields: fields(tb, "手机")}))
	for range 2 {
		if _, err := e.pages.Publish(ctx, tenant, p.ID, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.pages.Rollback(ctx, tenant, p.ID, 2, nil); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("rollback to the current version: %v", err)
	}
	if v, err := e.pages.Rollback(ctx, tenant, p.ID, 1, nil); err != nil || v.Version != 3 {
		t.Fatalf("rollback to v1: %v %v", v, err)
	}
}
