package web

import (
	"context"
	"strconv"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/settings"
)

// TenantsOutput lists tenants.
type TenantsOutput struct {
	Body struct {
		Items []accounts.Tenant `json:"items"`
	}
}

// TenantOutput is one tenant.
type TenantOutput struct{ Body accounts.Tenant }

// CreateTenantInput creates a tenant.
type CreateTenantInput struct {
	Body struct {
		Slug string `json:"slug" doc:"Code used in URLs: 2-63 lowercase letters, digits, hyphens"`
		Name string `json:"name" maxLength:"128"`
	}
}

// UpdateTenantInput disables or enables a tenant.
type UpdateTenantInput struct {
	IDPath
	Body struct {
		Disabled bool `json:"disabled"`
	}
}

// ParamValue is a system parameter with its value and range.
type ParamValue struct {
	settings.ParamSpec
	Value int `json:"value"`
}

// ParamsOutput lists the system parameters.
type ParamsOutput struct {
	Body struct {
		Items []ParamValue `json:"items"`
	}
}

// SetParamsInput sets some parameters; all are checked before any is saved.
type SetParamsInput struct {
	Body map[string]int `doc:"Parameter name to value, e.g. {\"pop_pages_per_media\": 6}"`
}

// WhitelistOutput lists the URL whitelist.
type WhitelistOutput struct {
	Body struct {
		Items []settings.WhitelistEntry `json:"items"`
	}
}

// WhitelistEntryOutput is one entry.
type WhitelistEntryOutput struct{ Body settings.WhitelistEntry }

// AddWhitelistInput adds a pattern.
type AddWhitelistInput struct {
	Body struct {
		Pattern     string `json:"pattern" doc:"https URL prefix; the host may start with *. for sub-domains"`
		Description string `json:"description,omitempty" maxLength:"256"`
	}
}

func (s *Server) apiListTenants(ctx context.Context, _ caller, _ *struct{}) (*TenantsOutput, error) {
	ts, err := s.eng.Accounts.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	out := &TenantsOutput{}
	out.Body.Items = ts
	return out, nil
}

func (s *Server) apiCreateTenant(ctx context.Context, _ caller, in *CreateTenantInput) (*TenantOutput, error) {
	t, err := s.eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: in.Body.Slug, Name: in.Body.Name})
	if err != nil {
		return nil, err
	}
	return &TenantOutput{Body: *t}, nil
}

func (s *Server) apiUpdateTenant(ctx context.Context, _ caller, in *UpdateTenantInput) (*TenantOutput, error) {
	if err := s.eng.Accounts.SetTenantDisabled(ctx, in.ID, in.Body.Disabled); err != nil {
		return nil, err
	}
	t, err := s.eng.Accounts.TenantByID(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &TenantOutput{Body: *t}, nil
}

func (s *Server) apiListSystemParams(ctx context.Context, _ caller, _ *struct{}) (*ParamsOutput, error) {
	return s.paramsOutput(ctx)
}

func (s *Server) apiSetSystemParams(ctx context.Context, _ caller, in *SetParamsInput) (*ParamsOutput, error) {
	values := make(map[settings.Param]string, len(in.Body))
	for k, v := range in.Body {
		values[settings.Param(k)] = strconv.Itoa(v)
	}
	if err := s.eng.Settings.SetParams(ctx, values); err != nil {
		return nil, err
	}
	return s.paramsOutput(ctx)
}

func (s *Server) apiListURLWhitelist(ctx context.Context, _ caller, _ *struct{}) (*WhitelistOutput, error) {
	es, err := s.eng.Settings.Whitelist(ctx)
	if err != nil {
		return nil, err
	}
	out := &WhitelistOutput{}
	out.Body.Items = es
	if es == nil {
		out.Body.Items = []settings.WhitelistEntry{}
	}
	return out, nil
}

func (s *Server) apiAddURLWhitelist(ctx context.Context, _ caller, in *AddWhitelistInput) (*WhitelistEntryOutput, error) {
	e, err := s.eng.Settings.AddWhitelist(ctx, in.Body.Pattern, in.Body.Description)
	if err != nil {
		return nil, err
	}
	return &WhitelistEntryOutput{Body: *e}, nil
}

func (s *Server) apiRemoveURLWhitelist(ctx context.Context, _ caller, in *IDPath) (*Empty, error) {
	if err := s.eng.Settings.RemoveWhitelist(ctx, in.ID); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Server) paramsOutput(ctx context.Context) (*ParamsOutput, error) {
	values, err := s.eng.Settings.Params(ctx)
	if err != nil {
		return nil, err
	}
	out := &ParamsOutput{}
	for _, spec := range settings.ParamSpecs {
		out.Body.Items = append(out.Body.Items, ParamValue{ParamSpec: spec, Value: values[spec.Name]})
	}
	return out, nil
}
