package web

import (
	"context"

	"github.com/screenpop/screenpop/engine/calls"
)

// CallEventInput is a call event from the telephony side.
type CallEventInput struct {
	Body calls.EventInput
}

// CallEventOutput is the stored event.
type CallEventOutput struct{ Body *calls.Event }

// CallIDPath is a call id in the path.
type CallIDPath struct {
	CallID string `path:"callid" maxLength:"256"`
}

// VerifyBodyInput is a verification result for a call.
type VerifyBodyInput struct {
	CallIDPath
	Body calls.VerifyInput
}

// VerifyOutput is the stored result.
type VerifyOutput struct{ Body *calls.VerifyResult }

// VerifyListOutput lists a call's results.
type VerifyListOutput struct {
	Body struct {
		Items []calls.VerifyResult `json:"items"`
	}
}

func (s *Server) apiPostCallEvent(ctx context.Context, c caller, in *CallEventInput) (*CallEventOutput, error) {
	e, err := s.eng.Calls.Record(ctx, c.TenantID(), in.Body, "api")
	if err != nil {
		return nil, err
	}
	return &CallEventOutput{Body: e}, nil
}

func (s *Server) apiPostVerifyResult(ctx context.Context, c caller, in *VerifyBodyInput) (*VerifyOutput, error) {
	r, err := s.eng.Calls.Verify(ctx, c.TenantID(), in.CallID, in.Body)
	if err != nil {
		return nil, err
	}
	return &VerifyOutput{Body: r}, nil
}

func (s *Server) apiListVerifyResults(ctx context.Context, c caller, in *CallIDPath) (*VerifyListOutput, error) {
	rs, err := s.eng.Calls.VerifyResults(ctx, c.TenantID(), in.CallID)
	if err != nil {
		return nil, err
	}
	out := &VerifyListOutput{}
	out.Body.Items = rs
	if rs == nil {
		out.Body.Items = []calls.VerifyResult{}
	}
	return out, nil
}
