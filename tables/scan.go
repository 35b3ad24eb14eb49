package tables

import "context"

// ScanRecords returns up to limit records of a table whose ids follow
// afterID, in id order: a keyset page, so an export walks a table of any
// size in constant memory and without OFFSET's ever longer scans. Pass the
// last id of one page as afterID of the next; a short page is the last.
func (s *Service) ScanRecords(ctx context.Context, tenantID, tableID, afterID int64, limit int) (*Schema, []*Record, error) {
	if limit <= 0 {
		limit = defaultPage
	}
	sc, err := s.Schema(ctx, tenantID, tableID)
	if err != nil {
		return nil, nil, err
	}
	var rows []recordRow
	err = s.db.NewSelect().Model(&rows).Where("tenant_id = ? AND table_id = ? AND id > ?", tenantID, tableID, afterID).
		Order("id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Record, 0, len(rows))
	for i := range rows {
		r, err := s.decode(ctx, tenantID, &rows[i])
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return sc, out, nil
}
