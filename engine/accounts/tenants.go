package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// Tenant is one customer organisation; all its data carries its id.
type Tenant struct {
	bun.BaseModel `bun:"table:tenants,alias:t"`

	ID        int64     `bun:",pk,autoincrement" json:"id"`
	Slug      string    `bun:",notnull" json:"slug"`
	Name      string    `bun:",notnull" json:"name"`
	Disabled  bool      `bun:",notnull" json:"disabled"`
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// NewTenant is the input for CreateTenant.
type NewTenant struct {
	Slug string
	Name string
}

func (n *NewTenant) validate() error {
	n.Slug = strings.TrimSpace(n.Slug)
	n.Name = strings.TrimSpace(n.Name)
	var v apperr.Fields
	if !slugPattern.MatchString(n.Slug) {
		v.Add("slug", "field.slug")
	}
	switch {
	case n.Name == "":
		v.Add("name", "field.required")
	case utf8.RuneCountInString(n.Name) > 128:
		v.Add("name", "field.too_long", 128)
	}
	return v.Err()
}

// CreateTenant adds a tenant.
func (s *Service) CreateTenant(ctx context.Context, in NewTenant) (*Tenant, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	t := &Tenant{Slug: in.Slug, Name: in.Name}
	if _, err := s.db.NewInsert().Model(t).Returning("*").Exec(ctx); err != nil {
		if database.IsUniqueViolation(err) {
			e := apperr.Field("slug", "tenant.slug_taken")
			e.Code = apperr.Conflict
			return nil, e
		}
		return nil, fmt.Errorf("create tenant: %w", err)
	}
	return t, nil
}

// ListTenants returns every tenant, oldest first (operator only).
func (s *Service) ListTenants(ctx context.Context) ([]Tenant, error) {
	var ts []Tenant
	err := s.db.NewSelect().Model(&ts).Order("id").Scan(ctx)
	return ts, err
}

// TenantByID finds a tenant.
func (s *Service) TenantByID(ctx context.Context, id int64) (*Tenant, error) {
	return s.tenantWhere(ctx, "id = ?", id)
}

// TenantBySlug finds a tenant by its code.
func (s *Service) TenantBySlug(ctx context.Context, slug string) (*Tenant, error) {
	return s.tenantWhere(ctx, "slug = ?", slug)
}

func (s *Service) tenantWhere(ctx context.Context, where string, arg any) (*Tenant, error) {
	t := new(Tenant)
	// The pop path reads the tenant from a replica (database.Read).
	err := database.Read(ctx, s.db, func(db bun.IDB) error { return db.NewSelect().Model(t).Where(where, arg).Scan(ctx) })
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("tenant.not_found")
	}
	if err != nil {
		// A database that is down says nothing about the tenant: the
		// caller must not answer "unknown tenant".
		return nil, database.Classify(err)
	}
	return t, nil
}

// SetTenantDisabled disables or re-enables a tenant. A disabled tenant's
// users cannot sign in and its API keys stop working.
func (s *Service) SetTenantDisabled(ctx context.Context, id int64, disabled bool) error {
	res, err := s.db.NewUpdate().Model((*Tenant)(nil)).Set("disabled = ?", disabled).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("tenant.not_found")
	}
	return nil
}
