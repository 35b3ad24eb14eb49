package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/screenpop/screenpop/engine/accounts"
)

// MeOutput describes the caller.
type MeOutput struct {
	Body struct {
		Kind        string        `json:"kind" enum:"user,apiKey" doc:"How the caller authenticated"`
		TenantID    int64         `json:"tenantId,omitempty"`
		Role        accounts.Role `json:"role"`
		Username    string        `json:"username,omitempty"`
		Permissions []string      `json:"permissions"`
	}
}

// UserBody is a user as the API shows it.
type UserBody struct {
	ID          int64         `json:"id"`
	Username    string        `json:"username"`
	DisplayName string        `json:"displayName"`
	Role        accounts.Role `json:"role" enum:"operator,admin,agent"`
	Permissions []string      `json:"permissions"`
	Disabled    bool          `json:"disabled"`
	WorkNo      string        `json:"workNo,omitempty" doc:"The agent's work number (工号) on the telephony side"`
}

func userBody(u *accounts.User) UserBody {
	b := UserBody{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Permissions: u.Permissions, Disabled: u.Disabled}
	if u.WorkNo != nil {
		b.WorkNo = *u.WorkNo
	}
	return b
}

// UserOutput wraps one user.
type UserOutput struct{ Body UserBody }

// UsersOutput lists users.
type UsersOutput struct {
	Body struct {
		Items []UserBody `json:"items"`
	}
}

// CreateUserInput creates a user in the caller's tenant.
type CreateUserInput struct {
	Body struct {
		Username    string   `json:"username" minLength:"2" maxLength:"64" doc:"Letters, digits, . _ @ -"`
		DisplayName string   `json:"displayName,omitempty" maxLength:"128"`
		Role        string   `json:"role" enum:"admin,agent"`
		Permissions []string `json:"permissions,omitempty" doc:"Extra rights, e.g. reveal"`
		Password    string   `json:"password" minLength:"8"`
		WorkNo      string   `json:"workNo,omitempty" doc:"Work number (工号) that call events name the agent by"`
	}
}

// UpdateUserInput changes a user of the caller's tenant.
type UpdateUserInput struct {
	IDPath
	Body struct {
		DisplayName *string  `json:"displayName,omitempty" maxLength:"128"`
		Permissions []string `json:"permissions,omitempty"`
		Disabled    *bool    `json:"disabled,omitempty"`
		WorkNo      *string  `json:"workNo,omitempty" doc:"Empty string clears it"`
	}
}

// APIKeysOutput lists keys.
type APIKeysOutput struct {
	Body struct {
		Items []accounts.APIKey `json:"items"`
	}
}

// CreateAPIKeyInput creates a key.
type CreateAPIKeyInput struct {
	Body struct {
		Name   string   `json:"name" minLength:"1" maxLength:"128"`
		Scopes []string `json:"scopes,omitempty" doc:"e.g. reveal: the key may see masked values in clear"`
		PageID *int64   `json:"pageId,omitempty" doc:"Bind the key to one published page: it then serves that page as POST /rest/v1/queryCustomer and can call nothing else"`
	}
}

// CreateAPIKeyOutput returns the secret once.
type CreateAPIKeyOutput struct {
	Body struct {
		Key    string          `json:"key" doc:"The secret. It is shown only in this response."`
		APIKey accounts.APIKey `json:"apiKey"`
	}
}

func (s *Server) registerAccountsAPI(api huma.API) {
	tags := []string{"Accounts"}
	register(api, http.MethodGet, "/me", "get-me", "Who am I", tags,
		func(ctx context.Context, _ *struct{}) (*MeOutput, error) {
			op, err := s.require(ctx, "get-me", accounts.RoleOperator, accounts.RoleAdmin, accounts.RoleAgent)
			if err != nil {
				return nil, err
			}
			out := &MeOutput{}
			out.Body.TenantID, out.Body.Role = op.p.TenantID(), op.p.Role()
			if op.p.User != nil {
				out.Body.Kind, out.Body.Username, out.Body.Permissions = "user", op.p.User.Username, op.p.User.Permissions
			} else {
				out.Body.Kind, out.Body.Permissions = "apiKey", op.p.APIKey.Scopes
			}
			return out, nil
		})

	register(api, http.MethodGet, "/users", "list-users", "List the tenant's users", tags,
		func(ctx context.Context, _ *struct{}) (*UsersOutput, error) {
			op, err := s.require(ctx, "list-users", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			us, err := s.eng.Accounts.ListUsers(ctx, op.p.TenantID())
			if err != nil {
				return nil, op.fail(err)
			}
			out := &UsersOutput{}
			out.Body.Items = make([]UserBody, 0, len(us))
			for i := range us {
				out.Body.Items = append(out.Body.Items, userBody(&us[i]))
			}
			return out, nil
		})

	register(api, http.MethodPost, "/users", "create-user", "Create a user in the tenant", tags,
		func(ctx context.Context, in *CreateUserInput) (*UserOutput, error) {
			op, err := s.require(ctx, "create-user", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			tid := op.p.TenantID()
			u, err := s.eng.Accounts.CreateUser(ctx, accounts.NewUser{
				TenantID: &tid, Username: in.Body.Username, DisplayName: in.Body.DisplayName,
				Role: accounts.Role(in.Body.Role), Permissions: in.Body.Permissions, Password: in.Body.Password, WorkNo: in.Body.WorkNo,
			})
			if err != nil {
				return nil, op.fail(err)
			}
			return &UserOutput{Body: userBody(u)}, nil
		})

	register(api, http.MethodGet, "/users/{id}", "get-user", "Get a user of the tenant", tags,
		func(ctx context.Context, in *IDPath) (*UserOutput, error) {
			op, err := s.require(ctx, "get-user", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			u, err := s.eng.Accounts.GetUser(ctx, op.p.TenantID(), in.ID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &UserOutput{Body: userBody(u)}, nil
		})

	register(api, http.MethodPatch, "/users/{id}", "update-user", "Change a user of the tenant", tags,
		func(ctx context.Context, in *UpdateUserInput) (*UserOutput, error) {
			op, err := s.require(ctx, "update-user", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			u, err := s.eng.Accounts.UpdateUser(ctx, op.p.TenantID(), in.ID, accounts.UserUpdate{
				DisplayName: in.Body.DisplayName, Permissions: in.Body.Permissions, Disabled: in.Body.Disabled, WorkNo: in.Body.WorkNo,
			})
			if err != nil {
				return nil, op.fail(err)
			}
			return &UserOutput{Body: userBody(u)}, nil
		})

	keyTags := []string{"API keys"}
	register(api, http.MethodGet, "/api-keys", "list-api-keys", "List the tenant's API keys", keyTags,
		func(ctx context.Context, _ *struct{}) (*APIKeysOutput, error) {
			op, err := s.require(ctx, "list-api-keys", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			ks, err := s.eng.Accounts.ListAPIKeys(ctx, op.p.TenantID())
			if err != nil {
				return nil, op.fail(err)
			}
			out := &APIKeysOutput{}
			out.Body.Items = ks
			if out.Body.Items == nil {
				out.Body.Items = []accounts.APIKey{}
			}
			return out, nil
		})

	register(api, http.MethodPost, "/api-keys", "create-api-key", "Create an API key (the secret is returned once)", keyTags,
		func(ctx context.Context, in *CreateAPIKeyInput) (*CreateAPIKeyOutput, error) {
			op, err := s.require(ctx, "create-api-key", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			var by *int64
			if op.p.User != nil {
				by = &op.p.User.ID
			}
			secret, k, err := s.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: op.p.TenantID(), Name: in.Body.Name, Scopes: in.Body.Scopes, CreatedBy: by, PageID: in.Body.PageID})
			if err != nil {
				return nil, op.fail(err)
			}
			out := &CreateAPIKeyOutput{}
			out.Body.Key, out.Body.APIKey = secret, *k
			return out, nil
		})

	register(api, http.MethodDelete, "/api-keys/{id}", "revoke-api-key", "Revoke an API key", keyTags,
		func(ctx context.Context, in *IDPath) (*Empty, error) {
			op, err := s.require(ctx, "revoke-api-key", accounts.RoleAdmin)
			if err != nil {
				return nil, err
			}
			if err := s.eng.Accounts.RevokeAPIKey(ctx, op.p.TenantID(), in.ID); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})
}
