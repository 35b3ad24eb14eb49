package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

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

func (s *Server) registerPagesAPI(api huma.API) {
	tags := []string{"Pages"}
	admin := func(ctx context.Context, name string) (apiOp, error) { return s.require(ctx, name, accounts.RoleAdmin) }
	register(api, http.MethodGet, "/pages", "list-pages", "List custom pages", tags,
		func(ctx context.Context, _ *struct{}) (*PagesOutput, error) {
			op, err := admin(ctx, "list-pages")
			if err != nil {
				return nil, err
			}
			ps, err := s.eng.Pages.ListPages(ctx, op.p.TenantID())
			if err != nil {
				return nil, op.fail(err)
			}
			out := &PagesOutput{}
			out.Body.Items = ps
			if ps == nil {
				out.Body.Items = []pages.Page{}
			}
			return out, nil
		})
	register(api, http.MethodPost, "/pages", "create-page", "Create a page (draft)", tags,
		func(ctx context.Context, in *PageNameInput) (*PageOutput, error) {
			op, err := admin(ctx, "create-page")
			if err != nil {
				return nil, err
			}
			p, err := s.eng.Pages.CreatePage(ctx, op.p.TenantID(), in.Body.Name)
			if err != nil {
				return nil, op.fail(err)
			}
			return &PageOutput{Body: p}, nil
		})
	register(api, http.MethodGet, "/pages/{pageId}", "get-page", "Get a page with its draft", tags,
		func(ctx context.Context, in *PageIDPath) (*PageOutput, error) {
			op, err := admin(ctx, "get-page")
			if err != nil {
				return nil, err
			}
			p, err := s.eng.Pages.GetPage(ctx, op.p.TenantID(), in.PageID)
			if err != nil {
				return nil, op.fail(err)
			}
			return &PageOutput{Body: p}, nil
		})
	register(api, http.MethodPatch, "/pages/{pageId}", "rename-page", "Rename a page", tags,
		func(ctx context.Context, in *RenamePageInput) (*PageOutput, error) {
			op, err := admin(ctx, "rename-page")
			if err != nil {
				return nil, err
			}
			p, err := s.eng.Pages.RenamePage(ctx, op.p.TenantID(), in.PageID, in.Body.Name)
			if err != nil {
				return nil, op.fail(err)
			}
			return &PageOutput{Body: p}, nil
		})
	register(api, http.MethodDelete, "/pages/{pageId}", "delete-page", "Delete a page and its versions", tags,
		func(ctx context.Context, in *PageIDPath) (*Empty, error) {
			op, err := admin(ctx, "delete-page")
			if err != nil {
				return nil, err
			}
			if err := s.eng.Pages.DeletePage(ctx, op.p.TenantID(), in.PageID); err != nil {
				return nil, op.fail(err)
			}
			return &Empty{}, nil
		})
	register(api, http.MethodPut, "/pages/{pageId}/draft", "save-page-draft", "Save the draft (agents keep seeing the published version)", tags,
		func(ctx context.Context, in *SaveDraftInput) (*PageOutput, error) {
			op, err := admin(ctx, "save-page-draft")
			if err != nil {
				return nil, err
			}
			p, err := s.eng.Pages.SaveDraft(ctx, op.p.TenantID(), in.PageID, in.Body.Definition, in.Body.Revision)
			if err != nil {
				return nil, op.fail(err)
			}
			return &PageOutput{Body: p}, nil
		})
	register(api, http.MethodPost, "/pages/{pageId}/publish", "publish-page", "Publish the draft as a new version", tags,
		func(ctx context.Context, in *PublishInput) (*VersionOutput, error) {
			op, err := admin(ctx, "publish-page")
			if err != nil {
				return nil, err
			}
			v, err := s.eng.Pages.Publish(ctx, op.p.TenantID(), in.PageID, userIDOf(op.p), in.Body.Note)
			if err != nil {
				return nil, op.fail(err)
			}
			return &VersionOutput{Body: v}, nil
		})
	register(api, http.MethodGet, "/pages/{pageId}/versions", "list-page-versions", "List published versions", tags,
		func(ctx context.Context, in *PageIDPath) (*VersionsOutput, error) {
			op, err := admin(ctx, "list-page-versions")
			if err != nil {
				return nil, err
			}
			vs, err := s.eng.Pages.Versions(ctx, op.p.TenantID(), in.PageID)
			if err != nil {
				return nil, op.fail(err)
			}
			out := &VersionsOutput{}
			out.Body.Items = vs
			if vs == nil {
				out.Body.Items = []pages.Version{}
			}
			return out, nil
		})
	register(api, http.MethodPost, "/pages/{pageId}/rollback", "rollback-page", "Publish an earlier version again", tags,
		func(ctx context.Context, in *RollbackInput) (*VersionOutput, error) {
			op, err := admin(ctx, "rollback-page")
			if err != nil {
				return nil, err
			}
			v, err := s.eng.Pages.Rollback(ctx, op.p.TenantID(), in.PageID, in.Body.Version, userIDOf(op.p))
			if err != nil {
				return nil, op.fail(err)
			}
			return &VersionOutput{Body: v}, nil
		})
	register(api, http.MethodGet, "/pages/{pageId}/render", "render-page", "Render a page for a customer number, as the render model (masked)", tags,
		func(ctx context.Context, in *RenderInput) (*RenderOutput, error) {
			op, err := admin(ctx, "render-page")
			if err != nil {
				return nil, err
			}
			m, err := s.renderForAdmin(ctx, op.p.TenantID(), in.PageID, in.Customer, in.Draft)
			if err != nil {
				return nil, op.fail(err)
			}
			return &RenderOutput{Body: m}, nil
		})
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
