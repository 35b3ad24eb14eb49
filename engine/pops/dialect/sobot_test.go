package dialect

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// Known vectors, computed by hand from seed 004's formulas with md5sum:
//
//	printf '%s' "$sysNum" "$email" | md5sum   (one argument per field)
const (
	sobotSysNum = "8e7c5a4f0c5a4e1b9f1a2b3c4d5e6f70"
	sobotSecret = "s3cr3tKey"
	sobotTS     = "1718000000000" // ms
	wecomSecret = "39c3dd7e702140f692ef105d7eacb240"
)

var sobotNow = time.UnixMilli(1718000000000)

func wecomParams() map[string]string {
	return map[string]string{
		"corpId": "wwf890d4f585acb42a", "userId": "ZhangSan", "partnerId": "wmABC", "serviceId": "svc01",
		"serviceRoleId": "role2", "wxUnionId": "u1", "wxBuildUnionId": "u2", "tel": "13900139000",
		"serviceTel": "4008001234", "timeStamp": sobotTS, "companyId": "0830d08fd74c429a8639e27405415778",
	}
}

func TestSobotSignVectors(t *testing.T) {
	tests := []struct {
		name   string
		scheme SobotScheme
		secret string
		params map[string]string
		want   string
	}{
		// md5(sysNum+email)
		{"basic", SobotBasic, "", map[string]string{"email": "zhangsan@example.com", "timestamp": sobotTS}, "07e3dd381713d08f3ca68b5ebef68f43"},
		// MD5(sysNum+secret+timestamp+partnerId)
		{"chat", SobotSecretChat, sobotSecret, map[string]string{"email": "zhangsan@example.com", "timestamp": sobotTS, "partnerId": "CRM-10086"}, "89c49eea13fbd770238d27c622de3895"},
		{"chat, partnerid as in the seed's example URL", SobotSecretChat, sobotSecret, map[string]string{"timestamp": sobotTS, "partnerid": "CRM-10086"}, "89c49eea13fbd770238d27c622de3895"},
		// partnerId empty: left out.
		{"chat without partnerId", SobotSecretChat, sobotSecret, map[string]string{"timestamp": sobotTS, "partnerId": ""}, "8740145a615e975c8ac37efb9859d9cc"},
		// MD5(sysNum+secret+timestamp+uphone+uemail)
		{"contact", SobotSecretContact, sobotSecret, map[string]string{"timestamp": sobotTS, "uphone": "13800138000", "uemail": "li@example.com", "partnerId": "ignored"}, "6de8e954568bb6dc62be42a645f921b9"},
		// uemail empty: left out.
		{"contact without uemail", SobotSecretContact, sobotSecret, map[string]string{"timestamp": sobotTS, "uphone": "13800138000"}, "71dcd3629db489523a00c76d14503e2c"},
		// MD5(corpId+userId+partnerId+serviceId+serviceRoleId+wxUnionId+wxBuildUnionId+tel+serviceTel+timeStamp)
		{"wecom", SobotWeCom, "", wecomParams(), "db9196d543b2700304973b527f531289"},
		// … + secret
		{"wecom with secret", SobotWeComSecret, wecomSecret, wecomParams(), "b430f9a9cd94a0dcd22ce856414deb40"},
		{"unknown scheme", SobotScheme("sha1"), "", map[string]string{}, ""},
	}
	for _, tt := range tests {
		if got := SobotSign(tt.scheme, sobotSysNum, tt.secret, tt.params); got != tt.want {
			t.Errorf("%s: SobotSign = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestVerifySobot(t *testing.T) {
	basic := map[string]string{"partnerId": "CRM-10086", "email": "zhangsan@example.com", "sign": "07e3dd381713d08f3ca68b5ebef68f43", "timestamp": sobotTS, "uid": "u-1"}
	chat := map[string]string{"partnerId": "CRM-10086", "email": "zhangsan@example.com", "sign": "89c49eea13fbd770238d27c622de3895", "timestamp": sobotTS, "cid": "c-1"}
	contact := map[string]string{"partnerId": "CRM-10086", "callId": "c-1", "email": "zhangsan@example.com", "sign": "6de8e954568bb6dc62be42a645f921b9",
		"timestamp": sobotTS, "uphone": "13800138000", "uemail": "li@example.com"}
	wecom := wecomParams()
	wecom["sign"] = "b430f9a9cd94a0dcd22ce856414deb40"
	with := func(p map[string]string, k, v string) map[string]string {
		q := maps.Clone(p)
		if v == "\x00" {
			delete(q, k)
		} else {
			q[k] = v
		}
		return q
	}
	keyed := SobotConfig{SysNum: sobotSysNum, Secret: sobotSecret}
	plain := SobotConfig{SysNum: sobotSysNum}

	tests := []struct {
		name       string
		cfg        SobotConfig
		params     map[string]string
		now        time.Time
		wantScheme SobotScheme
		want       error
	}{
		{"basic", plain, basic, sobotNow, SobotBasic, nil},
		{"basic ignores time (the scheme has none)", plain, basic, sobotNow.Add(24 * time.Hour), SobotBasic, nil},
		{"basic in upper-case hex", plain, with(basic, "sign", strings.ToUpper(basic["sign"])), sobotNow, SobotBasic, nil},
		{"basic, another agent", plain, with(basic, "email", "lisi@example.com"), sobotNow, SobotBasic, ErrBadSignature},
		{"basic, another company", SobotConfig{SysNum: "other"}, basic, sobotNow, SobotBasic, ErrBadSignature},
		{"basic without sign", plain, with(basic, "sign", "\x00"), sobotNow, "", ErrSigMissing},
		{"basic without email", plain, with(basic, "email", ""), sobotNow, "", ErrSigMissing},
		{"no sysNum configured", SobotConfig{}, basic, sobotNow, "", ErrSobotConfig},

		{"secret, chat", keyed, chat, sobotNow, SobotSecretChat, nil},
		{"secret, chat, 300s later", keyed, chat, sobotNow.Add(300 * time.Second), SobotSecretChat, nil},
		{"secret, chat, 301s later", keyed, chat, sobotNow.Add(301 * time.Second), SobotSecretChat, ErrSigExpired},
		{"secret, chat, 301s early", keyed, chat, sobotNow.Add(-301 * time.Second), SobotSecretChat, ErrSigExpired},
		{"secret, chat, wider window", SobotConfig{SysNum: sobotSysNum, Secret: sobotSecret, MaxSkew: time.Hour}, chat, sobotNow.Add(30 * time.Minute), SobotSecretChat, nil},
		{"secret, chat, another partner", keyed, with(chat, "partnerId", "CRM-1"), sobotNow, SobotSecretChat, ErrBadSignature},
		{"secret, chat, moved timestamp", keyed, with(chat, "timestamp", "1718000001000"), sobotNow, SobotSecretChat, ErrBadSignature},
		{"secret, wrong secret", SobotConfig{SysNum: sobotSysNum, Secret: "guess"}, chat, sobotNow, SobotSecretChat, ErrBadSignature},
		{"secret, no timestamp", keyed, with(chat, "timestamp", "\x00"), sobotNow, "", ErrSigMissing},
		{"secret refuses the basic sign (no downgrade)", keyed, basic, sobotNow, SobotSecretChat, ErrBadSignature},
		{"secret, contact inferred from uphone", keyed, contact, sobotNow, SobotSecretContact, nil},
		{"secret, contact, another phone", keyed, with(contact, "uphone", "13800138001"), sobotNow, SobotSecretContact, ErrBadSignature},
		{"secret, contact, expired", keyed, contact, sobotNow.Add(10 * time.Minute), SobotSecretContact, ErrSigExpired},
		{"secret, contact, pinned", SobotConfig{SysNum: sobotSysNum, Secret: sobotSecret, Page: SobotPageContact}, contact, sobotNow, SobotSecretContact, nil},
		{"secret, pinned to chat refuses a contact sign", SobotConfig{SysNum: sobotSysNum, Secret: sobotSecret, Page: SobotPageChat}, contact, sobotNow, SobotSecretChat, ErrBadSignature},
		{"secret, timestamp in seconds", keyed,
			map[string]string{"partnerId": "P", "timestamp": "1718000000", "sign": SobotSign(SobotSecretChat, sobotSysNum, sobotSecret, map[string]string{"partnerId": "P", "timestamp": "1718000000"})},
			sobotNow, SobotSecretChat, nil},
		{"secret, malformed timestamp", keyed,
			map[string]string{"partnerId": "P", "timestamp": "soon", "sign": SobotSign(SobotSecretChat, sobotSysNum, sobotSecret, map[string]string{"partnerId": "P", "timestamp": "soon"})},
			sobotNow, SobotSecretChat, ErrBadSignature},

		{"wecom with secret", SobotConfig{Secret: wecomSecret}, wecom, sobotNow, SobotWeComSecret, nil},
		{"wecom, another customer phone", SobotConfig{Secret: wecomSecret}, with(wecom, "tel", "13900139001"), sobotNow, SobotWeComSecret, ErrBadSignature},
		{"wecom, expired", SobotConfig{Secret: wecomSecret}, wecom, sobotNow.Add(time.Hour), SobotWeComSecret, ErrSigExpired},
		{"wecom without a secret proves nothing", plain, with(wecom, "sign", "db9196d543b2700304973b527f531289"), sobotNow, "", ErrSobotUnkeyed},
		{"wecom pinned", SobotConfig{Secret: wecomSecret, Page: SobotPageWeCom}, wecom, sobotNow, SobotWeComSecret, nil},
		{"wecom without sign", SobotConfig{Secret: wecomSecret}, with(wecom, "sign", "\x00"), sobotNow, "", ErrSigMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scheme, err := VerifySobot(tt.cfg, tt.params, tt.now)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("VerifySobot = %q, %v; want %v", scheme, err, tt.want)
			}
			if scheme != tt.wantScheme {
				t.Errorf("scheme = %q, want %q", scheme, tt.wantScheme)
			}
		})
	}
	if !SobotBasic.Weak() || !SobotWeCom.Weak() || SobotSecretChat.Weak() || SobotWeComSecret.Weak() {
		t.Error("Weak")
	}
}

func TestSobotSignsWhatNormalizeReads(t *testing.T) {
	// A pop URL from Sobot's call center, zc_encode'd, parses, verifies and
	// normalises in one go.
	q := "zc_encode=1&partnerId=CRM-10086&callId=c-1&email=zhangsan%40example.com&sign=6de8e954568bb6dc62be42a645f921b9" +
		"&timestamp=1718000000000&uphone=13800138000&uemail=li%40example.com"
	params, err := ParseQuery(encodeURIComponent(q))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := Detect(params, "GET", ""); n != Sobot || err != nil {
		t.Fatalf("Detect = %q, %v", n, err)
	}
	if s, err := VerifySobot(SobotConfig{SysNum: sobotSysNum, Secret: sobotSecret}, params, sobotNow); err != nil || s != SobotSecretContact {
		t.Fatalf("VerifySobot = %q, %v", s, err)
	}
	c, err := Normalize(Sobot, params)
	if err != nil || c.CustomerNumber != "13800138000" {
		t.Fatalf("Normalize = %#v, %v", c, err)
	}
	if _, ok := c.AssociatedData["sign"]; ok {
		t.Error("sign leaked into AssociatedData")
	}
}

// A secret sign is single use within its window; an expired one says
// expired; the basic sign verifies but is never single use (it has no
// time), and the customer parameters a scheme does not sign are named so
// the caller can drop them.
func TestVerifySobotOnce(t *testing.T) {
	store := NewMemoryNonceStore(func() time.Time { return sobotNow })
	cfg := SobotConfig{SysNum: sobotSysNum, Secret: sobotSecret, Page: SobotPageChat}
	signed := func(ts string) map[string]string {
		p := map[string]string{"timestamp": ts, "partnerId": "CRM-10086", "email": "a@b.c"}
		p["sign"] = SobotSign(SobotSecretChat, sobotSysNum, sobotSecret, p)
		return p
	}
	fresh := signed(sobotTS)
	if _, err := VerifySobotOnce(t.Context(), store, cfg, fresh, sobotNow); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := VerifySobotOnce(t.Context(), store, cfg, fresh, sobotNow.Add(time.Second)); !errors.Is(err, ErrSigReplayed) {
		t.Fatalf("second use: %v, want replayed", err)
	}
	old := signed("1717990000000") // 10 000 s earlier
	if _, err := VerifySobotOnce(t.Context(), store, cfg, old, sobotNow); !errors.Is(err, ErrSigExpired) {
		t.Fatalf("expired sign: %v, want expired", err)
	}
	basic := map[string]string{"email": "a@b.c"}
	basic["sign"] = SobotSign(SobotBasic, sobotSysNum, "", basic)
	for range 2 {
		if scheme, err := VerifySobotOnce(t.Context(), store, SobotConfig{SysNum: sobotSysNum}, basic, sobotNow); err != nil || !scheme.Weak() {
			t.Fatalf("basic: %v %v, want a weak scheme", scheme, err)
		}
	}

	tests := []struct {
		scheme SobotScheme
		params map[string]string
		want   string
	}{
		{SobotSecretChat, map[string]string{"partnerId": "p", "tel": "1", "uphone": "2"}, "tel uphone"},
		{SobotSecretChat, map[string]string{"partnerid": "p"}, ""},
		{SobotSecretContact, map[string]string{"uphone": "2", "tel": "1", "partnerId": "p"}, "partnerId tel"},
		{SobotWeComSecret, map[string]string{"tel": "1", "partnerId": "p", "uphone": "2"}, "uphone"},
		{SobotBasic, map[string]string{"email": "e", "uphone": "2"}, "uphone"},
	}
	for _, tt := range tests {
		got := SobotUnsignedCustomer(tt.scheme, tt.params)
		slices.Sort(got)
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s %v: unsigned %v, want %q", tt.scheme, tt.params, got, tt.want)
		}
	}
}
