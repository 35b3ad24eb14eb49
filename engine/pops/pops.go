// Package pops is the configuration side of screen pops (弹屏配置, SPEC §7)
// and the tenant's platform settings the pop runtime needs (§8): which pages
// pop for which media type, in which order, how they open and which call
// parameters they get; which platform origins may frame pops, which client
// addresses are trusted, and the Sobot credentials. The per-platform
// parameter handling lives in the dialect sub-package.
package pops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/ttlcache"
	"github.com/screenpop/screenpop/pages"
)

// Enumerations of a pop configuration.
const (
	MediaAudio      = "audio"      // 音视频
	MediaMultimedia = "multimedia" // 多媒体

	PageExternal = "external"
	PageInternal = "internal"

	OpenEmbed      = "embed"      // in an iframe of the agent desk
	OpenStandalone = "standalone" // its own window
	OpenHidden     = "hidden"     // loaded unseen, e.g. for call logging

	MethodGet    = "get"    // parameters in the URL
	MethodPost   = "post"   // parameters as a form body, not in the URL
	MethodWebAPI = "webapi" // the page uses the JS SDK

	TriggerRinging  = "ringing"  // 振铃
	TriggerAnswered = "answered" // 摘机 / Talking
	TriggerReleased = "released" // 挂机 / Release

	SourceCall  = "call"  // a call-data parameter
	SourceAssoc = "assoc" // an associated-data (随路数据) key
)

// MediaTypes lists the tabs of the configuration page.
var MediaTypes = []string{MediaAudio, MediaMultimedia}

// Param maps one URL parameter of an external page to a call value.
type Param struct {
	Name   string `json:"name" doc:"The page's URL parameter name"`
	Source string `json:"source" enum:"call,assoc" doc:"call: a call-data parameter; assoc: an associated-data key"`
	Key    string `json:"key" doc:"callerNum, calledNum, callid, mediaType, callType, workNo, callskill, callskillid, agentName; or the associated-data key"`
}

// Config is one pop page of a tenant.
type Config struct {
	bun.BaseModel `bun:"table:pop_configs,alias:pc"`

	ID          int64     `bun:",pk,autoincrement" json:"id"`
	TenantID    int64     `bun:",notnull" json:"-"`
	MediaType   string    `bun:",notnull" json:"mediaType"`
	Name        string    `bun:",notnull" json:"name"`
	PageType    string    `bun:",notnull" json:"pageType"`
	URL         string    `bun:"url,notnull" json:"url,omitempty"`
	PageID      *int64    `json:"pageId,omitempty"`
	OpenMode    string    `bun:",notnull" json:"openMode"`
	Method      string    `bun:",notnull" json:"method"`
	Enabled     bool      `bun:",notnull" json:"enabled"`
	Position    int       `bun:",notnull" json:"position"`
	Homepage    bool      `bun:",notnull" json:"homepage"`
	AlwaysShown bool      `bun:",notnull" json:"alwaysShown"`
	Trigger     string    `bun:",notnull" json:"trigger"`
	Params      []Param   `bun:"type:jsonb,notnull" json:"params"`
	CreatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updatedAt"`
}

// EffectiveParams returns the configured parameters, or the nine default
// call-data parameters when none are configured (SPEC §7).
func (c *Config) EffectiveParams() []Param {
	if len(c.Params) > 0 {
		return c.Params
	}
	out := make([]Param, 0, 9)
	for _, k := range dialect.HuaweiDefaultParams() {
		out = append(out, Param{Name: k, Source: SourceCall, Key: k})
	}
	return out
}

// ConfigInput is a configuration to create, or the new state of one.
type ConfigInput struct {
	MediaType   string  `json:"mediaType" enum:"audio,multimedia"`
	Name        string  `json:"name" maxLength:"64"`
	PageType    string  `json:"pageType" enum:"external,internal"`
	URL         string  `json:"url,omitempty" doc:"External pages: an https address matching the operator's URL whitelist"`
	PageID      int64   `json:"pageId,omitempty" doc:"Internal pages: a published custom page"`
	OpenMode    string  `json:"openMode" enum:"embed,standalone,hidden"`
	Method      string  `json:"method,omitempty" enum:"get,post,webapi" doc:"How an external page gets the parameters; default get"`
	Enabled     bool    `json:"enabled"`
	Homepage    bool    `json:"homepage,omitempty" doc:"At most one per media type; setting it moves the flag here"`
	AlwaysShown bool    `json:"alwaysShown,omitempty" doc:"Shown at all times, not only on a call (Tencent 常显)"`
	Trigger     string  `json:"trigger,omitempty" enum:"ringing,answered,released" doc:"Default ringing"`
	Params      []Param `json:"params,omitempty" doc:"Empty: the nine default call-data parameters"`
}

// Service stores pop configurations and platform settings.
type Service struct {
	db       bun.IDB
	settings *settings.Service
	pages    *pages.Service
	sealer   Sealer

	settingsCache sync.Map // tenant id → cachedSettings
	// settingsSaves counts saves, under settingsMu, so that a read that
	// began before a save does not put what it read into the cache after
	// the save emptied it.
	settingsMu    sync.Mutex
	settingsSaves uint64
	// params caches ParamOptions per page for the pop runtime's hot path;
	// this service's changes to configurations empty it.
	params *ttlcache.Cache[[2]int64, dialect.Options]
}

// Sealer encrypts tenant secrets (the tenant keyring).
type Sealer interface {
	Seal(ctx context.Context, tenantID int64, plaintext, ad []byte) ([]byte, error)
	Open(ctx context.Context, tenantID int64, ciphertext, ad []byte) ([]byte, error)
}

// New returns the pops service.
func New(db bun.IDB, st *settings.Service, ps *pages.Service, sealer Sealer) *Service {
	return &Service{db: db, settings: st, pages: ps, sealer: sealer,
		params: ttlcache.New[[2]int64, dialect.Options](settingsTTL)}
}

var (
	paramNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)
	assocKeyPattern  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// validate checks in against the rules of SPEC §7 and the tenant's pages.
func (s *Service) validate(ctx context.Context, tenantID int64, in *ConfigInput) error {
	in.Name = strings.TrimSpace(in.Name)
	in.URL = strings.TrimSpace(in.URL)
	if in.Method == "" {
		in.Method = MethodGet
	}
	if in.Trigger == "" {
		in.Trigger = TriggerRinging
	}
	var v apperr.Fields
	if !slices.Contains(MediaTypes, in.MediaType) {
		v.Add("mediaType", "pop.media_type")
	}
	switch {
	case in.Name == "":
		v.Add("name", "field.required")
	case utf8.RuneCountInString(in.Name) > 64:
		v.Add("name", "field.too_long", 64)
	}
	if err := s.validatePage(ctx, tenantID, in, &v); err != nil {
		return err
	}
	if !slices.Contains([]string{OpenEmbed, OpenStandalone, OpenHidden}, in.OpenMode) {
		v.Add("openMode", "pop.open_mode")
	}
	if !slices.Contains([]string{MethodGet, MethodPost, MethodWebAPI}, in.Method) {
		v.Add("method", "pop.method")
	}
	if !slices.Contains([]string{TriggerRinging, TriggerAnswered, TriggerReleased}, in.Trigger) {
		v.Add("trigger", "pop.trigger")
	}
	if in.Homepage && !in.Enabled {
		v.Add("homepage", "pop.homepage_disabled")
	}
	maxParams, err := s.settings.Param(ctx, settings.URLParamsPerPage)
	if err != nil {
		return err
	}
	validateParams(in, maxParams, &v)
	return v.Err()
}

// validatePage checks what the pop shows: an https address on the
// operator's whitelist, or a published page of the tenant. Errors are
// failures to check, not findings (those go to v).
func (s *Service) validatePage(ctx context.Context, tenantID int64, in *ConfigInput, v *apperr.Fields) error {
	switch in.PageType {
	case PageExternal:
		in.PageID = 0
		switch {
		case in.URL == "":
			v.Add("url", "field.required")
		case !strings.HasPrefix(strings.ToLower(in.URL), "https://"):
			v.Add("url", "pop.https_only")
		default:
			ok, err := s.settings.URLAllowed(ctx, in.URL)
			if err != nil {
				return err
			}
			if !ok {
				v.Add("url", "pop.not_whitelisted")
			}
		}
	case PageInternal:
		in.URL = ""
		if in.PageID == 0 {
			v.Add("pageId", "pop.page_required")
		} else if p, err := s.pages.GetPage(ctx, tenantID, in.PageID); err != nil {
			if !apperr.Is(err, apperr.NotFound) {
				return err
			}
			v.Add("pageId", "pop.page_required")
		} else if p.PublishedVersion == nil {
			v.Add("pageId", "pop.page_unpublished")
		}
	default:
		v.Add("pageType", "pop.page_type")
	}
	return nil
}

// validateParams checks the URL parameters (at most maxParams, unique
// names, known sources and keys), trimming them in a copy of the caller's
// slice.
func validateParams(in *ConfigInput, maxParams int, v *apperr.Fields) {
	if len(in.Params) > maxParams {
		v.Add("params", "pop.too_many_params", maxParams)
	}
	names := map[string]bool{}
	in.Params = slices.Clone(in.Params) // trimmed below: not in the caller's slice
	for i, p := range in.Params {
		at := fmt.Sprintf("params[%d]", i)
		p.Name, p.Key = strings.TrimSpace(p.Name), strings.TrimSpace(p.Key)
		in.Params[i] = p
		if !paramNamePattern.MatchString(p.Name) {
			v.Add(at+".name", "pop.param_name")
		} else if names[p.Name] {
			v.Add(at+".name", "pop.param_twice", p.Name)
		}
		names[p.Name] = true
		switch p.Source {
		case SourceCall:
			if !slices.Contains(dialect.HuaweiDefaultParams(), p.Key) {
				v.Add(at+".key", "pop.param_call_key")
			}
		case SourceAssoc:
			if !assocKeyPattern.MatchString(p.Key) {
				v.Add(at+".key", "pop.param_assoc_key")
			}
		default:
			v.Add(at+".source", "pop.param_source")
		}
	}
	if in.Params == nil {
		in.Params = []Param{}
	}
}

func (in *ConfigInput) apply(c *Config) {
	c.MediaType, c.Name, c.PageType, c.URL = in.MediaType, in.Name, in.PageType, in.URL
	c.PageID = nil
	if in.PageID != 0 {
		id := in.PageID
		c.PageID = &id
	}
	c.OpenMode, c.Method, c.Enabled, c.Homepage = in.OpenMode, in.Method, in.Enabled, in.Homepage
	c.AlwaysShown, c.Trigger, c.Params = in.AlwaysShown, in.Trigger, in.Params
}

func conflictName() error {
	e := apperr.Field("name", "pop.name_taken")
	e.Code = apperr.Conflict
	return e
}

// lockTenant serialises configuration changes of one tenant, so limits,
// positions and the one homepage stay consistent under concurrent edits.
func lockTenant(ctx context.Context, tx bun.Tx, tenantID int64) error {
	return database.LockTenantScope(ctx, tx, "pop_configs", tenantID)
}

// clearHomepage removes the homepage flag from the other pops of a tab.
func clearHomepage(ctx context.Context, tx bun.Tx, tenantID int64, media string, except int64) error {
	_, err := tx.NewUpdate().Model((*Config)(nil)).Set("homepage = false").
		Where("tenant_id = ? AND media_type = ? AND homepage AND id <> ?", tenantID, media, except).Exec(ctx)
	return err
}

// CreateConfig adds a pop at the end of its tab, within the tenant's limit.
func (s *Service) CreateConfig(ctx context.Context, tenantID int64, in ConfigInput) (*Config, error) {
	defer s.params.Invalidate() // after the write: the pops of this page may read other names
	if err := s.validate(ctx, tenantID, &in); err != nil {
		return nil, err
	}
	max, err := s.settings.Param(ctx, settings.PopPagesPerMedia)
	if err != nil {
		return nil, err
	}
	c := &Config{TenantID: tenantID}
	in.apply(c)
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*Config)(nil)).Where("tenant_id = ? AND media_type = ?", tenantID, in.MediaType).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) >= max {
			return apperr.New(apperr.Invalid, "pop.limit", max)
		}
		c.Position = int(n) + 1
		if c.Homepage {
			if err := clearHomepage(ctx, tx, tenantID, c.MediaType, 0); err != nil {
				return err
			}
		}
		_, err = tx.NewInsert().Model(c).Returning("*").Exec(ctx)
		return err
	})
	if database.IsUniqueViolation(err) {
		return nil, conflictName()
	}
	return c, err
}

// ListConfigs returns a tab's pops in order (all tabs when media is "").
func (s *Service) ListConfigs(ctx context.Context, tenantID int64, media string) ([]Config, error) {
	var cs []Config
	q := s.db.NewSelect().Model(&cs).Where("tenant_id = ?", tenantID).Order("media_type", "position", "id")
	if media != "" {
		q = q.Where("media_type = ?", media)
	}
	err := q.Scan(ctx)
	return cs, err
}

// GetConfig returns one pop of the tenant.
func (s *Service) GetConfig(ctx context.Context, tenantID, id int64) (*Config, error) {
	c := new(Config)
	err := s.db.NewSelect().Model(c).Where("id = ? AND tenant_id = ?", id, tenantID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("pop.not_found")
	}
	return c, err
}

// UpdateConfig changes a pop. Disabling the homepage clears its flag; making
// a pop the homepage takes the flag from the tab's previous homepage.
func (s *Service) UpdateConfig(ctx context.Context, tenantID, id int64, in ConfigInput) (*Config, error) {
	defer s.params.Invalidate() // after the write: the pops of this page may read other names
	old, err := s.GetConfig(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if old.Homepage && !in.Enabled && in.Homepage {
		in.Homepage = false // disabling the homepage clears the flag (SPEC §7)
	}
	if err := s.validate(ctx, tenantID, &in); err != nil {
		return nil, err
	}
	if in.MediaType != old.MediaType {
		return nil, apperr.Field("mediaType", "pop.media_fixed")
	}
	c := *old
	in.apply(&c)
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		if c.Homepage {
			if err := clearHomepage(ctx, tx, tenantID, c.MediaType, c.ID); err != nil {
				return err
			}
		}
		// The row as stored (updated_at included); none if it was deleted
		// since it was read.
		err := tx.NewUpdate().Model(&c).ExcludeColumn("id", "tenant_id", "position", "created_at", "updated_at").
			Set("updated_at = now()").Where("id = ? AND tenant_id = ?", id, tenantID).Returning("*").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("pop.not_found")
		}
		return err
	})
	if database.IsUniqueViolation(err) {
		return nil, conflictName()
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// SetEnabled turns a pop on or off; turning off the homepage clears its flag.
func (s *Service) SetEnabled(ctx context.Context, tenantID, id int64, enabled bool) error {
	defer s.params.Invalidate() // after the write: the pops of this page may read other names
	q := s.db.NewUpdate().Model((*Config)(nil)).Set("enabled = ?", enabled).Set("updated_at = now()").
		Where("id = ? AND tenant_id = ?", id, tenantID)
	if !enabled {
		q = q.Set("homepage = false")
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("pop.not_found")
	}
	return nil
}

// DeleteConfig removes a pop and closes the gap in its tab's order.
func (s *Service) DeleteConfig(ctx context.Context, tenantID, id int64) error {
	defer s.params.Invalidate() // after the write: the pops of this page may read other names
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		c := new(Config)
		err := tx.NewDelete().Model(c).Where("id = ? AND tenant_id = ?", id, tenantID).Returning("media_type, position").Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("pop.not_found")
		}
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*Config)(nil)).Set("position = position - 1").
			Where("tenant_id = ? AND media_type = ? AND position > ?", tenantID, c.MediaType, c.Position).Exec(ctx)
		return err
	})
}

// Move shifts a pop one place up (-1) or down (+1) in its tab; the top one
// pops first.
func (s *Service) Move(ctx context.Context, tenantID, id int64, delta int) error {
	defer s.params.Invalidate() // after the write: the pops of this page may read other names
	if delta != -1 && delta != 1 {
		return apperr.Field("direction", "pop.move")
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		c := new(Config)
		if err := tx.NewSelect().Model(c).Where("id = ? AND tenant_id = ?", id, tenantID).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.NotFoundf("pop.not_found")
			}
			return err
		}
		other := new(Config)
		err := tx.NewSelect().Model(other).Where("tenant_id = ? AND media_type = ? AND position = ?", tenantID, c.MediaType, c.Position+delta).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already first or last
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Config)(nil)).Set("position = ?", c.Position).Where("id = ?", other.ID).Exec(ctx); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*Config)(nil)).Set("position = ?", other.Position).Where("id = ?", c.ID).Exec(ctx)
		return err
	})
}
