package tables

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// keptSQL reads the stored values of the records a batch keeps values of.
const keptSQL = `SELECT r.id, r.index_key, r.plain, r.sealed FROM base_records AS r
WHERE r.tenant_id = $1 AND r.table_id = $2 AND r.index_key = ANY($3::bytea[])`

// FillKept completes rows that keep stored values (Row.Keep, from a masked
// export imported again): each kept field takes the value the stored record
// with the row's index holds, so writing the row leaves it as it is. A kept
// field without a stored value stays empty; when it is mandatory the row
// cannot be written, and FillKept returns, by row position, the name of
// that field. Rows without Keep are not touched and cost nothing.
//
// db may be a transaction; the values are read when called, so a batch
// filled ahead of its write keeps what was stored at that moment.
func (s *Service) FillKept(ctx context.Context, db bun.IDB, sc *Schema, rows []Row) (map[int]string, error) {
	want := map[string][]int{} // index key → positions of the rows with it
	var keys [][]byte
	for i := range rows {
		if len(rows[i].Keep) == 0 {
			continue
		}
		key, err := s.indexKey(ctx, sc, rows[i].Index)
		if err != nil {
			return nil, err
		}
		if _, seen := want[string(key)]; !seen {
			keys = append(keys, key)
		}
		want[string(key)] = append(want[string(key)], i)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	found, err := query(ctx, db, keptSQL, sc.TenantID, sc.ID, keys)
	if err != nil {
		return nil, fmt.Errorf("read kept values: %w", err)
	}
	defer found.Close()
	for found.Next() {
		rr := &recordRow{TableID: sc.ID}
		if err := found.Scan(&rr.ID, &rr.IndexKey, &rr.Plain, &rr.Sealed); err != nil {
			return nil, err
		}
		rec, err := s.decode(ctx, sc.TenantID, rr)
		if err != nil {
			return nil, err
		}
		for _, i := range want[string(rr.IndexKey)] {
			for _, id := range rows[i].Keep {
				if v, ok := rec.Values[id]; ok {
					rows[i].Values[id] = v
				}
			}
		}
	}
	if err := found.Err(); err != nil {
		return nil, err
	}
	var missing map[int]string
	for i := range rows {
		for _, id := range rows[i].Keep {
			f := sc.FieldByID(id)
			if _, ok := rows[i].Values[id]; !ok && f != nil && f.Mandatory {
				if missing == nil {
					missing = map[int]string{}
				}
				missing[i] = f.Name
				break
			}
		}
	}
	return missing, nil
}
