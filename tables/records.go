package tables

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/audit"
	"github.com/screenpop/screenpop/internal/database"
)

// Record is a stored row with its values decrypted, keyed by field id.
// Values never leave the package unmasked except through Schema.View with
// reveal, or Service.Reveal.
type Record struct {
	ID        int64
	TableID   int64
	Values    map[int64]string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// recordRow is base_records as stored.
type recordRow struct {
	bun.BaseModel `bun:"table:base_records,alias:r"`

	ID       int64  `bun:",pk,autoincrement"`
	TenantID int64  `bun:",notnull"`
	TableID  int64  `bun:",notnull"`
	IndexKey []byte `bun:",notnull"`
	// IndexSuffix finds a record by the last digits of its index value
	// (SuffixLength), without decrypting; nil for short values.
	IndexSuffix []byte          `bun:"index_suffix"`
	Plain       json.RawMessage `bun:"type:jsonb,notnull"`
	Sealed      []byte
	Digest      []byte    `bun:",notnull"`
	CreatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp"`
	UpdatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp"`
}

// recordAD binds a sealed value to its tenant, table and record (its index
// key): a ciphertext copied to another row or tenant fails to open.
func recordAD(tenantID, tableID int64, indexKey []byte) []byte {
	const prefix = "screenpop:record:v1:"
	ad := make([]byte, 0, len(prefix)+2*20+2+hex.EncodedLen(len(indexKey)))
	ad = append(ad, prefix...)
	ad = strconv.AppendInt(ad, tenantID, 10)
	ad = append(ad, ':')
	ad = strconv.AppendInt(ad, tableID, 10)
	ad = append(ad, ':')
	return hex.AppendEncode(ad, indexKey)
}

// indexKey computes the stored key of an index value: a blind index when
// the index field is encrypted, the normalised value otherwise.
func (s *Service) indexKey(ctx context.Context, sc *Schema, normalized string) ([]byte, error) {
	if idx := sc.IndexField(); idx != nil && idx.Encrypted {
		return s.keys.blindIndex(ctx, sc.TenantID, sc.ID, normalized)
	}
	return []byte(normalized), nil
}

// SuffixLength is how many trailing characters of the index value can be
// searched on their own: the last four digits of a phone number.
const SuffixLength = 4

// indexSuffix is the stored search key of the index value's last
// SuffixLength characters, keyed like the index itself when it is
// encrypted; nil when the value is no longer than that (the full index
// finds it).
func (s *Service) indexSuffix(ctx context.Context, sc *Schema, normalized string) ([]byte, error) {
	rs := []rune(normalized)
	if len(rs) <= SuffixLength {
		return nil, nil
	}
	suffix := string(rs[len(rs)-SuffixLength:])
	if idx := sc.IndexField(); idx != nil && idx.Encrypted {
		return s.keys.suffixIndex(ctx, sc.TenantID, sc.ID, suffix)
	}
	return []byte(suffix), nil
}

// encode turns a validated row into what is stored.
func (s *Service) encode(ctx context.Context, sc *Schema, row Row) (*recordRow, error) {
	key, err := s.indexKey(ctx, sc, row.Index)
	if err != nil {
		return nil, err
	}
	suffix, err := s.indexSuffix(ctx, sc, row.Index)
	if err != nil {
		return nil, err
	}
	// The digest covers the plain object, a zero byte and the sealed
	// object: one buffer holds all three, sized for values that need no
	// escaping and keys of up to four digits.
	size := len("{}\x00{}")
	for _, v := range row.Values {
		size += len(v) + len(`"1234":"",`)
	}
	content, _ := appendValuesJSON(make([]byte, 0, size), sc.plainKeys, row.Values)
	plainLen := len(content)
	content = append(content, 0)
	content, sealedCount := appendValuesJSON(content, sc.sealedKeys, row.Values)
	plainJSON := content[:plainLen:plainLen]
	rr := &recordRow{TenantID: sc.TenantID, TableID: sc.ID, IndexKey: key, IndexSuffix: suffix, Plain: plainJSON}
	if sealedCount > 0 {
		if rr.Sealed, err = s.keys.Seal(ctx, sc.TenantID, content[plainLen+1:], recordAD(sc.TenantID, sc.ID, key)); err != nil {
			return nil, err
		}
	} else {
		content = plainJSON
	}
	if rr.Digest, err = s.keys.digest(ctx, sc.TenantID, sc.ID, content); err != nil {
		return nil, err
	}
	return rr, nil
}

// storedKey is a field as a key of a stored JSON object.
type storedKey struct {
	id   int64
	name string // the id in decimal
}

// appendValuesJSON appends the JSON object of the fields' values (those
// present in values) and returns how many it holds. keys are sorted by
// name, so the bytes are exactly json.Marshal's of a map[string]string:
// stored digests were computed over that encoding, and equal rows must
// keep encoding equally.
func appendValuesJSON(dst []byte, keys []storedKey, values map[int64]string) ([]byte, int) {
	dst = append(dst, '{')
	n := 0
	for _, k := range keys {
		v, ok := values[k.id]
		if !ok {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k.name)
		dst = append(dst, ':')
		dst = appendJSONString(dst, v)
		n++
	}
	return append(dst, '}'), n
}

// appendJSONString appends s quoted as encoding/json quotes it by default:
// <, > and & escaped for HTML, invalid UTF-8 as U+FFFD, U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// decode opens a stored row.
func (s *Service) decode(ctx context.Context, tenantID int64, rr *recordRow) (*Record, error) {
	// Sized for a full record (about one value per 24 stored bytes): a
	// map that grows while 50 values go in rehashes several times.
	r := &Record{ID: rr.ID, TableID: rr.TableID, CreatedAt: rr.CreatedAt, UpdatedAt: rr.UpdatedAt,
		Values: make(map[int64]string, (len(rr.Plain)+len(rr.Sealed))/24)}
	if err := mergeValues(r.Values, rr.Plain); err != nil {
		return nil, fmt.Errorf("record %d: plain values: %w", rr.ID, err)
	}
	if len(rr.Sealed) > 0 {
		pt, err := s.keys.Open(ctx, tenantID, rr.Sealed, recordAD(tenantID, rr.TableID, rr.IndexKey))
		if err != nil {
			return nil, fmt.Errorf("record %d: sealed values do not open: %w", rr.ID, err)
		}
		if err := mergeValues(r.Values, pt); err != nil {
			return nil, fmt.Errorf("record %d: sealed values: %w", rr.ID, err)
		}
	}
	return r, nil
}

// mergeValues adds a stored values object ({"field id": "value", …}) to
// dst. Every pop decodes two of them, so the flat objects our encoder and
// PostgreSQL's jsonb write are read here directly; anything else (or a
// malformed object) goes through encoding/json.
func mergeValues(dst map[int64]string, data []byte) error {
	if mergeFlatValues(dst, data) {
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for k, v := range m {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return err
		}
		dst[id] = v
	}
	return nil
}

// mergeFlatValues is mergeValues' fast path: false (with dst possibly
// half filled, which the slow path then completes) when data is not a flat
// object of strings keyed by integers.
func mergeFlatValues(dst map[int64]string, data []byte) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		key, next, ok := jsonString(data, i)
		if !ok {
			return false
		}
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		val, next, ok := jsonString(data, skipSpace(data, i+1))
		if !ok {
			return false
		}
		dst[id] = val
		i = skipSpace(data, next)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return skipSpace(data, i+1) == len(data)
		default:
			return false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r') {
		i++
	}
	return i
}

// jsonString reads the JSON string at data[i:]: its value and the index
// after it. One with escapes is decoded by encoding/json.
func jsonString(data []byte, i int) (string, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return "", i, false
	}
	escaped := false
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '\\':
			escaped = true
			j++
		case c < 0x20:
			return "", j, false
		case c == '"':
			if !escaped && utf8.Valid(data[i+1:j]) {
				return string(data[i+1 : j]), j + 1, true
			}
			var s string
			if err := json.Unmarshal(data[i:j+1], &s); err != nil {
				return "", j, false
			}
			return s, j + 1, true
		}
	}
	return "", len(data), false
}

// lookupKey is the stored key a looked-up index value would have, or nil
// when no stored record can have it (the value is not valid for the index
// field, or the table has no index).
func (s *Service) lookupKey(ctx context.Context, sc *Schema, value string) ([]byte, error) {
	idx := sc.IndexField()
	if idx == nil {
		return nil, nil
	}
	v, msg := idx.indexValue(value)
	if msg != nil || v == "" {
		return nil, nil
	}
	return s.indexKey(ctx, sc, v)
}

// findSQL is the pop lookup. Its arguments are bound by the driver, not
// formatted into the text (see queryRow), so it really is one round trip.
const findSQL = `SELECT bt.version, r.id, r.plain, r.sealed, r.index_key, r.created_at, r.updated_at
FROM base_tables AS bt
LEFT JOIN base_records AS r ON r.tenant_id = bt.tenant_id AND r.table_id = bt.id AND r.index_key = $1
WHERE bt.id = $2 AND bt.tenant_id = $3`

// findRow runs findSQL as a prepared statement of the pool (database/sql
// prepares it on each connection once): PostgreSQL then neither parses
// nor plans the lookup again, which was a third of its time per pop.
func (s *Service) findRow(ctx context.Context, db bun.IDB, args ...any) *sql.Row {
	d, ok := db.(*bun.DB)
	if !ok {
		return queryRow(ctx, db, findSQL, args...)
	}
	st, ok := s.finds.Load(d.DB)
	if !ok {
		prepared, err := d.DB.PrepareContext(ctx, findSQL)
		if err != nil {
			// Prepared on the next lookup; this one runs as a plain query
			// (and meets the same trouble, reported as such).
			return queryRow(ctx, db, findSQL, args...)
		}
		if st, ok = s.finds.LoadOrStore(d.DB, prepared); ok {
			_ = prepared.Close()
		}
	}
	return st.(*sql.Stmt).QueryRowContext(ctx, args...)
}

// FindByIndex looks a customer up by an index value as typed or passed by a
// platform (normalised here): one index seek on (tenant, table, index key).
// It returns the schema used, so the caller can build the view, and nil
// when no record matches.
func (s *Service) FindByIndex(ctx context.Context, tenantID, tableID int64, value string) (*Schema, *Record, error) {
	for attempt := 0; attempt < 2; attempt++ {
		sc, err := s.cachedSchema(ctx, tenantID, tableID)
		if err != nil {
			return nil, nil, err
		}
		// Normalised by the schema's index field, so a stale schema is
		// retried below with the value normalised afresh. A nil key (NULL)
		// matches nothing but still reads the table's version.
		key, err := s.lookupKey(ctx, sc, value)
		if err != nil {
			return nil, nil, err
		}
		// One round trip: the table's version comes with the row, so a stale
		// cached schema is noticed without a second query. The LEFT JOIN
		// gives NULLs when there is no such customer, hence the pointers.
		var (
			version             int64
			id                  *int64
			plain, sealed, key2 []byte
			created, updated    *time.Time
		)
		err = database.Read(ctx, s.db, func(db bun.IDB) error {
			return s.findRow(ctx, db, key, tableID, tenantID).
				Scan(&version, &id, &plain, &sealed, &key2, &created, &updated)
		})
		if errors.Is(err, sql.ErrNoRows) {
			s.schemas.Delete(tableID)
			return nil, nil, apperr.NotFoundf("table.not_found")
		}
		if err != nil {
			return nil, nil, fmt.Errorf("find a record of table %d: %w", tableID, err)
		}
		if version != sc.Version {
			s.schemas.Delete(tableID)
			continue
		}
		if id == nil {
			return sc, nil, nil
		}
		r, err := s.decode(ctx, tenantID, &recordRow{ID: *id, TableID: tableID, IndexKey: key2, Plain: plain,
			Sealed: sealed, CreatedAt: *created, UpdatedAt: *updated})
		return sc, r, err
	}
	return nil, nil, fmt.Errorf("table %d changed twice during one lookup", tableID)
}

// FindView is the one call a pop makes: index value in, the decrypted and
// masked view of the customer out (nil when there is none).
func (s *Service) FindView(ctx context.Context, tenantID, tableID int64, value string, reveal bool) (*RecordView, error) {
	sc, r, err := s.FindByIndex(ctx, tenantID, tableID, value)
	if err != nil || r == nil {
		return nil, err
	}
	v := sc.View(r, reveal)
	return &v, nil
}

// GetRecord returns a record of the tenant's table by id.
func (s *Service) GetRecord(ctx context.Context, tenantID, tableID, id int64) (*Schema, *Record, error) {
	sc, err := s.Schema(ctx, tenantID, tableID)
	if err != nil {
		return nil, nil, err
	}
	rr := new(recordRow)
	err = s.db.NewSelect().Model(rr).Where("id = ? AND tenant_id = ? AND table_id = ?", id, tenantID, tableID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, apperr.NotFoundf("record.not_found")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get record %d: %w", id, err)
	}
	r, err := s.decode(ctx, tenantID, rr)
	return sc, r, err
}

// defaultPage is ListRecords' page size when none is given.
const defaultPage = 50

// ListRecords returns one page of a table's records, oldest first, and the
// total count.
func (s *Service) ListRecords(ctx context.Context, tenantID, tableID int64, offset, limit int) (*Schema, []*Record, int, error) {
	// bun reads a limit of 0 as none: every record of the table decrypted
	// at once. A negative offset is an SQL error.
	if limit <= 0 {
		limit = defaultPage
	}
	offset = max(offset, 0)
	sc, err := s.Schema(ctx, tenantID, tableID)
	if err != nil {
		return nil, nil, 0, err
	}
	var rows []recordRow
	err = s.db.NewSelect().Model(&rows).Where("tenant_id = ? AND table_id = ?", tenantID, tableID).
		Order("id").Offset(int64(offset)).Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("list the records of table %d: %w", tableID, err)
	}
	total, err := s.RecordCount(ctx, tableID)
	if err != nil {
		return nil, nil, 0, err
	}
	out, err := s.decodeRows(ctx, tenantID, rows)
	if err != nil {
		return nil, nil, 0, err
	}
	return sc, out, total, nil
}

// decodeRows decodes a page of stored rows, for the record lists.
func (s *Service) decodeRows(ctx context.Context, tenantID int64, rows []recordRow) ([]*Record, error) {
	out := make([]*Record, 0, len(rows))
	for i := range rows {
		r, err := s.decode(ctx, tenantID, &rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// countRowsBeforeCompacting is how many delta rows a table's count may
// have before RecordCount folds them into one.
const countRowsBeforeCompacting = 64

// RecordCount is how many records a table holds, from the deltas that
// triggers on base_records append to base_record_counts (migration 0008):
// a sum over a few rows rather than a count over the table. The caller has
// checked that the table is the tenant's.
func (s *Service) RecordCount(ctx context.Context, tableID int64) (int, error) {
	var total, rows int
	err := s.db.NewRaw("SELECT coalesce(sum(delta), 0), count(*) FROM base_record_counts WHERE table_id = ?", tableID).
		Scan(ctx, &total, &rows)
	if err != nil {
		return 0, fmt.Errorf("count the records of table %d: %w", tableID, err)
	}
	if rows > countRowsBeforeCompacting {
		// Best effort: the count read is right either way, and the next
		// read tries again.
		if err := s.compactCount(ctx, tableID); err != nil {
			slog.Warn("tables: compacting a record count", "table", tableID, "err", err)
		}
	}
	return total, nil
}

// compactCount replaces a table's delta rows by their sum. Concurrent
// compactions and writers are safe: a row deleted here is summed here, and
// one another compaction deleted first is skipped by this one.
func (s *Service) compactCount(ctx context.Context, tableID int64) error {
	_, err := s.db.ExecContext(ctx, `WITH gone AS (DELETE FROM base_record_counts WHERE table_id = ? RETURNING delta)
INSERT INTO base_record_counts (table_id, delta) SELECT ?, sum(delta) FROM gone HAVING count(*) > 0`, tableID, tableID)
	return err
}

// invalid wraps per-field errors as one validation error.
func invalid(errs []apperr.FieldError) error {
	e := apperr.New(apperr.Invalid, "error.invalid")
	e.Fields = errs
	return e
}

func (s *Service) publishedSchema(ctx context.Context, tenantID, tableID int64) (*Schema, error) {
	sc, err := s.Schema(ctx, tenantID, tableID)
	if err != nil {
		return nil, err
	}
	if sc.Status != Published {
		return nil, apperr.New(apperr.Invalid, "table.not_published")
	}
	// A published table loses its index if the field is deleted or unset
	// while no records exist; records need one (it is their key).
	if sc.IndexField() == nil {
		return nil, apperr.New(apperr.Invalid, "table.needs_index")
	}
	return sc, nil
}

// errStale says a definition changed between reading the schema and
// writing with it.
func errStale() error { return apperr.New(apperr.Conflict, "table.stale") }

// lockVersion holds the table's row against definition changes until the
// transaction ends (FOR KEY SHARE conflicts with the FOR UPDATE that every
// edit takes) and checks that values encoded with sc are still stored the
// way the current definition says. Values encoded under a stale schema
// must not be written: a field encrypted meanwhile would land in the plain
// column. In READ COMMITTED a lock that waited for an edit re-reads the
// row, so the edit's new version is seen.
func lockVersion(ctx context.Context, tx bun.IDB, sc *Schema) error {
	var version int64
	err := tx.NewSelect().Table("base_tables").Column("version").
		Where("id = ? AND tenant_id = ?", sc.ID, sc.TenantID).For("KEY SHARE").Scan(ctx, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("table.not_found")
	}
	if err != nil {
		return err
	}
	if version == sc.Version {
		return nil
	}
	// Renames, reordering, masks, dictionary labels and the like do not
	// change how a value is stored; a long import survives them.
	cur, err := getTable(ctx, tx, sc.TenantID, sc.ID, false)
	if err != nil {
		return err
	}
	if !storedAlike(sc.Table, cur) {
		return errStale()
	}
	return nil
}

// storedAlike reports whether rows encoded with old are stored as cur
// would store them: the same index field, keyed the same way, and every
// field of old that still exists with the same type and encryption.
func storedAlike(old, cur *Table) bool {
	oi, ci := old.IndexField(), cur.IndexField()
	if oi == nil || ci == nil || oi.ID != ci.ID {
		return false
	}
	for _, f := range old.Fields {
		c := cur.FieldByID(f.ID)
		if c != nil && (c.Encrypted != f.Encrypted || c.Type != f.Type || c.IsIndex != f.IsIndex) {
			return false
		}
	}
	return true
}

// writeRecord validates in against the current schema and writes it with
// write inside a transaction that holds the schema's version; if the
// definition changed after it was read, it starts over once with the new
// one.
func (s *Service) writeRecord(ctx context.Context, tenantID, tableID int64, in map[string]string,
	write func(ctx context.Context, tx bun.Tx, sc *Schema, rr *recordRow) error) (*Schema, Row, *recordRow, error) {
	for attempt := 0; ; attempt++ {
		sc, err := s.publishedSchema(ctx, tenantID, tableID)
		if err != nil {
			return nil, Row{}, nil, err
		}
		row, errs := sc.ParseRow(in)
		if len(errs) > 0 {
			return nil, Row{}, nil, invalid(errs)
		}
		rr, err := s.encode(ctx, sc, row)
		if err != nil {
			return nil, Row{}, nil, err
		}
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := lockVersion(ctx, tx, sc); err != nil {
				return err
			}
			return write(ctx, tx, sc, rr)
		})
		if database.IsUniqueViolation(err) {
			e := apperr.Field(sc.IndexField().Name, "record.duplicate")
			e.Code = apperr.Conflict
			return nil, Row{}, nil, e
		}
		if apperr.Is(err, apperr.Conflict) && attempt == 0 {
			s.schemas.Delete(tableID)
			continue
		}
		return sc, row, rr, err
	}
}

// CreateRecord validates and stores a new record; a record with the same
// index value is a conflict.
func (s *Service) CreateRecord(ctx context.Context, tenantID, tableID int64, in map[string]string) (*Record, error) {
	_, row, rr, err := s.writeRecord(ctx, tenantID, tableID, in, func(ctx context.Context, tx bun.Tx, _ *Schema, rr *recordRow) error {
		_, err := tx.NewInsert().Model(rr).Returning("id, created_at, updated_at").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Record{ID: rr.ID, TableID: tableID, Values: row.Values, CreatedAt: rr.CreatedAt, UpdatedAt: rr.UpdatedAt}, nil
}

// UpdateRecord replaces a record's values (including, if given, its index
// value) and re-seals it.
func (s *Service) UpdateRecord(ctx context.Context, tenantID, tableID, id int64, in map[string]string) (*Record, error) {
	_, row, rr, err := s.writeRecord(ctx, tenantID, tableID, in, func(ctx context.Context, tx bun.Tx, _ *Schema, rr *recordRow) error {
		res, err := tx.NewUpdate().Model(rr).Column("index_key", "index_suffix", "plain", "sealed", "digest").
			Set("updated_at = now()").
			Where("id = ? AND tenant_id = ? AND table_id = ?", id, tenantID, tableID).
			Returning("created_at, updated_at").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("record.not_found")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Record{ID: id, TableID: tableID, Values: row.Values, CreatedAt: rr.CreatedAt, UpdatedAt: rr.UpdatedAt}, nil
}

// DeleteRecord removes a record.
func (s *Service) DeleteRecord(ctx context.Context, tenantID, tableID, id int64) error {
	res, err := s.db.NewDelete().Model((*recordRow)(nil)).Where("id = ? AND tenant_id = ? AND table_id = ?", id, tenantID, tableID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete record %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("record.not_found")
	}
	return nil
}

// UpsertResult counts what an upsert did.
type UpsertResult struct {
	Inserted  int
	Updated   int
	Unchanged int
}

// UpsertRows stores validated rows in one statement (in a transaction that
// holds the table's definition meanwhile), matched on the index:
// new index values are inserted, changed rows updated, identical rows left
// alone (their digest matches), so importing a file twice changes nothing.
// Rows with the same index value: the last one wins (the others count as
// unchanged). db may be a transaction. If the table's definition changed
// since sc was read in a way that changes how values are stored (a field's
// encryption or type, the index), nothing is written and the error is a
// conflict (table.stale): read the schema again and re-validate the rows.
func (s *Service) UpsertRows(ctx context.Context, db bun.IDB, sc *Schema, rows []Row) (UpsertResult, error) {
	encoded, err := s.EncodeRows(ctx, sc, rows)
	if err != nil {
		return UpsertResult{}, err
	}
	return s.UpsertEncoded(ctx, db, encoded)
}

// upsertSQL writes a batch as four arrays bound by the driver (binary,
// not megabytes of escaped literals in the text); an unchanged digest
// leaves the row alone and out of RETURNING.
// A row whose suffix key is missing (written before the suffix index
// existed) is rewritten even when its content is the same.
const upsertSQL = `INSERT INTO base_records AS r (tenant_id, table_id, index_key, plain, sealed, digest, index_suffix)
SELECT $1, $2, u.k, u.p::jsonb, u.s, u.d, u.x
FROM unnest($3::bytea[], $4::text[], $5::bytea[], $6::bytea[], $7::bytea[]) AS u(k, p, s, d, x)
ON CONFLICT (tenant_id, table_id, index_key) DO UPDATE
SET plain = EXCLUDED.plain, sealed = EXCLUDED.sealed, digest = EXCLUDED.digest, index_suffix = EXCLUDED.index_suffix, updated_at = now()
WHERE r.digest IS DISTINCT FROM EXCLUDED.digest OR r.index_suffix IS DISTINCT FROM EXCLUDED.index_suffix
RETURNING (xmax = 0)`

// driverQuerier is what database/sql's DB, Tx and Conn share.
type driverQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// driverOf returns the database/sql handle under a bun.IDB, or nil.
func driverOf(db bun.IDB) driverQuerier {
	switch d := db.(type) {
	case *bun.DB:
		return d.DB
	case bun.Tx:
		return d.Tx
	case *bun.Tx:
		return d.Tx
	case bun.Conn:
		return d.Conn
	case *bun.Conn:
		return d.Conn
	}
	return nil
}

// query runs a statement written with $n placeholders with its arguments
// bound by the driver. bun would format them into the text instead, which
// makes every text new: pgx then parses and describes it in an extra round
// trip before running it (and evicts the statements it had cached), and a
// batch's bytea arrays become megabytes of hex to build and parse. A
// constant text is described once per connection.
func query(ctx context.Context, db bun.IDB, q string, args ...any) (*sql.Rows, error) {
	if d := driverOf(db); d != nil {
		return d.QueryContext(ctx, q, args...)
	}
	return db.QueryContext(ctx, questionMarks(q), args...)
}

// queryRow is query for one row.
func queryRow(ctx context.Context, db bun.IDB, q string, args ...any) *sql.Row {
	if d := driverOf(db); d != nil {
		return d.QueryRowContext(ctx, q, args...)
	}
	return db.QueryRowContext(ctx, questionMarks(q), args...)
}

var placeholder = regexp.MustCompile(`\$[0-9]+`)

// questionMarks turns $1, $2… into bun's ? placeholders, for a bun.IDB
// without a database/sql handle (none exists today). The statements here
// use each placeholder once, in order.
func questionMarks(q string) string { return placeholder.ReplaceAllString(q, "?") }

// RevealRequest asks for one masked value in clear.
type RevealRequest struct {
	TenantID  int64
	UserID    *int64 // nil for an API key
	CanReveal bool   // the caller holds the reveal permission
	TableID   int64
	RecordID  int64
	FieldID   int64
	CallID    string // the call during which the value was revealed, if any
	// Actor names the caller in the audit entry (user, or an API key's
	// prefix and name): an API key has no UserID.
	Actor map[string]any
}

// Reveal returns one masked value in clear and writes an audit entry (who,
// tenant, table, record, field, time, call) in the same transaction. The
// entry never holds the value.
func (s *Service) Reveal(ctx context.Context, req RevealRequest) (string, error) {
	if !req.CanReveal {
		return "", apperr.New(apperr.Forbidden, "record.reveal_denied")
	}
	sc, r, err := s.GetRecord(ctx, req.TenantID, req.TableID, req.RecordID)
	if err != nil {
		return "", err
	}
	f := sc.FieldByID(req.FieldID)
	if f == nil {
		return "", apperr.NotFoundf("field.not_found")
	}
	if !f.Masked {
		return "", apperr.New(apperr.Invalid, "record.not_masked")
	}
	tid := req.TenantID
	detail := map[string]any{"table": sc.Name, "field": f.Name}
	for k, v := range req.Actor {
		detail[k] = v
	}
	err = audit.Record(ctx, s.db, audit.Entry{
		TenantID: &tid, UserID: req.UserID, Action: "record.reveal",
		Target: fmt.Sprintf("table:%d/record:%d/field:%d", req.TableID, req.RecordID, req.FieldID),
		Detail: detail, CallID: req.CallID,
	})
	if err != nil {
		return "", fmt.Errorf("audit a reveal: %w", err)
	}
	return r.Values[f.ID], nil
}

// ResealProgress reports a re-seal's advance.
type ResealProgress func(done, total int)

// Reseal moves every sealed value of the tenant to the keyset's primary key,
// in batches, each its own transaction; rows stay readable throughout since
// old keys remain in the keyset. It returns how many rows it re-sealed.
//
// Another instance may have sealed values with the old key until it
// reloaded the keyset (KeyCacheTTL after the rotation), and such a write
// may land behind the first pass even when that pass ends after the
// moment (it started before, or the writer's transaction did). So Reseal
// waits for that moment if it has not come yet and always makes a second
// pass for the values written meanwhile; progress then starts again. The
// second pass only reads rows already on the primary key, so it is cheap.
func (s *Service) Reseal(ctx context.Context, tenantID int64, progress ResealProgress) (int, error) {
	// The keyset as stored, not as cached: the rotation may have been made
	// by another instance (or the CLI), and a stale primary here would skip
	// exactly the rows sealed with the old key.
	s.keys.forget(tenantID)
	primary, err := s.keys.PrimaryKeyID(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	n, err := s.resealPass(ctx, tenantID, primary, progress)
	if err != nil {
		return n, err
	}
	wait, err := s.keys.untilSettled(ctx, tenantID)
	if err != nil {
		return n, err
	}
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return n, ctx.Err()
		}
	}
	more, err := s.resealPass(ctx, tenantID, primary, progress)
	return n + more, err
}

// resealPass re-seals, once through the tenant's rows, every value not
// sealed with primary.
func (s *Service) resealPass(ctx context.Context, tenantID int64, primary uint32, progress ResealProgress) (int, error) {
	total, err := s.db.NewSelect().Model((*recordRow)(nil)).Where("tenant_id = ? AND sealed IS NOT NULL", tenantID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count the sealed records of tenant %d: %w", tenantID, err)
	}
	const batch = 500
	var lastID int64
	done, resealed := 0, 0
	for {
		var rows []recordRow
		err := s.db.NewSelect().Model(&rows).Where("tenant_id = ? AND sealed IS NOT NULL AND id > ?", tenantID, lastID).
			Order("id").Limit(batch).Scan(ctx)
		if err != nil {
			return resealed, err
		}
		if len(rows) == 0 {
			break
		}
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for i := range rows {
				rr := &rows[i]
				if id, ok := KeyIDOf(rr.Sealed); ok && id == primary {
					continue
				}
				ad := recordAD(tenantID, rr.TableID, rr.IndexKey)
				pt, err := s.keys.Open(ctx, tenantID, rr.Sealed, ad)
				if err != nil {
					return fmt.Errorf("record %d: %w", rr.ID, err)
				}
				ct, err := s.keys.Seal(ctx, tenantID, pt, ad)
				if err != nil {
					return err
				}
				// Compare-and-set on the old ciphertext: a row rewritten
				// meanwhile by an edit is already on the new key.
				res, err := tx.NewUpdate().Model((*recordRow)(nil)).Set("sealed = ?", ct).
					Where("id = ? AND sealed = ?", rr.ID, rr.Sealed).Exec(ctx)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					resealed++
				}
			}
			return nil
		})
		if err != nil {
			return resealed, err
		}
		lastID = rows[len(rows)-1].ID
		done += len(rows)
		if progress != nil {
			progress(done, int(total))
		}
	}
	return resealed, nil
}
