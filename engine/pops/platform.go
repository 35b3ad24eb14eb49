package pops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// PlatformSettings is how a tenant's platforms reach its pops.
type PlatformSettings struct {
	bun.BaseModel `bun:"table:pop_settings,alias:ps"`

	TenantID     int64    `bun:",pk" json:"-"`
	FrameOrigins []string `bun:",array,notnull" json:"frameOrigins"`
	SourceCIDRs  []string `bun:"source_cidrs,array,notnull" json:"sourceCidrs"`
	SobotSysNum  string   `bun:",notnull" json:"sobotSysNum"`
	SobotSecret  []byte   `json:"-"`
	SobotPage    string   `bun:",notnull" json:"sobotPage"`
	// OutboundWebhook receives the agents' dial-out requests.
	OutboundWebhook string `bun:",notnull" json:"outboundWebhook"`
	// HuaweiSupportScript is where Huawei AICC serves AICCSupport.js
	// (seed 002 §4.4.1); internal pages configured as Web API load it.
	HuaweiSupportScript string `bun:",notnull" json:"huaweiSupportScript"`
	// CTIUnifiedLogin turns on the login.cgi way of the CTI client's
	// unified login (seed 003 §二): after signing in to screenpop from the
	// client, the agent is redirected to CTILoginAddress() to be seated.
	CTIUnifiedLogin bool `bun:"cti_unified_login,notnull" json:"ctiUnifiedLogin"`
	// CTILoginURL is the client's login.cgi; empty means DefaultCTILoginURL.
	CTILoginURL string    `bun:"cti_login_url,notnull" json:"ctiLoginUrl"`
	UpdatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updatedAt"`

	// SobotSecretSet says a secret is stored; the secret itself never leaves.
	SobotSecretSet bool `bun:"-" json:"sobotSecretSet"`
}

// SettingsInput changes the platform settings; a nil SobotSecret keeps the
// stored one, an empty one removes it.
type SettingsInput struct {
	FrameOrigins []string `json:"frameOrigins" doc:"Origins allowed to frame pops and receive dial-out messages, e.g. https://cec.example.com"`
	SourceCIDRs  []string `json:"sourceCidrs" doc:"Client addresses trusted without a session, e.g. 203.0.113.0/24"`
	SobotSysNum  string   `json:"sobotSysNum,omitempty"`
	SobotSecret  *string  `json:"sobotSecret,omitempty" doc:"Write-only; omit to keep the stored secret"`
	SobotPage    string   `json:"sobotPage,omitempty" doc:"Sobot pages the URL is used on: empty (auto), chat, contact or wecom"`
	// OutboundWebhook is an https URL that receives dial-out requests as
	// JSON {workNo, calledNum, mediaType}; empty turns forwarding off.
	OutboundWebhook string `json:"outboundWebhook,omitempty"`
	// HuaweiSupportScript is the address of the AICC's AICCSupport.js
	// (https://ip:port/service-cloud/resource.root/page/resource.root/js/AICCSupport.js).
	HuaweiSupportScript string `json:"huaweiSupportScript,omitempty" doc:"Huawei AICC's AICCSupport.js address, loaded by internal pages used as Web API pages"`
	// CTIUnifiedLogin and CTILoginURL: the CTI client's login.cgi
	// (seed 003 §二), see PlatformSettings.
	CTIUnifiedLogin bool   `json:"ctiUnifiedLogin,omitempty" doc:"After an agent signs in from the CTI client, redirect to the client's login.cgi to seat the agent (seed 003 §二)"`
	CTILoginURL     string `json:"ctiLoginUrl,omitempty" doc:"The CTI client's login.cgi; empty: http://localhost:180/cgi-bin/login.cgi"`
}

func secretAD(tenantID int64) []byte {
	return []byte("screenpop:sobot-secret:" + strconv.FormatInt(tenantID, 10))
}

// Settings returns the tenant's platform settings (empty when never saved).
func (s *Service) Settings(ctx context.Context, tenantID int64) (*PlatformSettings, error) {
	ps := &PlatformSettings{TenantID: tenantID}
	err := database.Read(ctx, s.db, func(db bun.IDB) error {
		return db.NewSelect().Model(ps).Where("tenant_id = ?", tenantID).Scan(ctx)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return &PlatformSettings{TenantID: tenantID, FrameOrigins: []string{}, SourceCIDRs: []string{}}, nil
	}
	if err != nil {
		return nil, err
	}
	ps.SobotSecretSet = len(ps.SobotSecret) > 0
	return ps, nil
}

// settingsTTL is how long the pop runtime may use settings read earlier:
// every pop request needs them, and an edit reaches other instances within
// this time (this instance at once).
const settingsTTL = 2 * time.Second

type cachedSettings struct {
	ps      *PlatformSettings
	expires time.Time
}

// CachedSettings is Settings for the pop runtime's hot path, read-only:
// callers must not change what it returns.
func (s *Service) CachedSettings(ctx context.Context, tenantID int64) (*PlatformSettings, error) {
	if c, ok := s.settingsCache.Load(tenantID); ok && time.Now().Before(c.(cachedSettings).expires) {
		return c.(cachedSettings).ps, nil
	}
	s.settingsMu.Lock()
	saves := s.settingsSaves
	s.settingsMu.Unlock()
	ps, err := s.Settings(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	s.settingsMu.Lock()
	if s.settingsSaves == saves {
		s.settingsCache.Store(tenantID, cachedSettings{ps: ps, expires: time.Now().Add(settingsTTL)})
	}
	s.settingsMu.Unlock()
	return ps, nil
}

// SobotConfig returns what the Sobot signature check needs, secret opened.
func (s *Service) SobotConfig(ctx context.Context, tenantID int64) (dialect.SobotConfig, error) {
	ps, err := s.Settings(ctx, tenantID)
	if err != nil {
		return dialect.SobotConfig{}, err
	}
	cfg := dialect.SobotConfig{SysNum: ps.SobotSysNum, Page: dialect.SobotPage(ps.SobotPage)}
	if len(ps.SobotSecret) > 0 {
		pt, err := s.sealer.Open(ctx, tenantID, ps.SobotSecret, secretAD(tenantID))
		if err != nil {
			return cfg, fmt.Errorf("open sobot secret: %w", err)
		}
		cfg.Secret = string(pt)
	}
	return cfg, nil
}

// NormalizeOrigin checks an origin (scheme://host[:port], nothing more).
// https only, except loopback hosts, which developers and tests use.
func NormalizeOrigin(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	loopback := host == "localhost" || host == "127.0.0.1" || host == "::1"
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return "", false
	}
	// Browsers leave the default port out of an Origin header.
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	origin := u.Scheme + "://" + strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		origin = u.Scheme + "://[" + host + "]"
	}
	if port != "" {
		origin += ":" + port
	}
	return origin, true
}

// ScriptOrigin is the origin of a script address an admin gives (Huawei's
// AICCSupport.js), or "" when it is not one a pop may load: https, or http
// on a loopback host, with a path and no credentials.
func ScriptOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Path == "" || u.Path == "/" {
		return ""
	}
	origin, ok := NormalizeOrigin(u.Scheme + "://" + u.Host)
	if !ok {
		return ""
	}
	return origin
}

// SaveSettings validates and stores the platform settings.
func (s *Service) SaveSettings(ctx context.Context, tenantID int64, in SettingsInput) (*PlatformSettings, error) {
	var v apperr.Fields
	ps, err := s.Settings(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	ps.FrameOrigins = ps.FrameOrigins[:0]
	for _, o := range in.FrameOrigins {
		if strings.TrimSpace(o) == "" {
			continue
		}
		n, ok := NormalizeOrigin(o)
		if !ok {
			v.Add("frameOrigins", "pop.origin", o)
			continue
		}
		ps.FrameOrigins = append(ps.FrameOrigins, n)
	}
	ps.SourceCIDRs = ps.SourceCIDRs[:0]
	for _, c := range in.SourceCIDRs {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			a, aerr := netip.ParseAddr(c)
			if aerr != nil {
				v.Add("sourceCidrs", "pop.cidr", c)
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		// Client addresses are compared unmapped (TrustsAddress): an
		// IPv4-mapped entry is stored as the IPv4 range it means.
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				v.Add("sourceCidrs", "pop.cidr", c)
				continue
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		// A trusted range lets anyone in it see customers without signing
		// in: 0.0.0.0/0 or ::/0 would make every pop public. Ranges wider
		// than a large organisation's (/8, /32 for IPv6) are refused.
		if minBits := minTrustedBits(p.Addr()); p.Bits() < minBits {
			v.Add("sourceCidrs", "pop.cidr_too_wide", c, minBits)
			continue
		}
		ps.SourceCIDRs = append(ps.SourceCIDRs, p.Masked().String())
	}
	ps.SobotSysNum = strings.TrimSpace(in.SobotSysNum)
	ps.OutboundWebhook = strings.TrimSpace(in.OutboundWebhook)
	if ps.OutboundWebhook != "" {
		if u, err := url.Parse(ps.OutboundWebhook); err != nil || u.Scheme != "https" || u.Host == "" {
			v.Add("outboundWebhook", "call.webhook")
		}
	}
	ps.HuaweiSupportScript = strings.TrimSpace(in.HuaweiSupportScript)
	if ps.HuaweiSupportScript != "" && ScriptOrigin(ps.HuaweiSupportScript) == "" {
		v.Add("huaweiSupportScript", "pop.support_script")
	}
	ps.CTIUnifiedLogin = in.CTIUnifiedLogin
	ps.CTILoginURL = strings.TrimSpace(in.CTILoginURL)
	if ps.CTILoginURL != "" && !validCTILoginURL(ps.CTILoginURL) {
		v.Add("ctiLoginUrl", "pop.cti_login_url")
	}
	switch in.SobotPage {
	case string(dialect.SobotPageAuto), string(dialect.SobotPageChat), string(dialect.SobotPageContact), string(dialect.SobotPageWeCom):
		ps.SobotPage = in.SobotPage
	default:
		v.Add("sobotPage", "pop.sobot_page")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.SobotSecret != nil {
		if *in.SobotSecret == "" {
			ps.SobotSecret = nil
		} else if ps.SobotSecret, err = s.sealer.Seal(ctx, tenantID, []byte(*in.SobotSecret), secretAD(tenantID)); err != nil {
			return nil, err
		}
	}
	_, err = s.db.NewInsert().Model(ps).On("CONFLICT (tenant_id) DO UPDATE").
		Set("frame_origins = EXCLUDED.frame_origins, source_cidrs = EXCLUDED.source_cidrs").
		Set("sobot_sys_num = EXCLUDED.sobot_sys_num, sobot_secret = EXCLUDED.sobot_secret").
		Set("sobot_page = EXCLUDED.sobot_page, outbound_webhook = EXCLUDED.outbound_webhook").
		Set("huawei_support_script = EXCLUDED.huawei_support_script").
		Set("cti_unified_login = EXCLUDED.cti_unified_login, cti_login_url = EXCLUDED.cti_login_url, updated_at = now()").
		Returning("updated_at").Exec(ctx)
	if err != nil {
		return nil, err
	}
	ps.SobotSecretSet = len(ps.SobotSecret) > 0
	s.settingsMu.Lock()
	s.settingsSaves++
	s.settingsCache.Delete(tenantID)
	s.settingsMu.Unlock()
	return ps, nil
}

// TrustsAddress reports whether a client address is on the tenant's
// allow-list.
func (ps *PlatformSettings) TrustsAddress(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, c := range ps.SourceCIDRs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(a) {
			return true
		}
	}
	return false
}

// AllowsOrigin reports whether origin is one of the tenant's platforms.
func (ps *PlatformSettings) AllowsOrigin(origin string) bool {
	n, ok := NormalizeOrigin(origin)
	if !ok {
		return false
	}
	for _, o := range ps.FrameOrigins {
		if o == n {
			return true
		}
	}
	return false
}

// Nonces is the database-backed replay guard for signed links: a
// signature can be used once, by any instance.
type Nonces struct{ db bun.IDB }

// NewNonces returns the nonce store.
func NewNonces(db bun.IDB) *Nonces { return &Nonces{db: db} }

// Seen records sig until the given time and reports whether it was
// already there. The insert is atomic, so two instances racing on one
// signature cannot both accept it.
func (n *Nonces) Seen(ctx context.Context, sig string, until time.Time) (bool, error) {
	res, err := n.db.NewRaw("INSERT INTO pop_nonces (sig, expires_at) VALUES (?, ?) ON CONFLICT (sig) DO NOTHING", sig, until).Exec(ctx)
	if err != nil {
		return false, err
	}
	inserted, _ := res.RowsAffected()
	if inserted == 1 && time.Now().Unix()%50 == 0 {
		// Opportunistic clean-up; expired rows cannot be replayed anyway
		// because the timestamp check refuses them first.
		_, _ = n.db.NewRaw("DELETE FROM pop_nonces WHERE expires_at < now()").Exec(ctx)
	}
	return inserted == 0, nil
}

// minTrustedBits is the widest trusted address range accepted: /8 for IPv4,
// /32 for IPv6.
func minTrustedBits(a netip.Addr) int {
	if a.Is4() {
		return 8
	}
	return 32
}
