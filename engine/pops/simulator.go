package pops

import (
	"context"
	"strings"

	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/pops/dialect"
)

// The call simulator: an admin sends the telephony side's events to an
// agent's workspace to test pops without a phone line.

// SimulatedCall is the simulator's form.
type SimulatedCall struct {
	Event     string
	WorkNo    string
	Caller    string // the customer's number
	Direction string // in | out
	Media     string // audio | multimedia
	Assoc     string // associated data, one key=value a line
	CallID    string
}

// simulatorHotline is the contact center's number in simulated calls.
const simulatorHotline = "4008001234"

// Input is the call event the form describes, exactly as the events API
// would receive it.
func (sc SimulatedCall) Input() calls.EventInput {
	caller := strings.TrimSpace(dialect.RestorePlus(sc.Caller))
	callType, callerNum, calledNum := "0", caller, simulatorHotline
	if sc.Direction == "out" {
		callType, callerNum, calledNum = "1", simulatorHotline, caller
	}
	media := "1"
	if sc.Media == MediaMultimedia {
		media = "5"
	}
	assoc := map[string]string{}
	for _, line := range strings.Split(sc.Assoc, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) != "" {
			assoc[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return calls.EventInput{Event: sc.Event, WorkNo: sc.WorkNo, AssocData: assoc, CallData: map[string]string{
		"callerNum": callerNum, "calledNum": calledNum, "callType": callType, "callid": strings.TrimSpace(sc.CallID), "mediaType": media,
	}}
}

// Simulate records the simulated event for the tenant, which reaches the
// agent's workspace like a real one.
func (r *Runtime) Simulate(ctx context.Context, tenantID int64, sc SimulatedCall) (*calls.Event, error) {
	return r.calls.Record(ctx, tenantID, sc.Input(), "simulator")
}
