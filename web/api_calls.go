package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/screenpop/screenpop/engine/accounts"
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

func (s *Server) registerCallsAPI(api huma.API) {
	tags := []string{"Calls"}
	register(api, http.MethodPost, "/calls/events", "post-call-event",
		"Report a call event for an agent; the agent's workspace pops at once, on any instance", tags,
		func(ctx context.Context, in *CallEventInput) (*CallEventOutput, error) {
			op, err := s.require(ctx, "post-call-event", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			e, err := s.eng.Calls.Record(ctx, op.p.TenantID(), in.Body, "api")
			if err != nil {
				return nil, op.fail(err)
			}
			return &CallEventOutput{Body: e}, nil
		})
	register(api, http.MethodPost, "/calls/{callid}/verify", "post-verify-result",
		"Report an identity-verification result; pages read it with getVerifyResult", tags,
		func(ctx context.Context, in *VerifyBodyInput) (*VerifyOutput, error) {
			op, err := s.require(ctx, "post-verify-result", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			r, err := s.eng.Calls.Verify(ctx, op.p.TenantID(), in.CallID, in.Body)
			if err != nil {
				return nil, op.fail(err)
			}
			return &VerifyOutput{Body: r}, nil
		})
	register(api, http.MethodGet, "/calls/{callid}/verify", "list-verify-results", "Read a call's verification results", tags,
		func(ctx context.Context, in *CallIDPath) (*VerifyListOutput, error) {
			op, err := s.require(ctx, "list-verify-results", accounts.RoleAdmin, accounts.RoleAgent)
			if err != nil {
				return nil, err
			}
			rs, err := s.eng.Calls.VerifyResults(ctx, op.p.TenantID(), in.CallID)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &VerifyListOutput{}
			out.Body.Items = rs
			if rs == nil {
				out.Body.Items = []calls.VerifyResult{}
			}
			return out, nil
		})
}
