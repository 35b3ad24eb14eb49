package accounts

import (
	"context"
	"database/sql"
	"errors"

	"github.com/screenpop/screenpop/internal/apperr"
)

// checkKeyPage makes sure a key is bound to a published page of its own
// tenant. (The database also ties page_id to the tenant's pages, and
// deletes the key with the page.)
func (s *Service) checkKeyPage(ctx context.Context, tenantID, pageID int64) error {
	var published *int
	err := s.db.NewSelect().Table("pages").Column("published_version").
		Where("id = ? AND tenant_id = ?", pageID, tenantID).Scan(ctx, &published)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return apperr.Field("pageId", "apikey.page_not_found")
	case err != nil:
		return err
	case published == nil:
		return apperr.Field("pageId", "apikey.page_unpublished")
	}
	return nil
}
