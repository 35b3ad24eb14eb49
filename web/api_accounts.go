package web

import (
	"context"

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

func (s *Server) apiGetMe(_ context.Context, c caller, _ *struct{}) (*MeOutput, error) {
	out := &MeOutput{}
	out.Body.TenantID, out.Body.Role = c.TenantID(), c.Role()
	if c.User != nil {
		out.Body.Kind, out.Body.Username, out.Body.Permissions = "user", c.User.Username, c.User.Permissions
	} else {
		out.Body.Kind, out.Body.Permissions = "apiKey", c.APIKey.Scopes
	}
	return out, nil
}

func (s *Server) apiListUsers(ctx context.Context, c caller, _ *struct{}) (*UsersOutput, error) {
	us, err := s.eng.Accounts.ListUsers(ctx, c.TenantID())
	if err != nil {
		return nil, err
	}
	out := &UsersOutput{}
	out.Body.Items = make([]UserBody, 0, len(us))
	for i := range us {
		out.Body.Items = append(out.Body.Items, userBody(&us[i]))
	}
	return out, nil
}

func (s *Server) apiCreateUser(ctx context.Context, c caller, in *CreateUserInput) (*UserOutput, error) {
	tid := c.TenantID()
	u, err := s.eng.Accounts.CreateUser(ctx, accounts.NewUser{
		TenantID: &tid, Username: in.Body.Username, DisplayName: in.Body.DisplayName,
		Role: accounts.Role(in.Body.Role), Permissions: in.Body.Permissions, Password: in.Body.Password, WorkNo: in.Body.WorkNo,
	})
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userBody(u)}, nil
}

func (s *Server) apiGetUser(ctx context.Context, c caller, in *IDPath) (*UserOutput, error) {
	u, err := s.eng.Accounts.GetUser(ctx, c.TenantID(), in.ID)
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userBody(u)}, nil
}

func (s *Server) apiUpdateUser(ctx context.Context, c caller, in *UpdateUserInput) (*UserOutput, error) {
	u, err := s.eng.Accounts.UpdateUser(ctx, c.TenantID(), in.ID, accounts.UserUpdate{
		DisplayName: in.Body.DisplayName, Permissions: in.Body.Permissions, Disabled: in.Body.Disabled, WorkNo: in.Body.WorkNo,
	})
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userBody(u)}, nil
}

func (s *Server) apiListAPIKeys(ctx context.Context, c caller, _ *struct{}) (*APIKeysOutput, error) {
	ks, err := s.eng.Accounts.ListAPIKeys(ctx, c.TenantID())
	if err != nil {
		return nil, err
	}
	out := &APIKeysOutput{}
	out.Body.Items = ks
	if out.Body.Items == nil {
		out.Body.Items = []accounts.APIKey{}
	}
	return out, nil
}

func (s *Server) apiCreateAPIKey(ctx context.Context, c caller, in *CreateAPIKeyInput) (*CreateAPIKeyOutput, error) {
	secret, k, err := s.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{
		TenantID: c.TenantID(), Name: in.Body.Name, Scopes: in.Body.Scopes, CreatedBy: userIDOf(c.Principal), PageID: in.Body.PageID,
	})
	if err != nil {
		return nil, err
	}
	out := &CreateAPIKeyOutput{}
	out.Body.Key, out.Body.APIKey = secret, *k
	return out, nil
}

func (s *Server) apiRevokeAPIKey(ctx context.Context, c caller, in *IDPath) (*Empty, error) {
	if err := s.eng.Accounts.RevokeAPIKey(ctx, c.TenantID(), in.ID); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// CTIPasswordInput stores an agent's CTI password (seed 003 §二 login.cgi).
type CTIPasswordInput struct {
	IDPath
	Body struct {
		Password string `json:"password" maxLength:"128" doc:"The agent's CTI password, sent only to the CTI client's login.cgi when the agent signs in from the client; empty removes it"`
	}
}

// CTIPasswordOutput says whether a CTI password is stored; the password
// itself is never returned.
type CTIPasswordOutput struct {
	Body struct {
		Set bool `json:"set"`
	}
}

func (s *Server) apiSetCTIPassword(ctx context.Context, c caller, in *CTIPasswordInput) (*CTIPasswordOutput, error) {
	if err := s.eng.Pops.SetCTIPassword(ctx, c.TenantID(), in.ID, in.Body.Password); err != nil {
		return nil, err
	}
	out := &CTIPasswordOutput{}
	out.Body.Set = in.Body.Password != ""
	return out, nil
}
