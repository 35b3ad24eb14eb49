package tables

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/uptrace/bun"
)

// Search is what the data page asks for: a text to find, a plain field to
// sort by, a page.
type Search struct {
	// Text finds records whose index value is Text, or ends with it when it
	// is SuffixLength characters (the last four digits of a phone number,
	// matched on a blind index: nothing is decrypted), or whose plain fields
	// (not encrypted) contain it, dictionary labels included. Empty: all.
	Text string
	// SortField is a plain field to order by (0: the order of entry); Desc
	// reverses it.
	SortField int64
	Desc      bool
	Offset    int
	Limit     int
}

// SearchRecords returns one page of the records matching q and how many
// match in all. Encrypted fields other than the index are not searched:
// their values exist only sealed.
func (s *Service) SearchRecords(ctx context.Context, tenantID, tableID int64, q Search) (*Schema, []*Record, int, error) {
	if q.Limit <= 0 {
		q.Limit = defaultPage
	}
	q.Offset = max(q.Offset, 0)
	q.Text = strings.TrimSpace(q.Text)
	sc, err := s.Schema(ctx, tenantID, tableID)
	if err != nil {
		return nil, nil, 0, err
	}
	if q.Text == "" && q.SortField == 0 {
		return s.ListRecords(ctx, tenantID, tableID, q.Offset, q.Limit)
	}
	where, err := s.searchWhere(ctx, sc, q.Text)
	if err != nil {
		return nil, nil, 0, err
	}
	var rows []recordRow
	sel := s.db.NewSelect().Model(&rows).Where("tenant_id = ? AND table_id = ?", tenantID, tableID).
		WhereGroup(" AND ", where).Offset(int64(q.Offset)).Limit(int64(q.Limit))
	if f := sc.FieldByID(q.SortField); f != nil && !f.Encrypted {
		dir := "ASC"
		if q.Desc {
			dir = "DESC"
		}
		key := strconv.FormatInt(f.ID, 10)
		if f.Type == TypeNumber {
			sel = sel.OrderExpr("(plain->>?)::numeric "+dir+" NULLS LAST", key)
		} else {
			sel = sel.OrderExpr("plain->>? "+dir+" NULLS LAST", key)
		}
	}
	sel = sel.Order("id")
	total, err := s.searchPage(ctx, sel, tableID, q.Text == "")
	if err != nil {
		return nil, nil, 0, err
	}
	out, err := s.decodeRows(ctx, tenantID, rows)
	if err != nil {
		return nil, nil, 0, err
	}
	return sc, out, total, nil
}

// searchPage reads one page of sel and the number of matching records.
// Without search text every record matches, so the count is the maintained
// one (RecordCount), as for plain browsing: sorting a large table must not
// cost a count(*) over it on every page.
func (s *Service) searchPage(ctx context.Context, sel *bun.SelectQuery, tableID int64, all bool) (int, error) {
	if !all {
		n, err := sel.ScanAndCount(ctx)
		if err != nil {
			return 0, fmt.Errorf("search the records of table %d: %w", tableID, err)
		}
		return int(n), nil
	}
	if err := sel.Scan(ctx); err != nil {
		return 0, fmt.Errorf("list the sorted records of table %d: %w", tableID, err)
	}
	return s.RecordCount(ctx, tableID)
}

// searchWhere builds the condition for text: the full index value, its
// suffix, or a plain field containing it.
func (s *Service) searchWhere(ctx context.Context, sc *Schema, text string) (func(*bun.SelectQuery) *bun.SelectQuery, error) {
	if text == "" {
		return func(q *bun.SelectQuery) *bun.SelectQuery { return q }, nil
	}
	full, err := s.lookupKey(ctx, sc, text)
	if err != nil {
		return nil, err
	}
	var suffix []byte
	if rs := []rune(text); len(rs) == SuffixLength && sc.IndexField() != nil {
		if suffix, err = s.indexSuffixOf(ctx, sc, text); err != nil {
			return nil, err
		}
	}
	like := "%" + escapeLike(text) + "%"
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		if full != nil {
			q = q.WhereOr("index_key = ?", full)
		}
		if suffix != nil {
			q = q.WhereOr("index_suffix = ?", suffix)
		}
		for _, f := range sc.Fields {
			if f.Encrypted {
				continue
			}
			key := strconv.FormatInt(f.ID, 10)
			q = q.WhereOr("plain->>? ILIKE ? ESCAPE '\\'", key, like)
			if f.Type == TypeDict {
				var keys []string
				for _, it := range f.DictItems {
					if strings.Contains(strings.ToLower(it.Value), strings.ToLower(text)) {
						keys = append(keys, it.Key)
					}
				}
				if len(keys) > 0 {
					q = q.WhereOr("plain->>? IN (?)", key, bun.List(keys))
				}
			}
		}
		return q
	}, nil
}

// indexSuffixOf is the suffix key of typed digits, normalised the way the
// index field normalises its values (a phone's separators dropped).
func (s *Service) indexSuffixOf(ctx context.Context, sc *Schema, text string) ([]byte, error) {
	digits := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, text)
	if idx := sc.IndexField(); idx != nil && idx.Encrypted {
		return s.keys.suffixIndex(ctx, sc.TenantID, sc.ID, digits)
	}
	return []byte(digits), nil
}

// escapeLike makes text match itself in LIKE.
func escapeLike(text string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text)
}
