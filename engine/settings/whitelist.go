package settings

import (
	"context"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// WhitelistEntry is an address pattern that external pop pages may use:
// https, a host (optionally "*." for sub-domains), an optional port and an
// optional path prefix.
type WhitelistEntry struct {
	bun.BaseModel `bun:"table:url_whitelist,alias:w"`

	ID          int64     `bun:",pk,autoincrement" json:"id"`
	Pattern     string    `bun:",notnull" json:"pattern"`
	Description string    `bun:",notnull" json:"description"`
	CreatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
}

// normalizePattern checks a pattern and returns its canonical form.
func normalizePattern(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	rest := strings.TrimPrefix(host, "*.")
	if rest == "" || strings.Contains(rest, "*") || !strings.Contains(rest, ".") && rest != "localhost" {
		return "", false
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	hostport := host
	if p := u.Port(); p != "" {
		hostport += ":" + p
	}
	return "https://" + hostport + path, true
}

// Matches reports whether rawURL is allowed by the pattern: same scheme
// (https), the same host or a sub-domain for "*.", the same port, and a path
// that starts with the pattern's path at a segment boundary.
func (e WhitelistEntry) Matches(rawURL string) bool {
	p, err := url.Parse(e.Pattern)
	if err != nil {
		return false
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.User != nil {
		return false
	}
	host, phost := strings.ToLower(u.Hostname()), p.Hostname()
	if strings.HasPrefix(phost, "*.") {
		if !strings.HasSuffix(host, phost[1:]) || len(host) <= len(phost)-1 {
			return false
		}
	} else if host != phost {
		return false
	}
	if u.Port() != p.Port() {
		return false
	}
	ppath, upath := p.EscapedPath(), u.EscapedPath()
	if upath == "" {
		upath = "/"
	}
	upath, ok := normalPath(upath)
	if !ok {
		return false
	}
	if !strings.HasPrefix(upath, ppath) {
		return false
	}
	return strings.HasSuffix(ppath, "/") || len(upath) == len(ppath) || upath[len(ppath)] == '/'
}

// normalPath is an escaped URL path as a browser will request it: dot
// segments resolved ("/app/../admin" is "/admin"). Encoded separators and
// dots (%2f, %5c, %2e) and backslashes are refused outright: servers and
// proxies decode them differently, so "/app/..%2fadmin" may be /admin to
// the server behind the address.
func normalPath(escaped string) (string, bool) {
	lower := strings.ToLower(escaped)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%2e") || strings.Contains(escaped, "\\") {
		return "", false
	}
	clean := path.Clean(escaped)
	if strings.HasSuffix(escaped, "/") && clean != "/" {
		clean += "/"
	}
	return clean, true
}

// Whitelist returns every entry.
func (s *Service) Whitelist(ctx context.Context) ([]WhitelistEntry, error) {
	var es []WhitelistEntry
	err := s.db.NewSelect().Model(&es).Order("pattern").Scan(ctx)
	return es, err
}

// AddWhitelist stores a new pattern.
func (s *Service) AddWhitelist(ctx context.Context, pattern, description string) (*WhitelistEntry, error) {
	norm, ok := normalizePattern(pattern)
	if !ok {
		return nil, apperr.Field("pattern", "field.url_pattern")
	}
	description = strings.TrimSpace(description)
	if len([]rune(description)) > 256 {
		return nil, apperr.Field("description", "field.too_long", 256)
	}
	e := &WhitelistEntry{Pattern: norm, Description: description}
	if _, err := s.db.NewInsert().Model(e).Returning("*").Exec(ctx); err != nil {
		if database.IsUniqueViolation(err) {
			ae := apperr.Field("pattern", "whitelist.duplicate")
			ae.Code = apperr.Conflict
			return nil, ae
		}
		return nil, err
	}
	return e, nil
}

// RemoveWhitelist deletes an entry.
func (s *Service) RemoveWhitelist(ctx context.Context, id int64) error {
	res, err := s.db.NewDelete().Model((*WhitelistEntry)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("whitelist.not_found")
	}
	return nil
}

// URLAllowed reports whether any whitelist entry matches rawURL.
func (s *Service) URLAllowed(ctx context.Context, rawURL string) (bool, error) {
	es, err := s.Whitelist(ctx)
	if err != nil {
		return false, err
	}
	for _, e := range es {
		if e.Matches(rawURL) {
			return true, nil
		}
	}
	return false, nil
}
