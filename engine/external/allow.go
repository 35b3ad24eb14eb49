package external

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// AllowPrefix is one private or reserved address range that the connector
// may dial, e.g. 10.20.0.0/16 for a CRM on the enterprise network.
type AllowPrefix struct {
	bun.BaseModel `bun:"table:external_allow_prefixes,alias:ap"`

	Prefix      string    `bun:",pk" json:"prefix" doc:"CIDR prefix, e.g. 10.20.0.0/16"`
	Description string    `bun:",notnull" json:"description"`
	CreatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
}

// Narrowest accepted widths: wider prefixes would open whole classes of
// reserved space at once (0.0.0.0/0 opens everything).
const (
	minBits4 = 8
	minBits6 = 7 // fc00::/7, all unique-local addresses
)

// neverPrefixes stay refused whatever the allow-list says (the guard
// refuses them first), so listing them is a mistake worth reporting.
var neverPrefixes = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("fe80::/10"),
}

// ParsePrefix reads an allow-list entry: a CIDR prefix, or one address
// (a /32 or /128). IPv4-mapped IPv6 prefixes become IPv4 ones.
func ParsePrefix(raw string) (netip.Prefix, error) {
	raw = strings.TrimSpace(raw)
	var p netip.Prefix
	var err error
	if strings.Contains(raw, "/") {
		p, err = netip.ParsePrefix(raw)
	} else {
		var a netip.Addr
		if a, err = netip.ParseAddr(raw); err == nil {
			p = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if err != nil {
		return netip.Prefix{}, apperr.Field("prefix", "external.prefix_syntax")
	}
	if p.Addr().Zone() != "" {
		return netip.Prefix{}, apperr.Field("prefix", "external.prefix_syntax")
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	if (p.Addr().Is4() && p.Bits() < minBits4) || (p.Addr().Is6() && p.Bits() < minBits6) || p.Addr().Is4In6() {
		return netip.Prefix{}, apperr.Field("prefix", "external.prefix_wide")
	}
	for _, n := range neverPrefixes {
		if p.Overlaps(n) {
			return netip.Prefix{}, apperr.Field("prefix", "external.prefix_never", n.String())
		}
	}
	return p, nil
}

// AllowList returns the allow-list by prefix.
func (s *Service) AllowList(ctx context.Context) ([]AllowPrefix, error) {
	out := []AllowPrefix{}
	err := s.db.NewSelect().Model(&out).Order("prefix").Scan(ctx)
	return out, err
}

// AddAllow adds a prefix to the allow-list; it applies to this instance's
// connector at once and to others within CacheTTL.
func (s *Service) AddAllow(ctx context.Context, prefix, description string) (*AllowPrefix, error) {
	p, err := ParsePrefix(prefix)
	if err != nil {
		return nil, err
	}
	description = strings.TrimSpace(description)
	if utf8.RuneCountInString(description) > 256 {
		return nil, apperr.Field("description", "field.too_long", 256)
	}
	row := &AllowPrefix{Prefix: p.String(), Description: description}
	if _, err := s.db.NewInsert().Model(row).Returning("*").Exec(ctx); err != nil {
		if database.IsUniqueViolation(err) {
			e := apperr.Field("prefix", "external.prefix_duplicate")
			e.Code = apperr.Conflict
			return nil, e
		}
		return nil, err
	}
	return row, s.loadAllow(ctx)
}

// RemoveAllow takes a prefix off the allow-list. Idle connections dialled
// under it are closed at once on this instance.
func (s *Service) RemoveAllow(ctx context.Context, prefix string) error {
	p, err := ParsePrefix(prefix)
	if err != nil {
		return apperr.NotFoundf("external.prefix_not_found")
	}
	res, err := s.db.NewDelete().Model((*AllowPrefix)(nil)).Where("prefix = ?", p.String()).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("external.prefix_not_found")
	}
	return s.loadAllow(ctx)
}

// ensureAllow keeps the client's allow-list current: the first caller
// loads it (and everyone waits, so an allow-listed CRM works from the first
// call); afterwards one caller refreshes it every CacheTTL while the others
// go on with the list in force.
func (s *Service) ensureAllow(ctx context.Context) error {
	last := s.allowLoaded.Load()
	if last != 0 {
		if s.now().Sub(time.Unix(0, last)) < CacheTTL || !s.allowBusy.CompareAndSwap(false, true) {
			return nil
		}
		defer s.allowBusy.Store(false)
		_ = s.loadAllow(ctx) // on failure keep the list in force; the next call tries again
		return nil
	}
	s.allowMu.Lock()
	defer s.allowMu.Unlock()
	if s.allowLoaded.Load() != 0 {
		return nil
	}
	return s.loadAllow(ctx)
}

// loadAllow reads the allow-list and gives it to the client if it changed.
func (s *Service) loadAllow(ctx context.Context) error {
	rows, err := s.AllowList(ctx)
	if err != nil {
		return fmt.Errorf("external allow-list: %w", err)
	}
	ps := make([]netip.Prefix, 0, len(rows))
	for _, r := range rows {
		if p, err := netip.ParsePrefix(r.Prefix); err == nil {
			ps = append(ps, p)
		}
	}
	c := s.Client()
	if !samePrefixes(c.AllowPrefixes(), ps) {
		c.SetAllowPrefixes(ps)
	}
	s.allowLoaded.Store(s.now().UnixNano())
	return nil
}

func samePrefixes(a, b []netip.Prefix) bool {
	key := func(ps []netip.Prefix) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.String()
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}
