// Package benchdata builds the data set the pop benchmarks share: a tenant
// with a published base table of a million customers (an encrypted, masked
// phone index, 20 encrypted and 30 plain fields of every type) and a
// published page of 5 objects × 10 fields over it. Loading takes a minute or
// two, so it is done once per database and reused: by later runs when
// SCREENPOP_BENCH_DSN names a database that is kept, and within one
// `make bench` by every package that uses it (tables, pages, web), since they share
// that database and an advisory lock makes one of them load while the
// others wait.
//
// The data is readable only with MasterKey, which is fixed for that reason:
// it protects generated test data and nothing else.
package benchdata

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/migrations"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

const (
	// Name is the tenant's slug and the table's name; the page's name
	// starts with it.
	Name = "bench-pop-1m"
	// Rows is the number of customers.
	Rows = 1_000_000
	// Objects and FieldsPerObject shape the page: every field besides the
	// index, in order.
	Objects         = 5
	FieldsPerObject = 10

	batch = 2000
	// lockKey serialises building the set across processes (the packages
	// of one `make bench` run in parallel). It differs from testkit's and
	// the migrations' keys.
	lockKey = 0x5c9ee9_0003
)

// MasterKey is the master key the data set is encrypted under: 32 bytes of
// 0x42, the same in every run so that a kept database stays readable.
var MasterKey = bytes.Repeat([]byte{0x42}, 32)

// Phone is customer i's phone number, the table's index value.
func Phone(i int) string { return fmt.Sprintf("139%08d", i) }

// EncryptedValue is what customer i holds in an unmasked encrypted string
// field, e.g. 密01: a value to look for in a rendered pop.
func EncryptedValue(field string, i int) string { return fmt.Sprintf("客户资料%s-%07d", field, i) }

var levels = []tables.DictItem{{Key: "1", Value: "VIP"}, {Key: "2", Value: "普通"}, {Key: "3", Value: "新客"}}

// Fields: an encrypted, masked phone index, then 20 encrypted fields
// (every fifth a number, every third masked) and 30 plain ones of every
// type (some masked, six dictionaries): 50 besides the index.
func Fields() []tables.FieldInput {
	fs := []tables.FieldInput{{Name: "手机", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour}}
	for i := range tables.MaxEncryptedFields {
		f := tables.FieldInput{Name: fmt.Sprintf("密%02d", i), Encrypted: true, Type: tables.TypeString}
		switch {
		case i%5 == 4:
			f.Type = tables.TypeNumber
		case i%3 == 0:
			f.Masked, f.MaskStyle = true, tables.MaskStyle(1+i%2)
		}
		fs = append(fs, f)
	}
	for i := range tables.MaxOrdinaryFields {
		f := tables.FieldInput{Name: fmt.Sprintf("字段%02d", i), Type: tables.TypeString}
		switch i % 5 {
		case 0:
			if i%10 == 0 {
				f.Masked, f.MaskStyle = true, tables.MaskFirstFour
			}
		case 1:
			f.Type = tables.TypeNumber
		case 2:
			f.Type = tables.TypeDate
		case 3:
			f.Type = tables.TypeTime
		case 4:
			f.Type, f.DictItems = tables.TypeDict, levels
		}
		fs = append(fs, f)
	}
	return fs
}

// Row builds record i in canonical form, as ParseRow would, so loading
// measures the store rather than the validation.
func Row(sc *tables.Schema, i int) tables.Row {
	row := tables.Row{Index: Phone(i), Values: make(map[int64]string, len(sc.Fields))}
	for _, f := range sc.Fields {
		var v string
		switch {
		case f.IsIndex:
			v = row.Index
		case f.Type == tables.TypeNumber:
			v = strconv.Itoa(i * 37 % 100000)
		case f.Encrypted:
			v = EncryptedValue(f.Name, i)
		case f.Type == tables.TypeDate:
			v = fmt.Sprintf("20%02d-%02d-%02d", i%25, 1+i%12, 1+i%28)
		case f.Type == tables.TypeTime:
			v = fmt.Sprintf("%02d:%02d", i%24, i%60)
		case f.Type == tables.TypeDict:
			v = strconv.Itoa(1 + i%3)
		default:
			v = fmt.Sprintf("%s 的值 %07d", f.Name, i)
		}
		row.Values[f.ID] = v
	}
	return row
}

// DB is the database the set lives in: SCREENPOP_BENCH_DSN when set
// (migrated here, never dropped), otherwise the test package's database
// (dropped when the test binary ends, so the set is loaded again next time).
func DB(tb testing.TB) *bun.DB {
	tb.Helper()
	dsn := os.Getenv("SCREENPOP_BENCH_DSN")
	if dsn == "" {
		return testkit.DB(tb)
	}
	ctx := context.Background()
	db, err := database.Open(ctx, dsn, database.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if _, err := migrations.Up(ctx, db); err != nil {
		tb.Fatal(err)
	}
	return db
}

// Set is the data set.
type Set struct {
	Tenant *accounts.Tenant
	Table  *tables.Table
	Page   *pages.Page
	// Load is how long this call took to load the records (0 if reused).
	Load time.Duration
}

// Ensure returns the set, building whatever is missing: the tenant, the
// table with its Rows records (a table with fewer is dropped and loaded
// again), and the published page. ts and ps must use MasterKey.
func Ensure(ctx context.Context, db *bun.DB, ts *tables.Service, ps *pages.Service) (*Set, error) {
	// One connection holds the lock while the pool does the work.
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", lockKey); err != nil {
		return nil, fmt.Errorf("benchdata: lock: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", lockKey) }()

	acc := accounts.New(db)
	tenant, err := acc.TenantBySlug(ctx, Name)
	if apperr.Is(err, apperr.NotFound) {
		tenant, err = acc.CreateTenant(ctx, accounts.NewTenant{Slug: Name, Name: Name})
	}
	if err != nil {
		return nil, fmt.Errorf("benchdata: tenant: %w", err)
	}
	set := &Set{Tenant: tenant}
	if set.Table, set.Load, err = ensureTable(ctx, db, ts, tenant.ID); err != nil {
		return nil, err
	}
	if set.Page, err = ensurePage(ctx, ps, tenant.ID, set.Table); err != nil {
		return nil, err
	}
	return set, nil
}

func ensureTable(ctx context.Context, db *bun.DB, ts *tables.Service, tenantID int64) (*tables.Table, time.Duration, error) {
	list, err := ts.ListTables(ctx, tenantID)
	if err != nil {
		return nil, 0, err
	}
	want := len(Fields())
	for _, t := range list {
		if t.Name != Name {
			continue
		}
		if t.RecordCount == Rows && t.FieldCount == want && t.Status == tables.Published {
			// Readable with this key? A set made under another key
			// cannot be used, nor can the tenant.
			if _, err := ts.FindView(ctx, tenantID, t.ID, Phone(0), false); err != nil {
				return nil, 0, fmt.Errorf("benchdata: the kept table %q cannot be read with benchdata.MasterKey (%w); drop tenant %q from SCREENPOP_BENCH_DSN's database", Name, err, Name)
			}
			tb, err := ts.GetTable(ctx, tenantID, t.ID)
			if err != nil {
				return nil, 0, err
			}
			fmt.Printf("benchdata: reusing table %q with %d records\n", Name, Rows)
			return tb, 0, nil
		}
		fmt.Printf("benchdata: dropping incomplete table %q (%d records, %d fields)\n", Name, t.RecordCount, t.FieldCount)
		if err := ts.DeleteTable(ctx, tenantID, t.ID); err != nil {
			return nil, 0, err
		}
	}

	tb, err := ts.CreateTable(ctx, tenantID, tables.TableInput{Name: Name})
	if err != nil {
		return nil, 0, err
	}
	for _, f := range Fields() {
		if _, err := ts.AddField(ctx, tenantID, tb.ID, f); err != nil {
			return nil, 0, fmt.Errorf("benchdata: field %s: %w", f.Name, err)
		}
	}
	if _, err := ts.Publish(ctx, tenantID, tb.ID); err != nil {
		return nil, 0, err
	}
	sc, err := ts.Schema(ctx, tenantID, tb.ID)
	if err != nil {
		return nil, 0, err
	}

	// Batches encoded and written by a few workers, so that encryption on
	// the client overlaps with inserts on the server.
	start := time.Now()
	workers := max(2, runtime.GOMAXPROCS(0))
	next := make(chan int)
	stop := make(chan struct{})
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		loadErr error
	)
	for range workers {
		wg.Go(func() {
			rows := make([]tables.Row, 0, batch)
			for from := range next {
				rows = rows[:0]
				for i := from; i < min(from+batch, Rows); i++ {
					rows = append(rows, Row(sc, i))
				}
				res, err := ts.UpsertRows(ctx, db, sc, rows)
				if err == nil && res.Inserted != len(rows) {
					err = fmt.Errorf("batch at %d: %+v", from, res)
				}
				if err != nil {
					errOnce.Do(func() { loadErr = err; close(stop) })
					return
				}
			}
		})
	}
feed:
	for from := 0; from < Rows; from += batch {
		select {
		case next <- from:
		case <-stop:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if loadErr != nil {
		return nil, 0, fmt.Errorf("benchdata: load: %w", loadErr)
	}
	load := time.Since(start)
	if _, err := db.ExecContext(ctx, "ANALYZE base_records"); err != nil {
		return nil, 0, err
	}
	fmt.Printf("benchdata: loaded %d records (%d fields, 21 encrypted) in %v: %.0f rows/s with %d workers\n",
		Rows, want, load.Round(time.Millisecond), Rows/load.Seconds(), workers)
	tb, err = ts.GetTable(ctx, tenantID, tb.ID)
	return tb, load, err
}

// Definition is the page: block layout, 3 columns, 5 objects of 10 fields
// each (every field besides the index, in order), with a visibility rule
// on the last object and a highlight rule on each dictionary field.
func Definition(tb *tables.Table) (pages.Definition, error) {
	var shown []*tables.Field
	for _, f := range tb.Fields {
		if !f.IsIndex {
			shown = append(shown, f)
		}
	}
	if len(shown) != Objects*FieldsPerObject {
		return pages.Definition{}, fmt.Errorf("benchdata: %d fields besides the index, want %d", len(shown), Objects*FieldsPerObject)
	}
	d := pages.Definition{Layout: pages.LayoutBlock, Columns: 3, Source: pages.SourceInternal}
	for o := range Objects {
		obj := pages.Object{Name: fmt.Sprintf("对象%d", o+1), TableID: tb.ID}
		for _, f := range shown[o*FieldsPerObject : (o+1)*FieldsPerObject] {
			of := pages.ObjectField{FieldID: f.ID}
			if f.Type == tables.TypeDict {
				of.Highlight, of.Badge = fmt.Sprintf("record.%s == %q", f.Name, "VIP"), "VIP"
			}
			obj.Fields = append(obj.Fields, of)
		}
		d.Objects = append(d.Objects, obj)
	}
	d.Objects[Objects-1].Visible = "has(record.字段01) && record.字段01 >= 0.0"
	return d, nil
}

// ensurePage reuses the published page whose name carries the digest of
// the current definition, so concurrent users of the set never see it
// replaced; pages of older definitions are deleted.
func ensurePage(ctx context.Context, ps *pages.Service, tenantID int64, tb *tables.Table) (*pages.Page, error) {
	def, err := Definition(tb)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(def)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	name := Name + " " + hex.EncodeToString(sum[:6])
	list, err := ps.ListPages(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		p := &list[i]
		switch {
		case p.Name == name && p.PublishedVersion != nil:
			return p, nil
		case strings.HasPrefix(p.Name, Name):
			if err := ps.DeletePage(ctx, tenantID, p.ID); err != nil && !apperr.Is(err, apperr.NotFound) {
				return nil, err
			}
		}
	}
	p, err := ps.CreatePage(ctx, tenantID, name)
	if err != nil {
		return nil, fmt.Errorf("benchdata: page: %w", err)
	}
	if _, err := ps.SaveDraft(ctx, tenantID, p.ID, def, p.DraftRevision); err != nil {
		return nil, fmt.Errorf("benchdata: page draft: %w", err)
	}
	if _, err := ps.Publish(ctx, tenantID, p.ID, nil, "bench"); err != nil {
		return nil, fmt.Errorf("benchdata: publish page: %w", err)
	}
	return ps.GetPage(ctx, tenantID, p.ID)
}
