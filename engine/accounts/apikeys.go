package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
)

// apiKeyPrefix marks screenpop keys so that secret scanners can find leaked ones.
const apiKeyPrefix = "sp_"

// APIKey is a tenant's credential for the REST API. The key itself is shown
// once at creation; the database keeps only its hash and a short prefix for
// recognising it in lists.
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys,alias:k"`

	ID       int64    `bun:",pk,autoincrement" json:"id"`
	TenantID int64    `bun:",notnull" json:"-"`
	Name     string   `bun:",notnull" json:"name"`
	Prefix   string   `bun:",notnull" json:"prefix"`
	KeyHash  []byte   `bun:",notnull" json:"-"`
	Scopes   []string `bun:",array,notnull" json:"scopes"`
	// PageID binds the key to one page of its tenant: such a key serves
	// that page as POST /rest/v1/queryCustomer and may do nothing else.
	PageID     *int64     `json:"pageId,omitempty"`
	CreatedBy  *int64     `json:"-"`
	CreatedAt  time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// NewAPIKey is the input for CreateAPIKey.
type NewAPIKey struct {
	TenantID  int64
	Name      string
	Scopes    []string
	CreatedBy *int64
	// PageID binds the key to a published page of the tenant (queryCustomer).
	PageID *int64
}

// CreateAPIKey makes a key and returns it in clear, once.
func (s *Service) CreateAPIKey(ctx context.Context, in NewAPIKey) (string, *APIKey, error) {
	in.Name = strings.TrimSpace(in.Name)
	var v apperr.Fields
	switch {
	case in.Name == "":
		v.Add("name", "field.required")
	case utf8.RuneCountInString(in.Name) > 128:
		v.Add("name", "field.too_long", 128)
	}
	for _, sc := range in.Scopes {
		if !slices.Contains(KnownPermissions, Permission(sc)) {
			v.Add("scopes", "field.permission", sc)
		}
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	if err := checkGrant(ctx, 0, nil, in.Scopes); err != nil {
		return "", nil, err
	}
	if _, err := s.TenantByID(ctx, in.TenantID); err != nil {
		return "", nil, err
	}
	if in.PageID != nil {
		if err := s.checkKeyPage(ctx, in.TenantID, *in.PageID); err != nil {
			return "", nil, err
		}
	}
	secret := apiKeyPrefix + randomToken(32)
	scopes := in.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	k := &APIKey{
		TenantID: in.TenantID, Name: in.Name, Prefix: secret[:len(apiKeyPrefix)+6],
		KeyHash: hashToken(secret), Scopes: scopes, CreatedBy: in.CreatedBy, PageID: in.PageID,
	}
	if _, err := s.db.NewInsert().Model(k).Returning("*").Exec(ctx); err != nil {
		return "", nil, fmt.Errorf("create api key: %w", err)
	}
	if err := s.recordAction(ctx, &k.TenantID, "apikey.create", fmt.Sprintf("apikey:%d", k.ID),
		map[string]any{"key": k.Prefix, "name": k.Name, "scopes": k.Scopes, "pageId": k.PageID}); err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// ListAPIKeys returns a tenant's keys, newest first.
func (s *Service) ListAPIKeys(ctx context.Context, tenantID int64) ([]APIKey, error) {
	var ks []APIKey
	err := s.db.NewSelect().Model(&ks).Where("tenant_id = ?", tenantID).Order("id DESC").Scan(ctx)
	return ks, err
}

// RevokeAPIKey stops a key of the tenant from working.
func (s *Service) RevokeAPIKey(ctx context.Context, tenantID, id int64) error {
	return s.revoke(ctx, tenantID, "id = ?", id)
}

// RevokeAPIKeyByPrefix revokes by the prefix shown in lists (for the CLI).
func (s *Service) RevokeAPIKeyByPrefix(ctx context.Context, tenantID int64, prefix string) error {
	return s.revoke(ctx, tenantID, "prefix = ?", prefix)
}

// revoke ends the keys of the tenant matching where, and audits it.
func (s *Service) revoke(ctx context.Context, tenantID int64, where string, arg any) error {
	var ks []APIKey
	err := s.db.NewUpdate().Model((*APIKey)(nil)).
		Set("revoked_at = coalesce(revoked_at, ?)", s.now()).
		Where(where+" AND tenant_id = ?", arg, tenantID).Returning("id, prefix, name").Scan(ctx, &ks)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if len(ks) == 0 {
		return apperr.NotFoundf("apikey.not_found")
	}
	for _, k := range ks {
		if err := s.recordAction(ctx, &tenantID, "apikey.revoke", fmt.Sprintf("apikey:%d", k.ID),
			map[string]any{"key": k.Prefix, "name": k.Name}); err != nil {
			return err
		}
	}
	return nil
}

// AuthenticateAPIKey returns the live key for a presented secret.
func (s *Service) AuthenticateAPIKey(ctx context.Context, secret string) (*APIKey, error) {
	if !strings.HasPrefix(secret, apiKeyPrefix) {
		return nil, apperr.New(apperr.Unauthorized, "apikey.invalid")
	}
	k := new(APIKey)
	err := s.db.NewSelect().Model(k).
		Join("JOIN tenants AS t ON t.id = k.tenant_id").
		Where("k.key_hash = ?", hashToken(secret)).
		Where("k.revoked_at IS NULL").
		Where("NOT t.disabled").
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.Unauthorized, "apikey.invalid")
	}
	if err != nil {
		return nil, err
	}
	// Last use is informative; only write it once a minute per key.
	if k.LastUsedAt == nil || s.now().Sub(*k.LastUsedAt) > time.Minute {
		_, _ = s.db.NewUpdate().Model(k).Set("last_used_at = ?", s.now()).WherePK().Exec(ctx)
	}
	return k, nil
}
