package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// fillKeyPages lists the tenant's published pages for the "bind to a page"
// choice of a new API key, and names the pages bound keys serve.
func (s *Server) fillKeyPages(ctx context.Context, tenantID int64, d *settingsData) error {
	ps, err := s.eng.Pages.ListPages(ctx, tenantID)
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(ps))
	for _, p := range ps {
		names[p.ID] = p.Name
		if p.PublishedVersion != nil {
			d.Pages = append(d.Pages, p)
		}
	}
	d.KeyPages = map[int64]string{}
	for _, k := range d.Keys {
		if k.PageID != nil {
			d.KeyPages[k.ID] = names[*k.PageID]
		}
	}
	return nil
}

// formPageID reads the optional page a new key is bound to.
func formPageID(c *fiber.Ctx) *int64 {
	raw := strings.TrimSpace(c.FormValue("pageId"))
	if raw == "" || raw == "0" {
		return nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		id = -1 // reported as "page not found" by the accounts service
	}
	return &id
}
