package external

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"golang.org/x/net/http/httpguts"

	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// Limits of an interface's settings.
const (
	MaxNameLength        = 128
	MaxDescriptionLength = 512
	MaxURLLength         = 2048
	MaxHeaders           = 20
	MaxHeaderValueLength = 4096
	MinTimeout           = 100 * time.Millisecond
	DefaultTimeout       = querycustomer.DefaultTimeout // 3 s
	MaxTimeout           = querycustomer.MaxTimeout     // 10 s
	MaxRetries           = querycustomer.MaxRetries     // 2
)

// KeepValue, given as a header's value in an update, keeps the value stored
// for that header name: forms show stored secrets as KeepValue and never in
// clear.
const KeepValue = "********"

// Interface is one registered external interface. Its header values are
// sealed at rest and never part of this struct's JSON.
type Interface struct {
	bun.BaseModel `bun:"table:external_interfaces,alias:xi"`

	ID            int64     `bun:",pk,autoincrement" json:"id"`
	Name          string    `bun:",notnull" json:"name"`
	Description   string    `bun:",notnull" json:"description"`
	URL           string    `bun:"url,notnull" json:"url"`
	HeadersSealed []byte    `json:"-"`
	HeaderNames   []string  `bun:",array,notnull" json:"headerNames" doc:"Names of the extra headers; their values are sealed and never shown"`
	TimeoutMS     int       `bun:"timeout_ms,notnull" json:"timeoutMs"`
	Retries       int       `bun:",notnull" json:"retries"`
	AllowHTTP     bool      `bun:"allow_http,notnull" json:"allowHttp"`
	CreatedAt     time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
	UpdatedAt     time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updatedAt"`
	// TenantIDs are the tenants granted the interface (filled by List and Get).
	TenantIDs []int64 `bun:"-" json:"tenantIds"`
}

// Timeout is the interface's timeout as a duration.
func (it *Interface) Timeout() time.Duration { return time.Duration(it.TimeoutMS) * time.Millisecond }

// Input creates or changes an interface.
type Input struct {
	Name        string
	Description string
	URL         string
	// Headers are extra request headers (typically a token). On update, nil
	// keeps the stored headers; a map replaces them, where a value of
	// KeepValue keeps the stored value of that name.
	Headers map[string]string
	// TimeoutMS is the timeout in milliseconds: 0 means the default (3 s);
	// otherwise 100 to 10000.
	TimeoutMS int
	// Retries (0–2) repeats a query only when its connection failed.
	Retries int
	// AllowHTTP permits an http:// URL for this interface.
	AllowHTTP bool
}

// grant is one tenant's right to use an interface.
type grant struct {
	bun.BaseModel `bun:"table:external_interface_grants,alias:g"`

	TenantID    int64     `bun:",pk"`
	InterfaceID int64     `bun:",pk"`
	GrantedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp"`
}

// associatedData binds sealed headers to their interface: a ciphertext
// copied to another interface's row does not open.
func associatedData(id int64) []byte {
	return []byte("screenpop:external-interface:" + strconv.FormatInt(id, 10))
}

func (s *Service) seal(id int64, headers map[string]string) ([]byte, error) {
	if len(headers) == 0 {
		return nil, nil
	}
	plain, err := json.Marshal(headers)
	if err != nil {
		return nil, err
	}
	return s.aead.Encrypt(plain, associatedData(id))
}

// Headers opens an interface's sealed headers.
func (s *Service) Headers(it *Interface) (map[string]string, error) {
	if len(it.HeadersSealed) == 0 {
		return map[string]string{}, nil
	}
	plain, err := s.aead.Decrypt(it.HeadersSealed, associatedData(it.ID))
	if err != nil {
		return nil, fmt.Errorf("external interface %d: headers do not open (wrong master key, or moved from another row): %w", it.ID, err)
	}
	h := map[string]string{}
	if err := json.Unmarshal(plain, &h); err != nil {
		return nil, fmt.Errorf("external interface %d: headers: %w", it.ID, err)
	}
	return h, nil
}

// normalize checks an input against the limits; stored are the headers
// kept so far (for KeepValue), nil on create.
func normalize(in *Input, stored map[string]string, update bool) (map[string]string, error) {
	var v apperr.Fields
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	in.URL = strings.TrimSpace(in.URL)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		v.Add("name", "field.required")
	case n > MaxNameLength:
		v.Add("name", "field.too_long", MaxNameLength)
	}
	if utf8.RuneCountInString(in.Description) > MaxDescriptionLength {
		v.Add("description", "field.too_long", MaxDescriptionLength)
	}
	if in.TimeoutMS == 0 {
		in.TimeoutMS = int(DefaultTimeout / time.Millisecond)
	}
	if in.TimeoutMS < int(MinTimeout/time.Millisecond) || in.TimeoutMS > int(MaxTimeout/time.Millisecond) {
		v.Add("timeoutMs", "field.range", int(MinTimeout/time.Millisecond), int(MaxTimeout/time.Millisecond))
	}
	if in.Retries < 0 || in.Retries > MaxRetries {
		v.Add("retries", "field.range", 0, MaxRetries)
	}

	headers := stored
	if !update || in.Headers != nil {
		headers = map[string]string{}
		for k, val := range in.Headers {
			k = strings.TrimSpace(k)
			if val == KeepValue {
				old, ok := stored[headerKey(stored, k)]
				if !ok {
					v.Add("headers", "external.header_keep", k)
					continue
				}
				val = old
			}
			headers[k] = val
		}
	}
	if len(headers) > MaxHeaders {
		v.Add("headers", "external.too_many_headers", MaxHeaders)
	}
	seen := map[string]bool{}
	for k, val := range headers {
		ck := http.CanonicalHeaderKey(k)
		switch {
		case !httpguts.ValidHeaderFieldName(k):
			v.Add("headers", "external.header_name", k)
		case reservedHeader(ck):
			v.Add("headers", "external.header_reserved", k)
		case seen[ck]:
			v.Add("headers", "external.header_twice", k)
		case strings.ContainsAny(val, "\r\n\x00") || len(val) > MaxHeaderValueLength:
			v.Add("headers", "external.header_value", k)
		}
		seen[ck] = true
	}

	switch {
	case in.URL == "":
		v.Add("url", "field.required")
	case len(in.URL) > MaxURLLength:
		v.Add("url", "field.too_long", MaxURLLength)
	default:
		u, err := url.Parse(in.URL)
		if err == nil && strings.EqualFold(u.Scheme, "http") && !in.AllowHTTP {
			v.Add("url", "external.https_only")
			break
		}
		if err := querycustomer.CheckEndpoint(querycustomer.Endpoint{URL: in.URL, AllowHTTP: in.AllowHTTP}); err != nil {
			var qe *querycustomer.Error
			msg := err.Error()
			if errors.As(err, &qe) {
				msg = qe.Message
			}
			v.Add("url", "external.url_invalid", msg)
		}
	}
	return headers, v.Err()
}

// headerKey finds a header name in m regardless of case.
func headerKey(m map[string]string, k string) string {
	for name := range m {
		if strings.EqualFold(name, k) {
			return name
		}
	}
	return k
}

// reservedHeader: set by the client itself, or hop-by-hop.
func reservedHeader(ck string) bool {
	switch ck {
	case "Content-Type", "Content-Length", "Host", "Connection", "Transfer-Encoding", "Accept-Encoding", "Te", "Upgrade", "Keep-Alive", "Proxy-Connection":
		return true
	}
	return false
}

func headerNames(h map[string]string) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func nameTaken() error {
	e := apperr.Field("name", "external.name_taken")
	e.Code = apperr.Conflict
	return e
}

// Create registers an interface (granted to nobody yet).
func (s *Service) Create(ctx context.Context, in Input) (*Interface, error) {
	headers, err := normalize(&in, nil, false)
	if err != nil {
		return nil, err
	}
	it := &Interface{Name: in.Name, Description: in.Description, URL: in.URL, HeaderNames: headerNames(headers),
		TimeoutMS: in.TimeoutMS, Retries: in.Retries, AllowHTTP: in.AllowHTTP}
	err = database.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(it).ExcludeColumn("headers_sealed").Returning("*").Exec(ctx); err != nil {
			return err
		}
		// The id is the associated data, so sealing waits for it.
		sealed, err := s.seal(it.ID, headers)
		if err != nil {
			return err
		}
		it.HeadersSealed = sealed
		_, err = tx.NewUpdate().Model(it).Column("headers_sealed").WherePK().Exec(ctx)
		return err
	})
	if database.IsUniqueViolation(err) {
		return nil, nameTaken()
	}
	if err != nil {
		return nil, err
	}
	s.invalidate()
	it.TenantIDs = []int64{}
	return it, nil
}

// Update changes an interface; see Input.Headers for how headers are kept.
func (s *Service) Update(ctx context.Context, id int64, in Input) (*Interface, error) {
	it, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	stored, err := s.Headers(it)
	if err != nil {
		return nil, err
	}
	headers, err := normalize(&in, stored, true)
	if err != nil {
		return nil, err
	}
	sealed, err := s.seal(id, headers)
	if err != nil {
		return nil, err
	}
	it.Name, it.Description, it.URL = in.Name, in.Description, in.URL
	it.HeadersSealed, it.HeaderNames = sealed, headerNames(headers)
	it.TimeoutMS, it.Retries, it.AllowHTTP = in.TimeoutMS, in.Retries, in.AllowHTTP
	_, err = s.db.NewUpdate().Model(it).
		Column("name", "description", "url", "headers_sealed", "header_names", "timeout_ms", "retries", "allow_http").
		Set("updated_at = now()").WherePK().Exec(ctx)
	if database.IsUniqueViolation(err) {
		return nil, nameTaken()
	}
	if err != nil {
		return nil, err
	}
	s.invalidate()
	return s.Get(ctx, id)
}

// Delete removes an interface and its grants. Pages built on it show
// "customer information unavailable (not configured)".
func (s *Service) Delete(ctx context.Context, id int64) error {
	res, err := s.db.NewDelete().Model((*Interface)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("external.not_found")
	}
	s.invalidate()
	return nil
}

// Get returns an interface with its grants.
func (s *Service) Get(ctx context.Context, id int64) (*Interface, error) {
	it := new(Interface)
	err := s.db.NewSelect().Model(it).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("external.not_found")
	}
	if err != nil {
		return nil, err
	}
	if err := s.fillGrants(ctx, []*Interface{it}); err != nil {
		return nil, err
	}
	return it, nil
}

// List returns every interface by name, with its grants.
func (s *Service) List(ctx context.Context) ([]*Interface, error) {
	var its []*Interface
	if err := s.db.NewSelect().Model(&its).Order("name").Scan(ctx); err != nil {
		return nil, err
	}
	return its, s.fillGrants(ctx, its)
}

func (s *Service) fillGrants(ctx context.Context, its []*Interface) error {
	if len(its) == 0 {
		return nil
	}
	byID := make(map[int64]*Interface, len(its))
	ids := make([]int64, 0, len(its))
	for _, it := range its {
		it.TenantIDs = []int64{}
		byID[it.ID] = it
		ids = append(ids, it.ID)
	}
	var gs []grant
	if err := s.db.NewSelect().Model(&gs).Where("interface_id IN (?)", bun.List(ids)).Order("tenant_id").Scan(ctx); err != nil {
		return err
	}
	for _, g := range gs {
		byID[g.InterfaceID].TenantIDs = append(byID[g.InterfaceID].TenantIDs, g.TenantID)
	}
	return nil
}

// SetGrants makes tenantIDs exactly the tenants granted the interface.
// Pages of a tenant that loses its grant show "customer information
// unavailable (not granted)" until it is granted again.
func (s *Service) SetGrants(ctx context.Context, id int64, tenantIDs []int64) error {
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	ids := slices.Clone(tenantIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	err := database.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if len(ids) > 0 {
			var n int
			if err := tx.NewSelect().Table("tenants").ColumnExpr("count(*)").Where("id IN (?)", bun.List(ids)).Scan(ctx, &n); err != nil {
				return err
			}
			if n != len(ids) {
				return apperr.Field("tenantIds", "tenant.not_found")
			}
		}
		q := tx.NewDelete().Model((*grant)(nil)).Where("interface_id = ?", id)
		if len(ids) > 0 {
			q = q.Where("tenant_id NOT IN (?)", bun.List(ids))
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		rows := make([]grant, 0, len(ids))
		for _, t := range ids {
			rows = append(rows, grant{TenantID: t, InterfaceID: id})
		}
		_, err := tx.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx)
		return err
	})
	if err != nil {
		return err
	}
	s.invalidate()
	return nil
}

// Granted reports whether the tenant may use the interface: the check
// page validation runs when a page is saved or published.
func (s *Service) Granted(ctx context.Context, tenantID, id int64) bool {
	ok, err := s.db.NewSelect().Model((*grant)(nil)).Where("tenant_id = ? AND interface_id = ?", tenantID, id).Exists(ctx)
	return err == nil && ok
}

// GrantedInterface is an interface as a tenant sees it in the page builder.
type GrantedInterface struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// ForTenant lists the interfaces granted to a tenant, by name. Tenants see
// names and descriptions only, never URLs or headers.
func (s *Service) ForTenant(ctx context.Context, tenantID int64) ([]GrantedInterface, error) {
	out := []GrantedInterface{}
	err := s.db.NewSelect().Model((*Interface)(nil)).Column("xi.id", "xi.name", "xi.description").
		Join("JOIN external_interface_grants AS g ON g.interface_id = xi.id").
		Where("g.tenant_id = ?", tenantID).Order("xi.name").Scan(ctx, &out)
	return out, err
}
