package calls_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
	"github.com/uptrace/bun"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

var seq int

func tenant(t *testing.T) int64 {
	t.Helper()
	seq++
	tn, err := accounts.New(testkit.DB(t)).CreateTenant(context.Background(), accounts.NewTenant{
		Slug: fmt.Sprintf("calls-%d", seq), Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// newService is the calls service with a real tenant keyring.
func newService(t *testing.T, db bun.IDB) *calls.Service {
	t.Helper()
	kr, err := tables.NewKeyring(db, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return calls.New(db, kr)
}

func messages(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+": "+f.In(i18n.English))
	}
	return strings.Join(out, "; ")
}

// What each bad event gets.
func TestEventValidation(t *testing.T) {
	svc := newService(t, testkit.DB(t))
	tid := tenant(t)
	long := strings.Repeat("9", 257)
	tests := []struct {
		name string
		in   calls.EventInput
		want string
	}{
		{"unknown event", calls.EventInput{Event: "Hangup", WorkNo: "1001"}, "event: Choose Ringing, Talking, Release or Switch."},
		{"outbound is not for the API", calls.EventInput{Event: "Outbound", WorkNo: "1001"}, "event: Choose Ringing"},
		{"no agent", calls.EventInput{Event: "Ringing"}, "workNo: Use 1–32 letters"},
		{"unknown parameter", calls.EventInput{Event: "Ringing", WorkNo: "1001", CallData: map[string]string{"phone": "1"}}, `callData.phone: Unknown call-data parameter "phone".`},
		{"value too long", calls.EventInput{Event: "Ringing", WorkNo: "1001", CallData: map[string]string{"callerNum": long}}, "callData.callerNum: At most 256 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Record(context.Background(), tid, tt.in, "api")
			if got := messages(err); !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	// The work number may come inside the call data, as Huawei sends it.
	e, err := svc.Record(context.Background(), tid, calls.EventInput{Event: "Ringing",
		CallData: map[string]string{"workNo": "1001", "callerNum": "13800138000", "callid": "c1", "mediaType": "5"}}, "api")
	if err != nil || e.WorkNo != "1001" || e.Tab() != "multimedia" {
		t.Fatalf("event %+v, %v", e, err)
	}
	// A middleware passing on a platform's query (seed 000: callNumber=+86…
	// sent unescaped) hands over "+86…" decoded as " 86…": the "+" is read back.
	e, err = svc.Record(context.Background(), tid, calls.EventInput{Event: "Ringing", WorkNo: "1001",
		CallData: map[string]string{"callerNum": " 8613800138000", "calledNum": " 86 152-0000-1028"}}, "api")
	if err != nil || e.CallData["callerNum"] != "+8613800138000" || e.CallData["calledNum"] != "+86 152-0000-1028" {
		t.Fatalf("numbers %v, %v", e.CallData, err)
	}
}

func TestVerifyValidation(t *testing.T) {
	svc := newService(t, testkit.DB(t))
	tid := tenant(t)
	tests := []struct {
		callID string
		in     calls.VerifyInput
		want   string
	}{
		{"c1", calls.VerifyInput{VerifyTypeCode: "face check", VerifyResult: 1}, "verifyTypeCode: The verification type code may hold only letters, digits and underscores."},
		{"c1", calls.VerifyInput{VerifyTypeCode: "face", VerifyResult: 4}, "verifyResult: Must be a whole number from 0 to 3."},
		{"", calls.VerifyInput{VerifyTypeCode: "face", VerifyResult: 1}, "callid: This field is required."},
	}
	for _, tt := range tests {
		_, err := svc.Verify(context.Background(), tid, tt.callID, tt.in)
		if got := messages(err); !strings.Contains(got, tt.want) {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	if _, err := svc.Verify(context.Background(), tid, "c1", calls.VerifyInput{VerifyTypeCode: "face", VerifyResult: 2}); err != nil {
		t.Fatal(err)
	}
	// A second report for the same code replaces the first.
	if _, err := svc.Verify(context.Background(), tid, "c1", calls.VerifyInput{VerifyTypeCode: "face", VerifyResult: 1}); err != nil {
		t.Fatal(err)
	}
	rs, err := svc.VerifyResults(context.Background(), tid, "c1")
	if err != nil || len(rs) != 1 || rs[0].VerifyResult != 1 {
		t.Fatalf("results %+v %v", rs, err)
	}
}

// An event reaches the subscribers of its agent through NOTIFY, and only them.
func TestHubDeliversToTheAgent(t *testing.T) {
	db := testkit.DB(t)
	tid := tenant(t)
	hub := calls.NewHub(db.DB, slog.Default())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go hub.Run(ctx)
	<-hub.Ready()
	mineSub := hub.Subscribe(tid, "2001")
	defer mineSub.Close()
	otherSub := hub.Subscribe(tid, "2002")
	defer otherSub.Close()
	mine, other := mineSub.C, otherSub.C
	e, err := newService(t, db).Record(ctx, tid, calls.EventInput{Event: "Talking", WorkNo: "2001", CallData: map[string]string{"callid": "c9"}}, "api")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-mine:
		if n.ID != e.ID || n.Kind != "event" || n.CallID != "c9" {
			t.Fatalf("notice %+v", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notice within 5 s")
	}
	select {
	case n := <-other:
		t.Fatalf("another agent got %+v", n)
	case <-time.After(200 * time.Millisecond):
	}
}

// An event is accepted only once its commit has succeeded. PostgreSQL sends
// the inserted row before it commits (an autocommit statement commits at
// the end of the exchange); when the commit then fails — here a deferred
// check, in production a primary that dies while the commit waits for its
// synchronous standby — the row must not be taken as stored. Record used to
// read the first row and drop the rest of the exchange, so it reported an
// id that was never durable (events lost across a failover, issue 15).
func TestRecordFailsWhenItsCommitFails(t *testing.T) {
	ctx := context.Background()
	db := testkit.NewDB(t)
	svc := newService(t, db)
	tn, err := accounts.New(db).CreateTenant(ctx, accounts.NewTenant{Slug: "commit-fails", Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	tid := tn.ID
	for _, q := range []string{
		`CREATE FUNCTION test_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.work_no = 'commitfail' THEN RAISE EXCEPTION 'commit refused'; END IF;
			RETURN NULL;
		END $$`,
		`CREATE CONSTRAINT TRIGGER test_fail_commit AFTER INSERT ON call_events
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_commit()`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		workNo  string
		wantErr bool
	}{
		{"1001", false},
		{"commitfail", true},
	}
	for _, tt := range tests {
		t.Run(tt.workNo, func(t *testing.T) {
			e, err := svc.Record(ctx, tid, calls.EventInput{Event: calls.Ringing, WorkNo: tt.workNo,
				CallData: map[string]string{"callid": "c-" + tt.workNo}}, "api")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Record: %+v, %v; want error %v", e, err, tt.wantErr)
			}
			var stored int
			if err := db.NewSelect().Table("call_events").Where("tenant_id = ? AND work_no = ?", tid, tt.workNo).
				ColumnExpr("count(*)").Scan(ctx, &stored); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{false: 1, true: 0}[tt.wantErr]; stored != want {
				t.Fatalf("%d events stored, want %d", stored, want)
			}
		})
	}
}

// An agent's events are numbered in the order they commit. A stream catches
// up with "the agent's events after the last id it sent", so an event that
// took a lower id but committed after a higher one (two requests for one
// agent at once) would be skipped by every catch-up that ran in between —
// and a catch-up is exactly what runs when the notices were lost (listener
// reconnecting, queue full). Record takes the agent's turn before its id:
// the second event of an agent waits for the first to commit.
func TestAgentEventsNumberedInCommitOrder(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	kr, err := tables.NewKeyring(db, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc := calls.New(db, kr)
	tid := tenant(t)
	in := calls.EventInput{Event: calls.Ringing, WorkNo: "4001", CallData: map[string]string{"callid": "c-order"}}
	first, err := svc.Record(ctx, tid, in, "api") // stores the tenant's keys
	if err != nil {
		t.Fatal(err)
	}

	// The first request has its id but has not committed yet.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // committed below
	slow, err := calls.New(tx, kr).Record(ctx, tid, in, "api")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		e   *calls.Event
		err error
	}
	second := make(chan result, 1)
	go func() {
		e, err := svc.Record(ctx, tid, in, "api")
		second <- result{e, err}
	}()
	// Another agent's event does not wait.
	other := in
	other.WorkNo = "4002"
	if _, err := svc.Record(ctx, tid, other, "api"); err != nil {
		t.Fatal(err)
	}
	var committedFirst *calls.Event
	select {
	case r := <-second:
		if r.err != nil {
			t.Fatal(r.err)
		}
		committedFirst = r.e
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if committedFirst != nil {
		t.Fatalf("event %d committed while event %d of the same agent was still open", committedFirst.ID, slow.ID)
	}
	r := <-second
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.e.ID < slow.ID {
		t.Fatalf("event committed second has id %d, below %d", r.e.ID, slow.ID)
	}
	es, err := svc.EventsAfter(ctx, tid, "4001", first.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].ID != slow.ID || es[1].ID != r.e.ID {
		t.Fatalf("events after %d: %+v", first.ID, es)
	}
}
