package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

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

func (s *Server) registerOperatorAPI(api huma.API) {
	tags := []string{"Operator"}
	register(api, http.MethodGet, "/tenants", "list-tenants", "List tenants", tags,
		func(ctx context.Context, _ *struct{}) (*TenantsOutput, error) {
			op, err := s.require(ctx, "list-tenants", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			ts, err := s.eng.Accounts.ListTenants(ctx)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &TenantsOutput{}
			out.Body.Items = ts
			return out, nil
		})
	register(api, http.MethodPost, "/tenants", "create-tenant", "Create a tenant", tags,
		func(ctx context.Context, in *CreateTenantInput) (*TenantOutput, error) {
			op, err := s.require(ctx, "create-tenant", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			t, err := s.eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: in.Body.Slug, Name: in.Body.Name})
			if err != nil {
				return nil, op.fail(err)
			}
			return &TenantOutput{Body: *t}, nil
		})
	register(api, http.MethodPatch, "/tenants/{id}", "update-tenant", "Disable or enable a tenant", tags,
		func(ctx context.Context, in *UpdateTenantInput) (*TenantOutput, error) {
			op, err := s.require(ctx, "update-tenant", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			if err := s.eng.Accounts.SetTenantDisabled(ctx, in.ID, in.Body.Disabled); err != nil {
				return nil, op.fail(err)
			}
			t, err := s.eng.Accounts.TenantByID(ctx, in.ID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &TenantOutput{Body: *t}, nil
		})

	register(api, http.MethodGet, "/system-params", "list-system-params", "List system parameters with ranges", tags,
		func(ctx context.Context, _ *struct{}) (*ParamsOutput, error) {
			op, err := s.require(ctx, "list-system-params", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			return s.paramsOutput(op)
		})
	register(api, http.MethodPut, "/system-params", "set-system-params", "Set system parameters", tags,
		func(ctx context.Context, in *SetParamsInput) (*ParamsOutput, error) {
			op, err := s.require(ctx, "set-system-params", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			values := make(map[settings.Param]string, len(in.Body))
			for k, v := range in.Body {
				values[settings.Param(k)] = strconv.Itoa(v)
			}
			if err := s.eng.Settings.SetParams(ctx, values); err != nil {
				return nil, op.fail(err)
			}
			return s.paramsOutput(op)
		})

	register(api, http.MethodGet, "/url-whitelist", "list-url-whitelist", "List the URL whitelist", tags,
		func(ctx context.Context, _ *struct{}) (*WhitelistOutput, error) {
			op, err := s.require(ctx, "list-url-whitelist", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			es, err := s.eng.Settings.Whitelist(ctx)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &WhitelistOutput{}
			out.Body.Items = es
			if es == nil {
				out.Body.Items = []settings.WhitelistEntry{}
			}
			return out, nil
		})
	register(api, http.MethodPost, "/url-whitelist", "add-url-whitelist", "Add a URL whitelist entry", tags,
		func(ctx context.Context, in *AddWhitelistInput) (*WhitelistEntryOutput, error) {
			op, err := s.require(ctx, "add-url-whitelist", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			e, err := s.eng.Settings.AddWhitelist(ctx, in.Body.Pattern, in.Body.Description)
			if err != nil {
				return nil, op.fail(err)
			}
			return &WhitelistEntryOutput{Body: *e}, nil
		})
	register(api, http.MethodDelete, "/url-whitelist/{id}", "remove-url-whitelist", "Remove a URL whitelist entry", tags,
		func(ctx context.Context, in *IDPath) (*Empty, error) {
			op, err := s.require(ctx, "remove-url-whitelist", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			if err := s.eng.Settings.RemoveWhitelist(ctx, in.ID); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})
}

func (s *Server) paramsOutput(op apiOp) (*ParamsOutput, error) {
	values, err := s.eng.Settings.Params(op.ctx)
	if err != nil {
		return nil, op.fail(err)
	}
	out := &ParamsOutput{}
	for _, spec := range settings.ParamSpecs {
		out.Body.Items = append(out.Body.Items, ParamValue{ParamSpec: spec, Value: values[spec.Name]})
	}
	return out, nil
}
