package tables

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
)

// BackfillIndexSuffixes gives the suffix blind index (index_suffix) to the
// records written before migration 0009, which otherwise are not found by
// the last four digits of their phone number until they are written again.
// The index values are decrypted here, in Go, with the tenant's key, never
// in SQL. It walks the records still without a suffix in id order, in
// batches of batch rows, each batch one short transaction, so it can be
// stopped anywhere: the next run resumes with what is still missing
// (filled rows no longer match), and running it twice, or on two
// instances at once, writes the same keys. It returns how many records it
// filled.
func (s *Service) BackfillIndexSuffixes(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	schemas := map[int64]*Schema{}
	var cursor int64
	filled := 0
	for {
		var rows []recordRow
		err := s.db.NewSelect().Model(&rows).
			Column("id", "tenant_id", "table_id", "index_key", "plain", "sealed").
			Where("index_suffix IS NULL AND id > ?", cursor).Order("id").Limit(int64(batch)).Scan(ctx)
		if err != nil {
			return filled, fmt.Errorf("backfill index suffixes: read after record %d: %w", cursor, err)
		}
		if len(rows) == 0 {
			return filled, nil
		}
		cursor = rows[len(rows)-1].ID
		n, err := s.backfillBatch(ctx, schemas, rows)
		filled += n
		if err != nil {
			return filled, err
		}
	}
}

// backfillBatch computes the suffixes of one batch and writes them in one
// transaction. A row whose value no longer gives its stored index key (the
// record or its table changed under us) is left alone: its next write
// sets the suffix.
func (s *Service) backfillBatch(ctx context.Context, schemas map[int64]*Schema, rows []recordRow) (int, error) {
	type fill struct {
		id          int64
		key, suffix []byte
	}
	var fills []fill
	for i := range rows {
		rr := &rows[i]
		suffix, err := s.suffixOfStored(ctx, schemas, rr)
		if err != nil {
			// One record that does not open must not stop the others.
			slog.Warn("tables: backfill index suffix", "record", rr.ID, "table", rr.TableID, "err", err)
			continue
		}
		if suffix != nil {
			fills = append(fills, fill{rr.ID, rr.IndexKey, suffix})
		}
	}
	if len(fills) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("backfill index suffixes: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	n := 0
	for _, f := range fills {
		res, err := tx.NewUpdate().Table("base_records").Set("index_suffix = ?", f.suffix).
			Where("id = ? AND index_key = ? AND index_suffix IS NULL", f.id, f.key).Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("backfill the index suffix of record %d: %w", f.id, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("backfill index suffixes: %w", err)
	}
	return n, nil
}

// suffixOfStored is the suffix key a stored record should have, from its
// decrypted index value; nil when it has none (no index, a short value, or
// a value that no longer gives the stored index key).
func (s *Service) suffixOfStored(ctx context.Context, schemas map[int64]*Schema, rr *recordRow) ([]byte, error) {
	sc, ok := schemas[rr.TableID]
	if !ok {
		var err error
		if sc, err = s.Schema(ctx, rr.TenantID, rr.TableID); err != nil {
			return nil, err
		}
		schemas[rr.TableID] = sc
	}
	idx := sc.IndexField()
	if idx == nil {
		return nil, nil
	}
	r, err := s.decode(ctx, rr.TenantID, rr)
	if err != nil {
		return nil, err
	}
	v, msg := idx.indexValue(r.Values[idx.ID])
	if msg != nil || v == "" {
		return nil, nil
	}
	if key, err := s.indexKey(ctx, sc, v); err != nil || !bytes.Equal(key, rr.IndexKey) {
		return nil, err
	}
	return s.indexSuffix(ctx, sc, v)
}
