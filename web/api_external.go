package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/screenpop/screenpop/engine/accounts"
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

func (s *Server) registerExternalAPI(api huma.API) {
	tags := []string{"External interfaces"}
	register(api, http.MethodGet, "/external-interfaces", "list-external-interfaces", "List external interfaces (operator)", tags,
		func(ctx context.Context, _ *struct{}) (*ExternalInterfacesOutput, error) {
			op, err := s.require(ctx, "list-external-interfaces", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			its, err := s.eng.External.List(ctx)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &ExternalInterfacesOutput{}
			out.Body.Items = its
			if its == nil {
				out.Body.Items = []*external.Interface{}
			}
			return out, nil
		})
	register(api, http.MethodPost, "/external-interfaces", "create-external-interface", "Register an external interface (operator)", tags,
		func(ctx context.Context, in *CreateExternalInterfaceInput) (*ExternalInterfaceOutput, error) {
			op, err := s.require(ctx, "create-external-interface", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			it, err := s.eng.External.Create(ctx, in.Body.input())
			if err != nil {
				return nil, op.fail(err)
			}
			return &ExternalInterfaceOutput{Body: it}, nil
		})
	register(api, http.MethodGet, "/external-interfaces/{id}", "get-external-interface", "Get an external interface (operator)", tags,
		func(ctx context.Context, in *IDPath) (*ExternalInterfaceOutput, error) {
			op, err := s.require(ctx, "get-external-interface", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			it, err := s.eng.External.Get(ctx, in.ID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &ExternalInterfaceOutput{Body: it}, nil
		})
	register(api, http.MethodPut, "/external-interfaces/{id}", "update-external-interface", "Change an external interface (operator)", tags,
		func(ctx context.Context, in *UpdateExternalInterfaceInput) (*ExternalInterfaceOutput, error) {
			op, err := s.require(ctx, "update-external-interface", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			it, err := s.eng.External.Update(ctx, in.ID, in.Body.input())
			if err != nil {
				return nil, op.fail(err)
			}
			return &ExternalInterfaceOutput{Body: it}, nil
		})
	register(api, http.MethodDelete, "/external-interfaces/{id}", "delete-external-interface", "Delete an external interface and its grants (operator)", tags,
		func(ctx context.Context, in *IDPath) (*Empty, error) {
			op, err := s.require(ctx, "delete-external-interface", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			if err := s.eng.External.Delete(ctx, in.ID); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})
	register(api, http.MethodPut, "/external-interfaces/{id}/grants", "set-external-interface-grants", "Set the tenants granted an interface (operator)", tags,
		func(ctx context.Context, in *SetGrantsInput) (*ExternalInterfaceOutput, error) {
			op, err := s.require(ctx, "set-external-interface-grants", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			if err := s.eng.External.SetGrants(ctx, in.ID, in.Body.TenantIDs); err != nil {
				return nil, op.fail(err)
			}
			it, err := s.eng.External.Get(ctx, in.ID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &ExternalInterfaceOutput{Body: it}, nil
		})
	huma.Register(api, huma.Operation{
		OperationID: "check-external-interface", Method: http.MethodPost, Path: "/external-interfaces/{id}/check",
		Summary: "Query an interface once and report its conformance to the queryCustomer contract (operator)", Tags: tags,
	}, func(ctx context.Context, in *CheckInterfaceInput) (*CheckOutput, error) {
		op, err := s.require(ctx, "check-external-interface", accounts.RoleOperator)
		if err != nil {
			return nil, err
		}
		r, err := s.runCheck(ctx, in.ID, in.Body.Param)
		if err != nil {
			return nil, op.fail(err)
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
	})

	register(api, http.MethodGet, "/external-allow-prefixes", "list-external-allow-prefixes", "List the private address ranges the connector may dial (operator)", tags,
		func(ctx context.Context, _ *struct{}) (*AllowPrefixesOutput, error) {
			op, err := s.require(ctx, "list-external-allow-prefixes", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			ps, err := s.eng.External.AllowList(ctx)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &AllowPrefixesOutput{}
			out.Body.Items = ps
			return out, nil
		})
	register(api, http.MethodPost, "/external-allow-prefixes", "add-external-allow-prefix", "Allow the connector to dial a private address range (operator)", tags,
		func(ctx context.Context, in *AddAllowPrefixInput) (*AllowPrefixOutput, error) {
			op, err := s.require(ctx, "add-external-allow-prefix", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			p, err := s.eng.External.AddAllow(ctx, in.Body.Prefix, in.Body.Description)
			if err != nil {
				return nil, op.fail(err)
			}
			return &AllowPrefixOutput{Body: p}, nil
		})
	register(api, http.MethodDelete, "/external-allow-prefixes", "remove-external-allow-prefix", "Remove an allowed address range (operator)", tags,
		func(ctx context.Context, in *RemoveAllowPrefixInput) (*Empty, error) {
			op, err := s.require(ctx, "remove-external-allow-prefix", accounts.RoleOperator)
			if err != nil {
				return nil, err
			}
			if err := s.eng.External.RemoveAllow(ctx, in.Prefix); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})

	register(api, http.MethodGet, "/granted-interfaces", "list-granted-interfaces", "List the external interfaces granted to your tenant, for external pages", []string{"Pages"},
		func(ctx context.Context, _ *struct{}) (*GrantedInterfacesOutput, error) {
			op, err := s.require(ctx, "list-granted-interfaces", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			gs, err := s.eng.External.ForTenant(ctx, op.p.TenantID())
			if err != nil {
				return nil, op.fail(err)
			}
			out := &GrantedInterfacesOutput{}
			out.Body.Items = gs
			return out, nil
		})
}
