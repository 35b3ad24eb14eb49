package web

import (
	"context"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/pages"
)

// PageIDPath is a page id in the path.
type PageIDPath struct {
	PageID int64 `path:"pageId" minimum:"1"`
}

// PagesOutput lists pages.
type PagesOutput struct {
	Body struct {
		Items []pages.Page `json:"items"`
	}
}

// PageOutput is one page with its draft.
type PageOutput struct{ Body *pages.Page }

// PageNameInput creates a page.
type PageNameInput struct {
	Body struct {
		Name string `json:"name" maxLength:"256"`
	}
}

// RenamePageInput renames a page.
type RenamePageInput struct {
	PageIDPath
	PageNameInput
}

// SaveDraftInput replaces a page's draft.
type SaveDraftInput struct {
	PageIDPath
	Body struct {
		Definition pages.Definition `json:"definition"`
		Revision   int64            `json:"revision,omitempty" doc:"The draftRevision the edit started from; a newer save by someone else makes this one fail with 409"`
	}
}

// PublishInput publishes the draft.
type PublishInput struct {
	PageIDPath
	Body struct {
		Note string `json:"note,omitempty" maxLength:"256"`
	}
}

// VersionOutput is one published version.
type VersionOutput struct{ Body *pages.Version }

// VersionsOutput lists versions.
type VersionsOutput struct {
	Body struct {
		Items []pages.Version `json:"items"`
	}
}

// RollbackInput republishes an earlier version.
type RollbackInput struct {
	PageIDPath
	Body struct {
		Version int `json:"version" minimum:"1"`
	}
}

// RenderInput renders a page for a sample call, as JSON.
type RenderInput struct {
	PageIDPath
	Customer string `query:"customer" doc:"Customer number to look up"`
	Draft    bool   `query:"draft" doc:"Render the draft instead of the published version"`
}

// RenderOutput is the render model.
type RenderOutput struct{ Body *pages.Model }

func (s *Server) apiListPages(ctx context.Context, c caller, _ *struct{}) (*PagesOutput, error) {
	ps, err := s.eng.Pages.ListPages(ctx, c.TenantID())
	if err != nil {
		return nil, err
	}
	out := &PagesOutput{}
	out.Body.Items = ps
	if ps == nil {
		out.Body.Items = []pages.Page{}
	}
	return out, nil
}

func (s *Server) apiCreatePage(ctx context.Context, c caller, in *PageNameInput) (*PageOutput, error) {
	p, err := s.eng.Pages.CreatePage(ctx, c.TenantID(), in.Body.Name)
	if err != nil {
		return nil, err
	}
	return &PageOutput{Body: p}, nil
}

func (s *Server) apiGetPage(ctx context.Context, c caller, in *PageIDPath) (*PageOutput, error) {
	p, err := s.eng.Pages.GetPage(ctx, c.TenantID(), in.PageID)
	if err != nil {
		return nil, err
	}
	return &PageOutput{Body: p}, nil
}

func (s *Server) apiRenamePage(ctx context.Context, c caller, in *RenamePageInput) (*PageOutput, error) {
	p, err := s.eng.Pages.RenamePage(ctx, c.TenantID(), in.PageID, in.Body.Name)
	if err != nil {
		return nil, err
	}
	return &PageOutput{Body: p}, nil
}

func (s *Server) apiDeletePage(ctx context.Context, c caller, in *PageIDPath) (*Empty, error) {
	if err := s.eng.Pages.DeletePage(ctx, c.TenantID(), in.PageID); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// DraftOutput is the page after saving its draft, with the rules that do
// not compile (saved as written; publishing refuses them).
type DraftOutput struct {
	Body struct {
		*pages.Page
		DraftProblems []problemDetail `json:"draftProblems,omitempty" doc:"Rules that do not compile, by location (body.objects…)"`
	}
}

func (s *Server) apiSavePageDraft(ctx context.Context, c caller, in *SaveDraftInput) (*DraftOutput, error) {
	p, err := s.eng.Pages.SaveDraft(ctx, c.TenantID(), in.PageID, in.Body.Definition, in.Body.Revision)
	if err != nil {
		return nil, err
	}
	out := &DraftOutput{}
	out.Body.Page = p
	for _, f := range p.DraftProblems {
		out.Body.DraftProblems = append(out.Body.DraftProblems, problemDetail{Message: f.In(c.lang), Location: "body." + f.Field})
	}
	return out, nil
}

func (s *Server) apiPublishPage(ctx context.Context, c caller, in *PublishInput) (*VersionOutput, error) {
	v, err := s.eng.Pages.Publish(ctx, c.TenantID(), in.PageID, userIDOf(c.Principal), in.Body.Note)
	if err != nil {
		return nil, err
	}
	return &VersionOutput{Body: v}, nil
}

func (s *Server) apiListPageVersions(ctx context.Context, c caller, in *PageIDPath) (*VersionsOutput, error) {
	vs, err := s.eng.Pages.Versions(ctx, c.TenantID(), in.PageID)
	if err != nil {
		return nil, err
	}
	out := &VersionsOutput{}
	out.Body.Items = vs
	if vs == nil {
		out.Body.Items = []pages.Version{}
	}
	return out, nil
}

func (s *Server) apiRollbackPage(ctx context.Context, c caller, in *RollbackInput) (*VersionOutput, error) {
	v, err := s.eng.Pages.Rollback(ctx, c.TenantID(), in.PageID, in.Body.Version, userIDOf(c.Principal))
	if err != nil {
		return nil, err
	}
	return &VersionOutput{Body: v}, nil
}

func (s *Server) apiRenderPage(ctx context.Context, c caller, in *RenderInput) (*RenderOutput, error) {
	m, err := s.renderForAdmin(ctx, c.TenantID(), in.PageID, in.Customer, in.Draft)
	if err != nil {
		return nil, err
	}
	return &RenderOutput{Body: m}, nil
}

func userIDOf(p *accounts.Principal) *int64 {
	if p.User != nil {
		return &p.User.ID
	}
	return nil
}

// renderForAdmin renders a page's draft or published version for a sample
// customer number (placeholder data when empty), always masked.
func (s *Server) renderForAdmin(ctx context.Context, tenantID, pageID int64, customer string, draft bool) (*pages.Model, error) {
	call := pages.Call{CustomerNumber: customer, CallerNum: customer, Direction: "in"}
	opts := pages.RenderOptions{Placeholder: customer == ""}
	if !draft {
		return s.eng.Pages.RenderPublished(ctx, tenantID, pageID, call, opts)
	}
	p, err := s.eng.Pages.GetPage(ctx, tenantID, pageID)
	if err != nil {
		return nil, err
	}
	m, err := s.eng.Pages.Render(ctx, tenantID, &p.Draft, call, opts)
	if m != nil {
		m.PageID, m.PageName = p.ID, p.Name
	}
	return m, err
}
