package web

import (
	"context"
	"time"

	"github.com/screenpop/screenpop/engine/pops"
)

// PopLinkInput asks for a signed pop link.
type PopLinkInput struct {
	Body struct {
		PageID int64             `json:"pageId" minimum:"1" doc:"A published page of the tenant"`
		Params map[string]string `json:"params,omitempty" doc:"The call's parameters, in any platform's vocabulary (e.g. callerNum, callType; callNumber; number), at most 50" maxProperties:"50"`
		// Dialect names the platform whose vocabulary Params use, when it
		// cannot be told from the names.
		Dialect string `json:"dialect,omitempty" doc:"huawei_get, aliyun, tencent, cti, sobot, …; empty: detected from the parameter names"`
	}
}

// PopLinkOutput is the signed link.
type PopLinkOutput struct {
	Body struct {
		URL       string    `json:"url" doc:"The pop's address: open it (or frame it) within the validity, once"`
		ExpiresAt time.Time `json:"expiresAt" doc:"The link is refused after this time (300 s), and after its first use"`
	}
}

// apiCreatePopLink is POST /pop-links: for platforms or middleware that can
// call an HTTP API before opening the pop, a signed link (±300 s, single
// use) carries the call instead of a session or a trusted address.
func (s *Server) apiCreatePopLink(ctx context.Context, c caller, in *PopLinkInput) (*PopLinkOutput, error) {
	link, err := s.eng.PopRuntime.MakePopLink(ctx, c.TenantID(), pops.PopLinkInput{
		PageID: in.Body.PageID, Params: in.Body.Params, Dialect: in.Body.Dialect})
	if err != nil {
		return nil, err
	}
	out := &PopLinkOutput{}
	out.Body.URL = s.cfg.BaseURL + link.Path
	out.Body.ExpiresAt = link.ExpiresAt
	return out, nil
}
