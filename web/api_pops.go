package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/apperr"
)

// PopIDPath is a pop configuration id in the path.
type PopIDPath struct {
	PopID int64 `path:"popId" minimum:"1"`
}

// ListPopsInput filters by media type.
type ListPopsInput struct {
	MediaType string `query:"mediaType" enum:"audio,multimedia," doc:"Only this tab; empty for both"`
}

// PopsOutput lists pop configurations in order.
type PopsOutput struct {
	Body struct {
		Items []pops.Config `json:"items"`
	}
}

// PopOutput is one pop configuration.
type PopOutput struct{ Body *pops.Config }

// PopInput creates a pop configuration.
type PopInput struct {
	Body pops.ConfigInput
}

// UpdatePopInput replaces a pop configuration.
type UpdatePopInput struct {
	PopIDPath
	Body pops.ConfigInput
}

// MovePopInput moves a pop up or down its tab.
type MovePopInput struct {
	PopIDPath
	Body struct {
		Direction string `json:"direction" enum:"up,down"`
	}
}

// PopSettingsOutput is the tenant's platform settings.
type PopSettingsOutput struct{ Body *pops.PlatformSettings }

// PopSettingsInput changes them.
type PopSettingsInput struct {
	Body pops.SettingsInput
}

func (s *Server) registerPopsAPI(api huma.API) {
	tags := []string{"Pops"}
	admin := func(ctx context.Context, name string) (apiOp, error) { return s.require(ctx, name, accounts.RoleAdmin) }
	register(api, http.MethodGet, "/pops", "list-pops", "List pop pages in the order they pop", tags,
		func(ctx context.Context, in *ListPopsInput) (*PopsOutput, error) {
			op, err := admin(ctx, "list-pops")
			if err != nil {
				return nil, err
			}
			cs, err := s.eng.Pops.ListConfigs(ctx, op.p.TenantID(), in.MediaType)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &PopsOutput{}
			out.Body.Items = cs
			if cs == nil {
				out.Body.Items = []pops.Config{}
			}
			return out, nil
		})
	register(api, http.MethodPost, "/pops", "create-pop", "Add a pop page at the end of its media tab", tags,
		func(ctx context.Context, in *PopInput) (*PopOutput, error) {
			op, err := admin(ctx, "create-pop")
			if err != nil {
				return nil, err
			}
			c, err := s.eng.Pops.CreateConfig(ctx, op.p.TenantID(), in.Body)
			if err != nil {
				return nil, op.fail(err)
			}
			return &PopOutput{Body: c}, nil
		})
	register(api, http.MethodGet, "/pops/{popId}", "get-pop", "Get a pop page", tags,
		func(ctx context.Context, in *PopIDPath) (*PopOutput, error) {
			op, err := admin(ctx, "get-pop")
			if err != nil {
				return nil, err
			}
			c, err := s.eng.Pops.GetConfig(ctx, op.p.TenantID(), in.PopID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &PopOutput{Body: c}, nil
		})
	register(api, http.MethodPut, "/pops/{popId}", "update-pop", "Change a pop page", tags,
		func(ctx context.Context, in *UpdatePopInput) (*PopOutput, error) {
			op, err := admin(ctx, "update-pop")
			if err != nil {
				return nil, err
			}
			c, err := s.eng.Pops.UpdateConfig(ctx, op.p.TenantID(), in.PopID, in.Body)
			if err != nil {
				return nil, op.fail(err)
			}
			return &PopOutput{Body: c}, nil
		})
	register(api, http.MethodDelete, "/pops/{popId}", "delete-pop", "Delete a pop page", tags,
		func(ctx context.Context, in *PopIDPath) (*Empty, error) {
			op, err := admin(ctx, "delete-pop")
			if err != nil {
				return nil, err
			}
			if err := s.eng.Pops.DeleteConfig(ctx, op.p.TenantID(), in.PopID); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})
	register(api, http.MethodPost, "/pops/{popId}/move", "move-pop", "Move a pop page up or down (the top one pops first)", tags,
		func(ctx context.Context, in *MovePopInput) (*PopsOutput, error) {
			op, err := admin(ctx, "move-pop")
			if err != nil {
				return nil, err
			}
			delta := map[string]int{"up": -1, "down": 1}[in.Body.Direction]
			if delta == 0 {
				return nil, op.fail(apperr.Field("direction", "pop.move"))
			}
			if err := s.eng.Pops.Move(ctx, op.p.TenantID(), in.PopID, delta); err != nil {
				return nil, op.fail(err)
			}
			c, err := s.eng.Pops.GetConfig(ctx, op.p.TenantID(), in.PopID)
			if err != nil {
				return nil, op.fail(err)
			}
			cs, err := s.eng.Pops.ListConfigs(ctx, op.p.TenantID(), c.MediaType)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &PopsOutput{}
			out.Body.Items = cs
			return out, nil
		})
	register(api, http.MethodGet, "/pop-settings", "get-pop-settings", "Platform origins, trusted addresses and Sobot credentials", tags,
		func(ctx context.Context, _ *struct{}) (*PopSettingsOutput, error) {
			op, err := admin(ctx, "get-pop-settings")
			if err != nil {
				return nil, err
			}
			ps, err := s.eng.Pops.Settings(ctx, op.p.TenantID())
			if err != nil {
				return nil, op.fail(err)
			}
			return &PopSettingsOutput{Body: ps}, nil
		})
	register(api, http.MethodPut, "/pop-settings", "set-pop-settings", "Change the platform settings", tags,
		func(ctx context.Context, in *PopSettingsInput) (*PopSettingsOutput, error) {
			op, err := admin(ctx, "set-pop-settings")
			if err != nil {
				return nil, err
			}
			ps, err := s.eng.Pops.SaveSettings(ctx, op.p.TenantID(), in.Body)
			if err != nil {
				return nil, op.fail(err)
			}
			return &PopSettingsOutput{Body: ps}, nil
		})
}
