package web

import (
	"context"

	"github.com/screenpop/screenpop/engine/external"
)

// ExternalInterfaceBody creates or changes an external interface.
type ExternalInterfaceBody struct {
	Name        string            `json:"name" maxLength:"128"`
	Description string            `json:"description,omitempty" maxLength:"512"`
	URL         string            `json:"url" maxLength:"2048" doc:"The endpoint, e.g. https://crm.example.com/rest/v1/queryCustomer; https unless allowHttp"`
	Headers     map[string]string `json:"headers,omitempty" doc:"Extra request headers (tokens), sealed at rest and never returned. On update, leaving headers out keeps them; a value of \"********\" keeps the stored value of that name."`
	TimeoutMS   int               `json:"timeoutMs,omitempty" doc:"Timeout in milliseconds, 100 to 10000; default 3000"`
	Retries     int               `json:"retries,omitempty" doc:"Repeats of a query whose connection failed (never of one the endpoint received), 0 to 2"`
	AllowHTTP   bool              `json:"allowHttp,omitempty" doc:"Allow a plain http:// URL for this interface"`
}

func (b ExternalInterfaceBody) input() external.Input {
	return external.Input{Name: b.Name, Description: b.Description, URL: b.URL, Headers: b.Headers,
		TimeoutMS: b.TimeoutMS, Retries: b.Retries, AllowHTTP: b.AllowHTTP}
}

// CreateExternalInterfaceInput registers an interface.
type CreateExternalInterfaceInput struct {
	Body ExternalInterfaceBody
}

// UpdateExternalInterfaceInput changes an interface.
type UpdateExternalInterfaceInput struct {
	IDPath
	Body ExternalInterfaceBody
}

// ExternalInterfaceOutput is one interface (header values never included).
type ExternalInterfaceOutput struct{ Body *external.Interface }

// ExternalInterfacesOutput lists interfaces.
type ExternalInterfacesOutput struct {
	Body struct {
		Items []*external.Interface `json:"items"`
	}
}

// SetGrantsInput sets the tenants granted an interface.
type SetGrantsInput struct {
	IDPath
	Body struct {
		TenantIDs []int64 `json:"tenantIds" doc:"Every tenant that may use the interface; others lose it"`
	}
}

// CheckInterfaceInput queries an interface once with a sample parameter.
type CheckInterfaceInput struct {
	IDPath
	Body struct {
		Param string `json:"param" maxLength:"256" doc:"The customer number to ask for"`
	}
}

// CheckViolation is one departure from the contract.
type CheckViolation struct {
	Path string `json:"path" doc:"JSON path of the member, e.g. $[0].values[2].type"`
	Rule string `json:"rule" doc:"What the contract says"`
	Got  string `json:"got" doc:"What the endpoint sent"`
}

// CheckOutput is a conformance report.
type CheckOutput struct {
	Body struct {
		Passed     bool             `json:"passed" doc:"The endpoint answered and broke no rule"`
		Status     int              `json:"status,omitempty" doc:"HTTP status of the reply, 0 without one"`
		DurationMS int64            `json:"durationMs"`
		Objects    int              `json:"objects" doc:"Objects that can be rendered"`
		Values     int              `json:"values" doc:"Values that can be rendered"`
		Violations []CheckViolation `json:"violations"`
		ErrorKind  string           `json:"errorKind,omitempty" doc:"timeout, connect, refused_address, too_large, not_json, http_status, redirect, bad_url"`
		Error      string           `json:"error,omitempty"`
		Report     string           `json:"report" doc:"The report as screenpop check-endpoint prints it"`
	}
}

// AllowPrefixesOutput lists the allow-list.
type AllowPrefixesOutput struct {
	Body struct {
		Items []external.AllowPrefix `json:"items"`
	}
}

// AddAllowPrefixInput adds a prefix.
type AddAllowPrefixInput struct {
	Body struct {
		Prefix      string `json:"prefix" doc:"A private range such as 10.20.0.0/16, or one address"`
		Description string `json:"description,omitempty" maxLength:"256"`
	}
}

// AllowPrefixOutput is one entry.
type AllowPrefixOutput struct{ Body *external.AllowPrefix }

// RemoveAllowPrefixInput removes a prefix.
type RemoveAllowPrefixInput struct {
	Prefix string `query:"prefix" doc:"The prefix as listed, e.g. 10.20.0.0/16"`
}

// GrantedInterfacesOutput lists the interfaces granted to the caller's tenant.
type GrantedInterfacesOutput struct {
	Body struct {
		Items []external.GrantedInterface `json:"items"`
	}
}

func (s *Server) apiListExternalInterfaces(ctx context.Context, _ caller, _ *struct{}) (*ExternalInterfacesOutput, error) {
	its, err := s.eng.External.List(ctx)
	if err != nil {
		return nil, err
	}
	out := &ExternalInterfacesOutput{}
	out.Body.Items = its
	if its == nil {
		out.Body.Items = []*external.Interface{}
	}
	return out, nil
}

func (s *Server) apiCreateExternalInterface(ctx context.Context, _ caller, in *CreateExternalInterfaceInput) (*ExternalInterfaceOutput, error) {
	it, err := s.eng.External.Create(ctx, in.Body.input())
	if err != nil {
		return nil, err
	}
	return &ExternalInterfaceOutput{Body: it}, nil
}

func (s *Server) apiGetExternalInterface(ctx context.Context, _ caller, in *IDPath) (*ExternalInterfaceOutput, error) {
	it, err := s.eng.External.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &ExternalInterfaceOutput{Body: it}, nil
}

func (s *Server) apiUpdateExternalInterface(ctx context.Context, _ caller, in *UpdateExternalInterfaceInput) (*ExternalInterfaceOutput, error) {
	it, err := s.eng.External.Update(ctx, in.ID, in.Body.input())
	if err != nil {
		return nil, err
	}
	return &ExternalInterfaceOutput{Body: it}, nil
}

func (s *Server) apiDeleteExternalInterface(ctx context.Context, _ caller, in *IDPath) (*Empty, error) {
	if err := s.eng.External.Delete(ctx, in.ID); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Server) apiSetExternalInterfaceGrants(ctx context.Context, c caller, in *SetGrantsInput) (*ExternalInterfaceOutput, error) {
	if err := s.eng.External.SetGrants(ctx, in.ID, in.Body.TenantIDs); err != nil {
		return nil, err
	}
	return s.apiGetExternalInterface(ctx, c, &in.IDPath)
}

// apiCheckExternalInterface reports the check as data: an endpoint that
// fails the check is a 200 with passed=false, not an error of this call.
func (s *Server) apiCheckExternalInterface(ctx context.Context, _ caller, in *CheckInterfaceInput) (*CheckOutput, error) {
	r, err := s.runCheck(ctx, in.ID, in.Body.Param)
	if err != nil {
		return nil, err
	}
	out := &CheckOutput{}
	out.Body.Passed, out.Body.Report = r.Passed, r.Report
	out.Body.Violations = []CheckViolation{}
	if r.Res != nil {
		out.Body.Status, out.Body.DurationMS = r.Res.Status, r.Res.Duration.Milliseconds()
		out.Body.Objects, out.Body.Values = len(r.Res.Reply.Objects), r.Res.Reply.ValueCount()
		for _, v := range r.Res.Reply.Violations {
			out.Body.Violations = append(out.Body.Violations, CheckViolation{Path: v.Path, Rule: v.Rule, Got: v.Got})
		}
	}
	if r.Err != nil {
		out.Body.ErrorKind, out.Body.Error = string(r.Err.Kind), r.Err.Message
	}
	return out, nil
}

func (s *Server) apiListExternalAllowPrefixes(ctx context.Context, _ caller, _ *struct{}) (*AllowPrefixesOutput, error) {
	ps, err := s.eng.External.AllowList(ctx)
	if err != nil {
		return nil, err
	}
	out := &AllowPrefixesOutput{}
	out.Body.Items = ps
	return out, nil
}

func (s *Server) apiAddExternalAllowPrefix(ctx context.Context, _ caller, in *AddAllowPrefixInput) (*AllowPrefixOutput, error) {
	p, err := s.eng.External.AddAllow(ctx, in.Body.Prefix, in.Body.Description)
	if err != nil {
		return nil, err
	}
	return &AllowPrefixOutput{Body: p}, nil
}

func (s *Server) apiRemoveExternalAllowPrefix(ctx context.Context, _ caller, in *RemoveAllowPrefixInput) (*Empty, error) {
	if err := s.eng.External.RemoveAllow(ctx, in.Prefix); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Server) apiListGrantedInterfaces(ctx context.Context, c caller, _ *struct{}) (*GrantedInterfacesOutput, error) {
	gs, err := s.eng.External.ForTenant(ctx, c.TenantID())
	if err != nil {
		return nil, err
	}
	out := &GrantedInterfacesOutput{}
	out.Body.Items = gs
	return out, nil
}
