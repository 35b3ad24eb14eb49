package calls_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/testkit"
)

// Call data is sealed at rest: the stored rows hold neither the customer
// numbers, nor the associated data, nor the verification returns, and
// reading them back gives the values. Purge deletes what is older than the
// retention.
func TestCallDataSealedAtRestAndPurged(t *testing.T) {
	db := testkit.DB(t)
	svc := newService(t, db)
	ctx := context.Background()
	tid := tenant(t)
	const number, assoc, code = "13999990001", "canary-assoc-4711", "canary-code-0815"
	ev, err := svc.Record(ctx, tid, calls.EventInput{Event: "Ringing", WorkNo: "7001",
		CallData: map[string]string{"callerNum": number, "calledNum": "4008001234", "callid": "seal-1"}, AssocData: map[string]string{"order": assoc}}, "api")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Verify(ctx, tid, "seal-1", calls.VerifyInput{VerifyTypeCode: "otp", VerifyResult: 1, VerifyReturn1: code}); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"call_events", "verify_results"} {
		var dump string
		if err := db.NewRaw("SELECT coalesce(string_agg(t::text, ' '), '') FROM "+table+" AS t WHERE tenant_id = ?", tid).Scan(ctx, &dump); err != nil {
			t.Fatal(err)
		}
		for _, canary := range []string{number, assoc, code} {
			if strings.Contains(dump, canary) {
				t.Errorf("%s holds %q in clear: %s", table, canary, dump)
			}
		}
	}
	got, err := svc.Event(ctx, tid, ev.ID)
	if err != nil || got.CallData["callerNum"] != number || got.AssocData["order"] != assoc {
		t.Fatalf("event read back: %+v %v", got, err)
	}
	if last, err := svc.LastCall(ctx, tid, "7001"); err != nil || last.CallData["callerNum"] != number {
		t.Fatalf("last call: %+v %v", last, err)
	}
	if es, err := svc.EventsAfter(ctx, tid, "7001", 0, 10); err != nil || len(es) != 1 || es[0].AssocData["order"] != assoc {
		t.Fatalf("events after: %+v %v", es, err)
	}
	rs, err := svc.VerifyResults(ctx, tid, "seal-1")
	if err != nil || len(rs) != 1 || rs[0].VerifyReturn1 != code {
		t.Fatalf("verify results: %+v %v", rs, err)
	}

	// Retention: a day's retention keeps today's rows; rows from last
	// month go.
	if _, err := db.NewRaw("UPDATE call_events SET at = now() - interval '31 days' WHERE tenant_id = ?", tid).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Purge(ctx, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Event(ctx, tid, ev.ID); err == nil {
		t.Error("an event past the retention is still there")
	}
	if rs, _ := svc.VerifyResults(ctx, tid, "seal-1"); len(rs) != 1 {
		t.Error("a verification within the retention was purged")
	}
}
