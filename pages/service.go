package pages

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/ttlcache"
	"github.com/screenpop/screenpop/tables"
)

// Page is a custom page with its draft.
type Page struct {
	bun.BaseModel `bun:"table:pages,alias:p"`

	ID               int64      `bun:",pk,autoincrement" json:"id"`
	TenantID         int64      `bun:",notnull" json:"-"`
	Name             string     `bun:",notnull" json:"name"`
	Draft            Definition `bun:"type:jsonb,notnull" json:"draft"`
	DraftRevision    int64      `bun:",notnull" json:"draftRevision"`
	PublishedVersion *int       `json:"publishedVersion,omitempty"`
	// DraftProblems are the rules of the draft just saved that do not
	// compile: they are saved as written and block publishing, not saving.
	DraftProblems []apperr.FieldError `bun:"-" json:"-"`
	CreatedAt     time.Time           `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt     time.Time           `bun:",nullzero,notnull,default:current_timestamp" json:"updatedAt"`
}

// Version is a frozen, published definition.
type Version struct {
	bun.BaseModel `bun:"table:page_versions,alias:v"`

	ID          int64      `bun:",pk,autoincrement" json:"-"`
	TenantID    int64      `bun:",notnull" json:"-"`
	PageID      int64      `bun:",notnull" json:"pageId"`
	Version     int        `bun:",notnull" json:"version"`
	Definition  Definition `bun:"type:jsonb,notnull" json:"definition"`
	PublishedBy *int64     `json:"publishedBy,omitempty"`
	PublishedAt time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"publishedAt"`
	Note        string     `bun:",notnull" json:"note"`
	// PublisherName is the publishing user's name, filled by Versions.
	PublisherName string `bun:"publisher_name,scanonly" json:"publisherName,omitempty"`
}

// Service stores pages and renders them.
type Service struct {
	db       bun.IDB
	tables   *tables.Service
	limits   Limits
	external ExternalSource
	// published caches the published definitions pops render (see
	// RenderPublished); this service's publish, rename and delete empty it.
	published *ttlcache.Cache[pageKey, *publishedPage]
}

// publishedTTL is how long a pop may render a published definition read
// earlier: a publish through another instance shows within it (through
// this one at once), as with the tenant and platform settings.
const publishedTTL = 2 * time.Second

type pageKey struct{ tenantID, pageID int64 }

// publishedPage is what a pop needs of a page: its name and published
// version, the definition decoded. Shared by concurrent renders: read only.
type publishedPage struct {
	name    string
	version int
	def     *Definition
}

// Limits is what the service needs of the operator's system parameters
// (the engine's settings implement it).
type Limits interface {
	// MaxPages is how many custom pages a tenant may have.
	MaxPages(ctx context.Context) (int, error)
	// MaxObjects is how many objects one page may show.
	MaxObjects(ctx context.Context) (int, error)
}

// FixedLimits are limits that never change, for tools and tests that run
// without the operator's settings.
type FixedLimits struct{ Pages, Objects int }

// MaxPages returns l.Pages.
func (l FixedLimits) MaxPages(context.Context) (int, error) { return l.Pages, nil }

// MaxObjects returns l.Objects.
func (l FixedLimits) MaxObjects(context.Context) (int, error) { return l.Objects, nil }

// NewService returns the pages store on db over the base tables ts, bounded
// by limits; external answers external pages (NoExternal where there is no
// connector).
func NewService(db bun.IDB, ts *tables.Service, limits Limits, external ExternalSource) *Service {
	if limits == nil || external == nil {
		panic("pages.NewService: nil limits or external source")
	}
	return &Service{db: db, tables: ts, limits: limits, external: external,
		published: ttlcache.New[pageKey, *publishedPage](publishedTTL)}
}

func validateName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", apperr.Field("name", "field.required")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "", apperr.Field("name", "field.too_long", MaxNameLength)
	}
	return name, nil
}

func nameTaken() error {
	e := apperr.Field("name", "page.name_taken")
	e.Code = apperr.Conflict
	return e
}

// CreatePage adds a page with the default draft, within the tenant's limit.
func (s *Service) CreatePage(ctx context.Context, tenantID int64, name string) (*Page, error) {
	name, err := validateName(name)
	if err != nil {
		return nil, err
	}
	max, err := s.limits.MaxPages(ctx)
	if err != nil {
		return nil, err
	}
	p := &Page{TenantID: tenantID, Name: name, Draft: DefaultDefinition(), DraftRevision: 1}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := database.LockTenantScope(ctx, tx, "pages", tenantID); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*Page)(nil)).Where("tenant_id = ?", tenantID).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) >= max {
			return apperr.New(apperr.Invalid, "page.limit", n)
		}
		_, err = tx.NewInsert().Model(p).Returning("*").Exec(ctx)
		return err
	})
	if database.IsUniqueViolation(err) {
		return nil, nameTaken()
	}
	return p, err
}

// ListPages returns the tenant's pages by name.
func (s *Service) ListPages(ctx context.Context, tenantID int64) ([]Page, error) {
	var ps []Page
	err := s.db.NewSelect().Model(&ps).Where("tenant_id = ?", tenantID).Order("name").Scan(ctx)
	return ps, err
}

// GetPage returns a page of the tenant.
func (s *Service) GetPage(ctx context.Context, tenantID, id int64) (*Page, error) {
	p := new(Page)
	err := database.Read(ctx, s.db, func(db bun.IDB) error {
		return db.NewSelect().Model(p).Where("id = ? AND tenant_id = ?", id, tenantID).Scan(ctx)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("page.not_found")
	}
	return p, err
}

// RenamePage changes a page's name.
func (s *Service) RenamePage(ctx context.Context, tenantID, id int64, name string) (*Page, error) {
	name, err := validateName(name)
	if err != nil {
		return nil, err
	}
	res, err := s.db.NewUpdate().Model((*Page)(nil)).Set("name = ?, updated_at = now()", name).
		Where("id = ? AND tenant_id = ?", id, tenantID).Exec(ctx)
	if database.IsUniqueViolation(err) {
		return nil, nameTaken()
	}
	if err != nil {
		return nil, err
	}
	s.published.Invalidate()
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, apperr.NotFoundf("page.not_found")
	}
	return s.GetPage(ctx, tenantID, id)
}

// DeletePage removes a page and its versions.
func (s *Service) DeletePage(ctx context.Context, tenantID, id int64) error {
	res, err := s.db.NewDelete().Model((*Page)(nil)).Where("id = ? AND tenant_id = ?", id, tenantID).Exec(ctx)
	s.published.Invalidate()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("page.not_found")
	}
	return nil
}

// catalog is the tenant's published tables, for validation.
type catalog map[int64]*tables.Table

func (c catalog) PublishedTable(id int64) (map[int64]string, string, bool) {
	t, ok := c[id]
	if !ok {
		return nil, "", false
	}
	fields := make(map[int64]string, len(t.Fields))
	for _, f := range t.Fields {
		fields[f.ID] = f.Name
	}
	return fields, t.Name, true
}

// Catalog returns the tenant's published tables with their fields: the
// builder's palette and validation's reference.
func (s *Service) Catalog(ctx context.Context, tenantID int64) ([]*tables.Table, error) {
	list, err := s.tables.ListTables(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var out []*tables.Table
	for _, ts := range list {
		if ts.Status != tables.Published {
			continue
		}
		t, err := s.tables.GetTable(ctx, tenantID, ts.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Service) validate(ctx context.Context, tenantID int64, def *Definition) error {
	list, err := s.Catalog(ctx, tenantID)
	if err != nil {
		return err
	}
	cat := catalog{}
	for _, t := range list {
		cat[t.ID] = t
	}
	maxObjects, err := s.limits.MaxObjects(ctx)
	if err != nil {
		return err
	}
	granted := func(id int64) bool {
		return s.external.Granted(ctx, tenantID, id)
	}
	if def.Objects == nil {
		def.Objects = []Object{}
	}
	return def.Validate(cat, maxObjects, granted)
}

// SaveDraft validates and stores a new draft. revision is the draft
// revision the editor started from; if someone saved meanwhile the save is
// refused (0 skips the check).
//
// A draft whose only faults are rules that do not compile is saved anyway
// (one rule being written must not hold back every other edit); the page
// returned lists them in DraftProblems, and Publish refuses them.
func (s *Service) SaveDraft(ctx context.Context, tenantID, id int64, def Definition, revision int64) (*Page, error) {
	problems, err := ruleProblemsOnly(s.validate(ctx, tenantID, &def))
	if err != nil {
		return nil, err
	}
	q := s.db.NewUpdate().Model((*Page)(nil)).
		Set("draft = ?", def).Set("draft_revision = draft_revision + 1").Set("updated_at = now()").
		Where("id = ? AND tenant_id = ?", id, tenantID)
	if revision > 0 {
		q = q.Where("draft_revision = ?", revision)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetPage(ctx, tenantID, id); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.Conflict, "page.stale")
	}
	p, err := s.GetPage(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	p.DraftProblems = problems
	return p, nil
}

// ruleProblemsOnly splits a validation error: when every fault is a rule
// that does not compile, it returns them as problems and no error.
func ruleProblemsOnly(err error) ([]apperr.FieldError, error) {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid || len(e.Fields) == 0 {
		return nil, err
	}
	for _, f := range e.Fields {
		if !strings.HasPrefix(f.Key, "rule.") {
			return nil, err
		}
	}
	return e.Fields, nil
}

// Publish freezes the current draft as the next version, which agents see
// from now on.
func (s *Service) Publish(ctx context.Context, tenantID, id int64, by *int64, note string) (*Version, error) {
	p, err := s.GetPage(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	// Tables may have changed since the draft was saved: check again.
	if err := s.validate(ctx, tenantID, &p.Draft); err != nil {
		return nil, err
	}
	return s.freeze(ctx, p, p.Draft, by, note, false)
}

// freeze stores def as the page's next version and makes it the published
// one; resetDraft also makes it the draft, in the same transaction.
func (s *Service) freeze(ctx context.Context, p *Page, def Definition, by *int64, note string, resetDraft bool) (*Version, error) {
	v := &Version{TenantID: p.TenantID, PageID: p.ID, Definition: def, PublishedBy: by, Note: strings.TrimSpace(note)}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Lock the page so two publishers get consecutive numbers.
		var current *int
		if err := tx.NewSelect().Model((*Page)(nil)).Column("published_version").
			Where("id = ? AND tenant_id = ?", p.ID, p.TenantID).For("UPDATE").Scan(ctx, &current); err != nil {
			return err
		}
		var last int
		if err := tx.NewSelect().Model((*Version)(nil)).ColumnExpr("coalesce(max(version), 0)").
			Where("page_id = ?", p.ID).Scan(ctx, &last); err != nil {
			return err
		}
		v.Version = last + 1
		if _, err := tx.NewInsert().Model(v).Returning("*").Exec(ctx); err != nil {
			return err
		}
		q := tx.NewUpdate().Model((*Page)(nil)).Set("published_version = ?", v.Version).Set("updated_at = now()").
			Where("id = ? AND tenant_id = ?", p.ID, p.TenantID)
		if resetDraft {
			q = q.Set("draft = ?", def).Set("draft_revision = draft_revision + 1")
		}
		_, err := q.Exec(ctx)
		return err
	})
	s.published.Invalidate()
	return v, err
}

// Versions returns a page's published versions, newest first, with who
// published each.
func (s *Service) Versions(ctx context.Context, tenantID, id int64) ([]Version, error) {
	if _, err := s.GetPage(ctx, tenantID, id); err != nil {
		return nil, err
	}
	var vs []Version
	err := s.db.NewSelect().Model(&vs).ColumnExpr("v.*").
		ColumnExpr("coalesce(nullif(u.display_name, ''), u.username, '') AS publisher_name").
		Join("LEFT JOIN users AS u ON u.id = v.published_by").
		Where("v.page_id = ? AND v.tenant_id = ?", id, tenantID).Order("v.version DESC").Scan(ctx)
	return vs, err
}

// Rollback publishes an earlier version again, as a new version (so the
// history stays a straight line), and resets the draft to it.
func (s *Service) Rollback(ctx context.Context, tenantID, id int64, version int, by *int64) (*Version, error) {
	p, err := s.GetPage(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if p.PublishedVersion != nil && *p.PublishedVersion == version {
		// Agents see it already; a copy would only add a confusing version.
		return nil, apperr.New(apperr.Conflict, "page.rollback_current", version)
	}
	old := new(Version)
	err = s.db.NewSelect().Model(old).Where("page_id = ? AND tenant_id = ? AND version = ?", id, tenantID, version).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("page.version_not_found")
	}
	if err != nil {
		return nil, err
	}
	// One transaction: a rollback that published but kept the newer draft
	// would have the next Publish silently undo it.
	return s.freeze(ctx, p, old.Definition, by, "rollback to v"+itoa(version), true)
}

// PublishedVersion returns the version agents see.
func (s *Service) PublishedVersion(ctx context.Context, tenantID, id int64) (*Page, *Version, error) {
	p, err := s.GetPage(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	if p.PublishedVersion == nil {
		return p, nil, apperr.NotFoundf("page.not_published")
	}
	v := new(Version)
	err = database.Read(ctx, s.db, func(db bun.IDB) error {
		return db.NewSelect().Model(v).Where("page_id = ? AND tenant_id = ? AND version = ?", id, tenantID, *p.PublishedVersion).Scan(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	return p, v, nil
}
