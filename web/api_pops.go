package web

import (
	"context"

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

func (s *Server) apiListPops(ctx context.Context, c caller, in *ListPopsInput) (*PopsOutput, error) {
	cs, err := s.eng.Pops.ListConfigs(ctx, c.TenantID(), in.MediaType)
	if err != nil {
		return nil, err
	}
	out := &PopsOutput{}
	out.Body.Items = cs
	if cs == nil {
		out.Body.Items = []pops.Config{}
	}
	return out, nil
}

func (s *Server) apiCreatePop(ctx context.Context, c caller, in *PopInput) (*PopOutput, error) {
	cfg, err := s.eng.Pops.CreateConfig(ctx, c.TenantID(), in.Body)
	if err != nil {
		return nil, err
	}
	return &PopOutput{Body: cfg}, nil
}

func (s *Server) apiGetPop(ctx context.Context, c caller, in *PopIDPath) (*PopOutput, error) {
	cfg, err := s.eng.Pops.GetConfig(ctx, c.TenantID(), in.PopID)
	if err != nil {
		return nil, err
	}
	return &PopOutput{Body: cfg}, nil
}

func (s *Server) apiUpdatePop(ctx context.Context, c caller, in *UpdatePopInput) (*PopOutput, error) {
	cfg, err := s.eng.Pops.UpdateConfig(ctx, c.TenantID(), in.PopID, in.Body)
	if err != nil {
		return nil, err
	}
	return &PopOutput{Body: cfg}, nil
}

func (s *Server) apiDeletePop(ctx context.Context, c caller, in *PopIDPath) (*Empty, error) {
	if err := s.eng.Pops.DeleteConfig(ctx, c.TenantID(), in.PopID); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// apiMovePop answers with the pop's whole tab in its new order.
func (s *Server) apiMovePop(ctx context.Context, c caller, in *MovePopInput) (*PopsOutput, error) {
	delta := map[string]int{"up": -1, "down": 1}[in.Body.Direction]
	if delta == 0 {
		return nil, apperr.Field("direction", "pop.move")
	}
	if err := s.eng.Pops.Move(ctx, c.TenantID(), in.PopID, delta); err != nil {
		return nil, err
	}
	cfg, err := s.eng.Pops.GetConfig(ctx, c.TenantID(), in.PopID)
	if err != nil {
		return nil, err
	}
	cs, err := s.eng.Pops.ListConfigs(ctx, c.TenantID(), cfg.MediaType)
	if err != nil {
		return nil, err
	}
	out := &PopsOutput{}
	out.Body.Items = cs
	return out, nil
}

func (s *Server) apiGetPopSettings(ctx context.Context, c caller, _ *struct{}) (*PopSettingsOutput, error) {
	ps, err := s.eng.Pops.Settings(ctx, c.TenantID())
	if err != nil {
		return nil, err
	}
	return &PopSettingsOutput{Body: ps}, nil
}

func (s *Server) apiSetPopSettings(ctx context.Context, c caller, in *PopSettingsInput) (*PopSettingsOutput, error) {
	ps, err := s.eng.Pops.SaveSettings(ctx, c.TenantID(), in.Body)
	if err != nil {
		return nil, err
	}
	return &PopSettingsOutput{Body: ps}, nil
}
