package pops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
)

func strp(s string) *string { return &s }

func settingsOf(t *testing.T, s *pops.Service, tenantID int64) *pops.PlatformSettings {
	t.Helper()
	ps, err := s.Settings(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// samePlatform compares what SaveSettings stores (not the time).
func samePlatform(t *testing.T, got, want *pops.PlatformSettings) {
	t.Helper()
	g, w := *got, *want
	g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("settings\n got %+v\nwant %+v", g, w)
	}
}

func TestNormalizeOrigin(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = refused
	}{
		{"https://cec.example.com", "https://cec.example.com"},
		{"https://CEC.Example.COM", "https://cec.example.com"},
		{"HTTPS://cec.example.com", "https://cec.example.com"},
		{" https://cec.example.com/ ", "https://cec.example.com"},
		{"https://cec.example.com:8443", "https://cec.example.com:8443"},
		{"https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"},
		{"https://[2001:DB8::1]", "https://[2001:db8::1]"},
		// Browsers leave out the default port; so does the stored origin.
		{"https://cec.example.com:443", "https://cec.example.com"},
		{"http://localhost:80", "http://localhost"},
		{"https://cec.example.com:80", "https://cec.example.com:80"},
		{"http://localhost:8080", "http://localhost:8080"},
		{"http://LOCALHOST", "http://localhost"},
		{"http://127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"http://[::1]:5173", "http://[::1]:5173"},
		{"http://cec.example.com", ""},
		{"http://localhost.evil.com", ""},
		{"http://127.0.0.2", ""},
		{"ftp://cec.example.com", ""},
		{"wss://cec.example.com", ""},
		{"cec.example.com", ""},
		{"//cec.example.com", ""},
		{"https://", ""},
		{"https:cec.example.com", ""},
		{"https://cec.example.com/app", ""},
		{"https://cec.example.com/?x=1", ""},
		{"https://cec.example.com#top", ""},
		{"https://user:pw@cec.example.com", ""},
		{"https://user@cec.example.com", ""},
		{"null", ""},
		{"", ""},
		{"://cec.example.com", ""},
		{"https://cec.example.com:port", ""},
	}
	for _, tt := range tests {
		got, ok := pops.NormalizeOrigin(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestSettingsNeverSaved(t *testing.T) {
	eng := newEngine(t)
	tn := tenant(t, eng)
	ps := settingsOf(t, eng.Pops, tn)
	want := &pops.PlatformSettings{TenantID: tn, FrameOrigins: []string{}, SourceCIDRs: []string{}}
	samePlatform(t, ps, want)
	b, _ := json.Marshal(ps)
	if !bytes.Contains(b, []byte(`"frameOrigins":[]`)) || !bytes.Contains(b, []byte(`"sourceCidrs":[]`)) || !bytes.Contains(b, []byte(`"sobotSecretSet":false`)) {
		t.Errorf("json %s", b)
	}
	cfg, err := eng.Pops.SobotConfig(ctx, tn)
	if err != nil || cfg != (dialect.SobotConfig{}) {
		t.Errorf("sobot config %+v %v", cfg, err)
	}
	if ps.TrustsAddress("127.0.0.1") || ps.AllowsOrigin("http://localhost") {
		t.Error("empty settings trust something")
	}
}

func TestSaveSettings(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn, other := tenant(t, eng), tenant(t, eng)

	ps, err := s.SaveSettings(ctx, tn, pops.SettingsInput{
		FrameOrigins: []string{"https://CEC.Example.com", " https://cec2.example.com/ ", "", "  ", "http://localhost:8080",
			"http://127.0.0.1:3000", "http://[::1]:5173", "https://cec.example.com:8443"},
		SourceCIDRs:     []string{"203.0.113.77/24", " 198.51.100.7 ", "", "2001:db8::1", "2001:DB8:abcd::/48", "10.1.2.3/8"},
		SobotSysNum:     " sys-1 ",
		SobotPage:       "contact",
		OutboundWebhook: " https://hooks.example.com/dial ",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &pops.PlatformSettings{TenantID: tn,
		FrameOrigins: []string{"https://cec.example.com", "https://cec2.example.com", "http://localhost:8080", "http://127.0.0.1:3000",
			"http://[::1]:5173", "https://cec.example.com:8443"},
		SourceCIDRs:     []string{"203.0.113.0/24", "198.51.100.7/32", "2001:db8::1/128", "2001:db8:abcd::/48", "10.0.0.0/8"},
		SobotSysNum:     "sys-1",
		SobotPage:       "contact",
		OutboundWebhook: "https://hooks.example.com/dial",
	}
	samePlatform(t, ps, want)
	stored := settingsOf(t, s, tn)
	samePlatform(t, stored, want)
	if stored.UpdatedAt.IsZero() {
		t.Error("no updated_at")
	}
	// Another tenant's settings are its own.
	samePlatform(t, settingsOf(t, s, other), &pops.PlatformSettings{TenantID: other, FrameOrigins: []string{}, SourceCIDRs: []string{}})

	// Saving again replaces every list and value; empty turns things off.
	time.Sleep(5 * time.Millisecond)
	for i, in := range []pops.SettingsInput{
		{FrameOrigins: []string{"https://new.example.com"}},
		{},
		{FrameOrigins: []string{}, SourceCIDRs: []string{}}, // empty twice in a row
	} {
		ps, err := s.SaveSettings(ctx, tn, in)
		if err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
		want := &pops.PlatformSettings{TenantID: tn, FrameOrigins: []string{}, SourceCIDRs: []string{}}
		if i == 0 {
			want.FrameOrigins = []string{"https://new.example.com"}
		}
		samePlatform(t, ps, want)
		got := settingsOf(t, s, tn)
		samePlatform(t, got, want)
		if !got.UpdatedAt.After(stored.UpdatedAt) {
			t.Errorf("save %d: updated_at %v not after %v", i, got.UpdatedAt, stored.UpdatedAt)
		}
	}

	// Every Sobot page family is accepted.
	for _, p := range []dialect.SobotPage{dialect.SobotPageAuto, dialect.SobotPageChat, dialect.SobotPageContact, dialect.SobotPageWeCom} {
		if _, err := s.SaveSettings(ctx, tn, pops.SettingsInput{SobotPage: string(p)}); err != nil {
			t.Errorf("sobot page %q: %v", p, err)
		}
		if cfg, err := s.SobotConfig(ctx, tn); err != nil || cfg.Page != p {
			t.Errorf("sobot page %q: got %+v %v", p, cfg, err)
		}
	}
}

func TestSaveSettingsValidation(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	good := pops.SettingsInput{FrameOrigins: []string{"https://cec.example.com"}, SourceCIDRs: []string{"203.0.113.0/24"},
		SobotSysNum: "sys", SobotSecret: strp("secret"), SobotPage: "chat", OutboundWebhook: "https://hooks.example.com/"}
	if _, err := s.SaveSettings(ctx, tn, good); err != nil {
		t.Fatal(err)
	}
	baseline := settingsOf(t, s, tn)

	tests := []struct {
		name   string
		change func(*pops.SettingsInput)
		want   []fieldErr
	}{
		{"http origin", func(in *pops.SettingsInput) { in.FrameOrigins = []string{"http://cec.example.com"} },
			[]fieldErr{{"frameOrigins", "pop.origin", []any{"http://cec.example.com"}}}},
		{"origin with a path, quoted as typed", func(in *pops.SettingsInput) { in.FrameOrigins = []string{" https://cec.example.com/app "} },
			[]fieldErr{{"frameOrigins", "pop.origin", []any{" https://cec.example.com/app "}}}},
		{"origin with credentials", func(in *pops.SettingsInput) { in.FrameOrigins = []string{"https://u@cec.example.com"} },
			[]fieldErr{{"frameOrigins", "pop.origin", []any{"https://u@cec.example.com"}}}},
		{"origin without scheme", func(in *pops.SettingsInput) { in.FrameOrigins = []string{"cec.example.com"} },
			[]fieldErr{{"frameOrigins", "pop.origin", []any{"cec.example.com"}}}},
		{"good and bad origins", func(in *pops.SettingsInput) {
			in.FrameOrigins = []string{"https://ok.example.com", "https://a.example.com?x", "wss://b.example.com"}
		}, []fieldErr{{"frameOrigins", "pop.origin", []any{"https://a.example.com?x"}}, {"frameOrigins", "pop.origin", []any{"wss://b.example.com"}}}},
		{"prefix too long", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{"10.0.0.0/33"} },
			[]fieldErr{{"sourceCidrs", "pop.cidr", []any{"10.0.0.0/33"}}}},
		{"everyone (IPv4)", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{"0.0.0.0/0"} },
			[]fieldErr{{"sourceCidrs", "pop.cidr_too_wide", []any{"0.0.0.0/0", 8}}}},
		{"everyone (IPv6)", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{"::/0"} },
			[]fieldErr{{"sourceCidrs", "pop.cidr_too_wide", []any{"::/0", 32}}}},
		{"wider than /8", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{"10.0.0.0/7"} },
			[]fieldErr{{"sourceCidrs", "pop.cidr_too_wide", []any{"10.0.0.0/7", 8}}}},
		{"wider than /32 (IPv6)", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{"2001:db8::/31"} },
			[]fieldErr{{"sourceCidrs", "pop.cidr_too_wide", []any{"2001:db8::/31", 32}}}},
		{"mapped everyone", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{"::ffff:0.0.0.0/96"} },
			[]fieldErr{{"sourceCidrs", "pop.cidr_too_wide", []any{"::ffff:0.0.0.0/96", 8}}}},
		{"bad address, quoted trimmed", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{" 10.0.0.256 "} },
			[]fieldErr{{"sourceCidrs", "pop.cidr", []any{"10.0.0.256"}}}},
		{"host name", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{"crm.example.com"} },
			[]fieldErr{{"sourceCidrs", "pop.cidr", []any{"crm.example.com"}}}},
		{"range", func(in *pops.SettingsInput) { in.SourceCIDRs = []string{"10.0.0.1-10.0.0.9"} },
			[]fieldErr{{"sourceCidrs", "pop.cidr", []any{"10.0.0.1-10.0.0.9"}}}},
		{"http webhook", func(in *pops.SettingsInput) { in.OutboundWebhook = "http://hooks.example.com/" },
			[]fieldErr{{"outboundWebhook", "call.webhook", nil}}},
		{"webhook without host", func(in *pops.SettingsInput) { in.OutboundWebhook = "https://" },
			[]fieldErr{{"outboundWebhook", "call.webhook", nil}}},
		{"webhook not a URL", func(in *pops.SettingsInput) { in.OutboundWebhook = "hooks.example.com/dial" },
			[]fieldErr{{"outboundWebhook", "call.webhook", nil}}},
		{"webhook unparsable", func(in *pops.SettingsInput) { in.OutboundWebhook = "https://hooks.example.com/%zz" },
			[]fieldErr{{"outboundWebhook", "call.webhook", nil}}},
		{"sobot page unknown", func(in *pops.SettingsInput) { in.SobotPage = "workbench" },
			[]fieldErr{{"sobotPage", "pop.sobot_page", nil}}},
		{"sobot page case", func(in *pops.SettingsInput) { in.SobotPage = "Chat" },
			[]fieldErr{{"sobotPage", "pop.sobot_page", nil}}},
		{"everything at once, in order", func(in *pops.SettingsInput) {
			*in = pops.SettingsInput{FrameOrigins: []string{"x"}, SourceCIDRs: []string{"y"}, OutboundWebhook: "ftp://z", SobotPage: "w",
				SobotSecret: strp("")}
		}, []fieldErr{{"frameOrigins", "pop.origin", []any{"x"}}, {"sourceCidrs", "pop.cidr", []any{"y"}},
			{"outboundWebhook", "call.webhook", nil}, {"sobotPage", "pop.sobot_page", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			in.FrameOrigins = append([]string(nil), good.FrameOrigins...)
			tt.change(&in)
			_, err := s.SaveSettings(ctx, tn, in)
			wantFieldErrors(t, err, tt.want...)
			// Nothing changed, the secret included.
			got := settingsOf(t, s, tn)
			samePlatform(t, got, baseline)
			if !got.UpdatedAt.Equal(baseline.UpdatedAt) {
				t.Errorf("updated_at moved")
			}
		})
	}
}

func TestSobotSecret(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn, other := tenant(t, eng), tenant(t, eng)
	const secret = "s3cret-sobot-key"
	storedSecret := func(tenantID int64) []byte {
		var raw []byte
		if err := eng.DB.NewRaw("SELECT sobot_secret FROM pop_settings WHERE tenant_id = ?", tenantID).Scan(ctx, &raw); err != nil {
			t.Fatal(err)
		}
		return raw
	}

	ps, err := s.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "sys-1", SobotSecret: strp(secret), SobotPage: "chat"})
	if err != nil {
		t.Fatal(err)
	}
	if !ps.SobotSecretSet || !settingsOf(t, s, tn).SobotSecretSet {
		t.Error("secret not reported as set")
	}
	// Sealed at rest, never in JSON.
	raw := storedSecret(tn)
	if len(raw) == 0 || bytes.Contains(raw, []byte(secret)) {
		t.Fatalf("stored secret %q", raw)
	}
	b, _ := json.Marshal(settingsOf(t, s, tn))
	if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("sobotSecret\"")) || !bytes.Contains(b, []byte(`"sobotSecretSet":true`)) {
		t.Errorf("json %s", b)
	}
	cfg, err := s.SobotConfig(ctx, tn)
	if err != nil || cfg != (dialect.SobotConfig{SysNum: "sys-1", Secret: secret, Page: dialect.SobotPageChat}) {
		t.Fatalf("sobot config %+v %v", cfg, err)
	}

	// nil keeps the stored secret.
	if _, err := s.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "sys-2"}); err != nil {
		t.Fatal(err)
	}
	if cfg, err := s.SobotConfig(ctx, tn); err != nil || cfg.Secret != secret || cfg.SysNum != "sys-2" {
		t.Errorf("after keeping: %+v %v", cfg, err)
	}
	// A new one replaces it.
	if _, err := s.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "sys-2", SobotSecret: strp("second")}); err != nil {
		t.Fatal(err)
	}
	if cfg, err := s.SobotConfig(ctx, tn); err != nil || cfg.Secret != "second" {
		t.Errorf("after replacing: %+v %v", cfg, err)
	}

	// The secret is bound to its tenant: copied to another tenant's row it
	// does not open.
	if _, err := s.SaveSettings(ctx, other, pops.SettingsInput{SobotSysNum: "other"}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.DB.NewRaw("UPDATE pop_settings SET sobot_secret = ? WHERE tenant_id = ?", storedSecret(tn), other).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if cfg, err := s.SobotConfig(ctx, other); err == nil || !strings.Contains(err.Error(), "open sobot secret") || cfg.Secret != "" {
		t.Errorf("another tenant's sealed secret: %+v %v", cfg, err)
	}

	// "" removes it.
	ps, err = s.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "sys-2", SobotSecret: strp("")})
	if err != nil {
		t.Fatal(err)
	}
	if ps.SobotSecretSet || settingsOf(t, s, tn).SobotSecretSet || storedSecret(tn) != nil {
		t.Error("secret not removed")
	}
	if cfg, err := s.SobotConfig(ctx, tn); err != nil || cfg.Secret != "" || cfg.SysNum != "sys-2" {
		t.Errorf("after removing: %+v %v", cfg, err)
	}
}

// failingSealer is a keyring that is down.
type failingSealer struct{}

var errKeyring = errors.New("keyring down")

func (failingSealer) Seal(context.Context, int64, []byte, []byte) ([]byte, error) {
	return nil, errKeyring
}
func (failingSealer) Open(context.Context, int64, []byte, []byte) ([]byte, error) {
	return nil, errKeyring
}

func TestSealerFailure(t *testing.T) {
	eng := newEngine(t)
	tn := tenant(t, eng)
	if _, err := eng.Pops.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "sys", SobotSecret: strp("secret")}); err != nil {
		t.Fatal(err)
	}
	before := settingsOf(t, eng.Pops, tn)
	s := pops.New(eng.DB, eng.Settings, eng.Pages, failingSealer{})

	// A secret that cannot be sealed is not stored, nor is anything else.
	_, err := s.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "changed", SobotSecret: strp("new")})
	if !errors.Is(err, errKeyring) {
		t.Fatalf("err %v", err)
	}
	samePlatform(t, settingsOf(t, s, tn), before)
	// One that cannot be opened is an error, not an empty secret.
	if _, err := s.SobotConfig(ctx, tn); !errors.Is(err, errKeyring) || !strings.Contains(err.Error(), "open sobot secret") {
		t.Errorf("SobotConfig: %v", err)
	}
	// Without a secret change the keyring is not needed.
	if _, err := s.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "changed"}); err != nil {
		t.Fatal(err)
	}
	if got := settingsOf(t, eng.Pops, tn); got.SobotSysNum != "changed" || !got.SobotSecretSet {
		t.Errorf("after save without secret: %+v", got)
	}
	if cfg, err := eng.Pops.SobotConfig(ctx, tn); err != nil || cfg.Secret != "secret" {
		t.Errorf("secret after saves with a failing sealer: %+v %v", cfg, err)
	}
}

func TestCachedSettings(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn, other := tenant(t, eng), tenant(t, eng)
	cached := func(tenantID int64) *pops.PlatformSettings {
		t.Helper()
		ps, err := s.CachedSettings(ctx, tenantID)
		if err != nil {
			t.Fatal(err)
		}
		return ps
	}

	// Never saved: the empty settings, cached.
	first := cached(tn)
	if first.TenantID != tn || len(first.FrameOrigins) != 0 || first.SobotSysNum != "" {
		t.Errorf("empty: %+v", first)
	}
	if cached(tn) != first {
		t.Error("second read is not served from the cache")
	}

	// Saving on this instance is visible at once, for this tenant only.
	if cached(other) == nil {
		t.Fatal("nil")
	}
	if _, err := s.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "one", FrameOrigins: []string{"https://cec.example.com"}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ps := cached(tn)
	if ps.SobotSysNum != "one" || !ps.AllowsOrigin("https://cec.example.com") {
		t.Errorf("after save: %+v", ps)
	}
	if o := cached(other); o.TenantID != other || o.SobotSysNum != "" {
		t.Errorf("other tenant: %+v", o)
	}

	// A change by another instance (here: straight in the database) shows
	// after the TTL, not before.
	if _, err := eng.DB.NewRaw("UPDATE pop_settings SET sobot_sys_num = 'two' WHERE tenant_id = ?", tn).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := cached(tn); got.SobotSysNum != "one" {
		t.Errorf("within the TTL: %q (only %v since caching)", got.SobotSysNum, time.Since(start))
	}
	if got := settingsOf(t, s, tn); got.SobotSysNum != "two" {
		t.Errorf("uncached read: %q", got.SobotSysNum)
	}
	deadline := time.Now().Add(5 * time.Second)
	for cached(tn).SobotSysNum != "two" {
		if time.Now().After(deadline) {
			t.Fatal("the cache never expired")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("the cache expired after %v, before its 2 s TTL", d)
	}
}

func TestTrustsAddress(t *testing.T) {
	ps := &pops.PlatformSettings{SourceCIDRs: []string{"garbage", "203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32"}}
	tests := []struct {
		ip   string
		want bool
	}{
		{"203.0.113.1", true},
		{"203.0.113.255", true},
		{"203.0.114.1", false},
		{"198.51.100.7", true},
		{"198.51.100.8", false},
		{"::ffff:203.0.113.9", true}, // IPv4 client seen on a dual-stack socket
		{"2001:db8::5", true},
		{"2001:db8:ffff::1", true},
		{"2001:db9::1", false},
		{"203.0.113.1:443", false},
		{"[2001:db8::5]", false},
		{"localhost", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ps.TrustsAddress(tt.ip); got != tt.want {
			t.Errorf("TrustsAddress(%q) = %v, want %v", tt.ip, got, tt.want)
		}
	}
	if (&pops.PlatformSettings{}).TrustsAddress("127.0.0.1") {
		t.Error("no CIDRs trust loopback")
	}
}

func TestAllowsOrigin(t *testing.T) {
	ps := &pops.PlatformSettings{FrameOrigins: []string{"https://cec.example.com", "http://localhost:8080"}}
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://cec.example.com", true},
		{"https://CEC.example.com", true},
		{"https://cec.example.com/", true},
		{"https://cec.example.com:8443", false},
		{"http://cec.example.com", false},
		{"https://sub.cec.example.com", false},
		{"https://cec.example.com.evil.net", false},
		{"http://localhost:8080", true},
		{"http://localhost:8081", false},
		{"null", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ps.AllowsOrigin(tt.origin); got != tt.want {
			t.Errorf("AllowsOrigin(%q) = %v, want %v", tt.origin, got, tt.want)
		}
	}
}

// TestSettingsRoundTripMatches: what SaveSettings accepts, the runtime
// checks match the way the operator meant it.
func TestSettingsRoundTripMatches(t *testing.T) {
	eng := newEngine(t)
	tn := tenant(t, eng)
	tests := []struct {
		name   string
		in     pops.SettingsInput
		origin string // a browser's Origin header for the entry
		ip     string // a client address in the entry
	}{
		{"plain", pops.SettingsInput{FrameOrigins: []string{"https://cec.example.com"}, SourceCIDRs: []string{"203.0.113.0/24"}},
			"https://cec.example.com", "203.0.113.9"},
		{"single address", pops.SettingsInput{FrameOrigins: []string{"https://cec.example.com:8443/"}, SourceCIDRs: []string{"203.0.113.9"}},
			"https://cec.example.com:8443", "203.0.113.9"},
		{"host bits set", pops.SettingsInput{SourceCIDRs: []string{"203.0.113.77/24"}}, "", "203.0.113.1"},
		{"IPv6", pops.SettingsInput{SourceCIDRs: []string{"2001:db8::1"}}, "", "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := eng.Pops.SaveSettings(ctx, tn, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if tt.origin != "" && !ps.AllowsOrigin(tt.origin) {
				t.Errorf("origin %q not allowed by %v", tt.origin, ps.FrameOrigins)
			}
			if !ps.TrustsAddress(tt.ip) {
				t.Errorf("address %q not trusted by %v", tt.ip, ps.SourceCIDRs)
			}
		})
	}
}

// TestSettingsMatchWhatClientsSend: entries written in another form than
// the one clients present — an IPv4-mapped address, an origin with its
// default port — are stored in that form, so that they match.
func TestSettingsMatchWhatClientsSend(t *testing.T) {
	eng := newEngine(t)
	tn := tenant(t, eng)
	t.Run("IPv4-mapped address", func(t *testing.T) {
		ps, err := eng.Pops.SaveSettings(ctx, tn, pops.SettingsInput{SourceCIDRs: []string{"::ffff:203.0.113.9"}})
		if err != nil {
			t.Fatal(err)
		}
		if !ps.TrustsAddress("203.0.113.9") || !ps.TrustsAddress("::ffff:203.0.113.9") || ps.SourceCIDRs[0] != "203.0.113.9/32" {
			t.Errorf("stored %v does not trust both forms of the address", ps.SourceCIDRs)
		}
		ps, err = eng.Pops.SaveSettings(ctx, tn, pops.SettingsInput{SourceCIDRs: []string{"::ffff:10.1.0.0/112"}})
		if err != nil || ps.SourceCIDRs[0] != "10.1.0.0/16" || !ps.TrustsAddress("10.1.2.3") {
			t.Errorf("mapped range stored as %v: %v", ps.SourceCIDRs, err)
		}
	})
	t.Run("origin with the default port", func(t *testing.T) {
		ps, err := eng.Pops.SaveSettings(ctx, tn, pops.SettingsInput{FrameOrigins: []string{"https://cec.example.com:443"}})
		if err != nil {
			t.Fatal(err)
		}
		if !ps.AllowsOrigin("https://cec.example.com") || ps.FrameOrigins[0] != "https://cec.example.com" {
			t.Errorf("stored %v does not allow the browser's origin", ps.FrameOrigins)
		}
	})
}

func TestNonces(t *testing.T) {
	eng := newEngine(t)
	n := eng.Nonces
	until := time.Now().Add(time.Minute)
	sig := uniq("sig-")
	for i, want := range []bool{false, true, true} {
		seen, err := n.Seen(ctx, sig, until)
		if err != nil || seen != want {
			t.Fatalf("use %d: seen %v %v, want %v", i, seen, err, want)
		}
	}
	if seen, err := n.Seen(ctx, sig+"x", until); err != nil || seen {
		t.Errorf("another signature: %v %v", seen, err)
	}
	// A nonce store on another connection (another instance) sees it too.
	if seen, err := pops.NewNonces(eng.DB).Seen(ctx, sig, until); err != nil || !seen {
		t.Errorf("other instance: %v %v", seen, err)
	}

	// Racing uses of one signature: exactly one wins.
	race := uniq("race-")
	const k = 16
	var wg sync.WaitGroup
	results := make([]bool, k)
	errs := make([]error, k)
	for i := range k {
		wg.Go(func() { results[i], errs[i] = pops.NewNonces(eng.DB).Seen(ctx, race, until) })
	}
	wg.Wait()
	fresh := 0
	for i := range k {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !results[i] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d of %d racing uses accepted, want 1", fresh, k)
	}
}
