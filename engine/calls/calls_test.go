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
