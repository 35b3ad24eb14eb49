package dialect

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sobot's signatures, for compatibility only (seed 004, SPEC §8). They are
// MD5 over plain concatenations, exactly as Sobot documents them, so that a
// screenpop pop page can be configured as a Sobot 对接页面 and still refuse
// anonymous requests. They are not what screenpop would choose:
//
//   - the basic sign, md5(sysNum+email), has no secret and no time: sysNum is
//     the company's Sobot id (it appears in Sobot chat links) and email an
//     agent's login, so anyone who knows both can compute it, for ever. It
//     proves about as much as a Referer header. Turn on Sobot's 安全密钥.
//   - the secret signs, MD5(sysNum+secret+timestamp+…), are a keyed hash of
//     the secret-prefix kind, not an HMAC, over fields glued together without
//     separators, and cover only some of the parameters (uid, cid, callId…
//     are not signed). They are accepted within a time window.
//   - the WeCom (企业微信) sign without a secret has no secret at all; it is
//     refused (ErrSobotUnkeyed).
//
// Prefer screenpop's own signed links (Sign/Verify) wherever the caller can
// produce them.

// SobotScheme is one of Sobot's documented sign formulas.
type SobotScheme string

const (
	// SobotBasic: sign = md5(sysNum + email), every page (seed 004).
	SobotBasic SobotScheme = "basic"
	// SobotSecretChat: with 安全密钥 on, the chat workbench (客服工作台):
	// sign = MD5(sysNum + secret + timestamp + partnerId), partnerId left out
	// when empty.
	SobotSecretChat SobotScheme = "secret_chat"
	// SobotSecretContact: with 安全密钥 on, the call-center call detail and
	// workbench, task, ticket, customer-center, QA and monitoring pages:
	// sign = MD5(sysNum + secret + timestamp + uphone + uemail), each left out
	// when empty.
	SobotSecretContact SobotScheme = "secret_contact"
	// SobotWeCom: the WeCom sidebar with the secret off: sign = MD5(corpId +
	// userId + partnerId + serviceId + serviceRoleId + wxUnionId +
	// wxBuildUnionId + tel + serviceTel + timeStamp). Unkeyed.
	SobotWeCom SobotScheme = "wecom"
	// SobotWeComSecret: the same with the secret appended last.
	SobotWeComSecret SobotScheme = "wecom_secret"
)

// Weak reports whether a scheme involves no secret and so authenticates
// nothing beyond knowledge of public identifiers.
func (s SobotScheme) Weak() bool { return s == SobotBasic || s == SobotWeCom }

// sobotWeComFields is the WeCom sign's concatenation order (seed 004 企业微信
// 的iFrame).
var sobotWeComFields = []string{"corpId", "userId", "partnerId", "serviceId", "serviceRoleId", "wxUnionId", "wxBuildUnionId", "tel", "serviceTel", "timeStamp"}

// SobotSign computes Sobot's sign for params (as received, URL-decoded, not
// trimmed) under scheme, as lowercase hex. sysNum is unused by the WeCom
// schemes and secret by the unkeyed ones. "Left out when empty" in Sobot's
// text needs no special case: concatenating an empty string adds nothing.
func SobotSign(scheme SobotScheme, sysNum, secret string, params map[string]string) string {
	var b strings.Builder
	switch scheme {
	case SobotBasic:
		b.WriteString(sysNum)
		b.WriteString(params["email"])
	case SobotSecretChat:
		b.WriteString(sysNum)
		b.WriteString(secret)
		_, ts, _ := getFold(params, "timestamp")
		b.WriteString(ts)
		_, pid, _ := getFold(params, "partnerId")
		b.WriteString(pid)
	case SobotSecretContact:
		b.WriteString(sysNum)
		b.WriteString(secret)
		_, ts, _ := getFold(params, "timestamp")
		b.WriteString(ts)
		b.WriteString(params["uphone"])
		b.WriteString(params["uemail"])
	case SobotWeCom, SobotWeComSecret:
		for _, f := range sobotWeComFields {
			_, v, _ := getFold(params, f)
			b.WriteString(v)
		}
		if scheme == SobotWeComSecret {
			b.WriteString(secret)
		}
	default:
		return ""
	}
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// SobotPage is the family of Sobot pages a 对接页面 is configured on; it
// decides which secret formula applies.
type SobotPage string

const (
	// SobotPageAuto infers the page: WeCom when corpId is present, the
	// contact formula when uphone or uemail is present, else the chat one.
	// An attacker holding one valid secret sign can then present it under the
	// other formula's fields (a chat sign over partnerId P verifies as a
	// contact sign with uphone P); pin the page where a tenant uses only one.
	SobotPageAuto    SobotPage = ""
	SobotPageChat    SobotPage = "chat"    // 客服工作台
	SobotPageContact SobotPage = "contact" // 呼叫中心, 任务, 工单, 客户中心, 质检, 会话监控
	SobotPageWeCom   SobotPage = "wecom"   // 企业微信侧边栏
)

// SobotConfig is a tenant's Sobot settings.
type SobotConfig struct {
	SysNum  string        // 企业标识: the company's Sobot id
	Secret  string        // 安全密钥; empty when the tenant has not turned it on
	Page    SobotPage     // which pages the URL is configured on
	MaxSkew time.Duration // window around timestamp; DefaultMaxSkew when <= 0
}

var (
	// ErrSobotConfig: the tenant's Sobot settings lack what the scheme needs.
	ErrSobotConfig = errors.New("dialect: sobot: sysNum or secret not configured")
	// ErrSobotUnkeyed: a WeCom request while no secret is configured; its
	// sign is a checksum anyone can compute, so it authorises nothing.
	ErrSobotUnkeyed = errors.New("dialect: sobot: the WeCom sign without a secret is not a credential")
)

// VerifySobot checks Sobot's sign on params and returns the scheme that
// verified, so the caller can log or refuse weak ones (SobotScheme.Weak).
// With a secret configured only the secret formulas are accepted (never the
// basic sign, which would be a downgrade) and the timestamp must be within
// MaxSkew of now; without one only the basic sign is, and it has no time.
// Signs are compared in constant time, ignoring hex letter case.
func VerifySobot(cfg SobotConfig, params map[string]string, now time.Time) (SobotScheme, error) {
	page := cfg.Page
	if page == SobotPageAuto {
		if _, _, ok := getFold(params, "corpId"); ok {
			page = SobotPageWeCom
		}
	}
	sign := params["sign"]
	if page == SobotPageWeCom {
		if cfg.Secret == "" {
			return "", ErrSobotUnkeyed
		}
		_, ts, _ := getFold(params, "timeStamp")
		if sign == "" || ts == "" {
			return "", ErrSigMissing
		}
		return SobotWeComSecret, checkSobot(SobotWeComSecret, cfg, params, sign, ts, now)
	}
	if cfg.SysNum == "" {
		return "", ErrSobotConfig
	}
	if cfg.Secret == "" {
		if sign == "" || params["email"] == "" {
			return "", ErrSigMissing
		}
		return SobotBasic, checkSobot(SobotBasic, cfg, params, sign, "", now)
	}
	_, ts, _ := getFold(params, "timestamp")
	if sign == "" || ts == "" {
		return "", ErrSigMissing
	}
	scheme := SobotSecretChat
	switch page {
	case SobotPageContact:
		scheme = SobotSecretContact
	case SobotPageAuto:
		_, hasPhone := params["uphone"]
		_, hasEmail := params["uemail"]
		if hasPhone || hasEmail {
			scheme = SobotSecretContact
		}
	}
	return scheme, checkSobot(scheme, cfg, params, sign, ts, now)
}

func checkSobot(scheme SobotScheme, cfg SobotConfig, params map[string]string, sign, ts string, now time.Time) error {
	want := SobotSign(scheme, cfg.SysNum, cfg.Secret, params)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(sign)), []byte(want)) != 1 {
		return ErrBadSignature
	}
	if ts == "" {
		return nil // the basic sign has no time
	}
	at, err := parseSobotTime(ts)
	if err != nil {
		return &SigError{Reason: SigBad, Detail: "malformed timestamp"}
	}
	skew := cfg.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if d := now.Sub(at); d > skew || d < -skew {
		return &SigError{Reason: SigExpired, Detail: fmt.Sprintf("sobot timestamp %s from now", d.Round(time.Second))}
	}
	return nil
}

// parseSobotTime reads Sobot's timestamp: milliseconds (长整型，毫秒级时间戳,
// seed 004). The WeCom table does not give timeStamp's unit and the seed's
// secret-query example shows seconds (createTime 1635322465), so a value
// below 1e11 — a millisecond time in 1973, a second time in 5138 — is read
// as seconds.
func parseSobotTime(s string) (time.Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	if n >= 1e11 {
		return time.UnixMilli(n), nil
	}
	return time.Unix(n, 0), nil
}

// sobotSigned lists, per scheme, the request parameters its sign covers.
var sobotSigned = map[SobotScheme][]string{
	SobotBasic:         {"email"},
	SobotSecretChat:    {"timestamp", "partnerId"},
	SobotSecretContact: {"timestamp", "uphone", "uemail"},
	SobotWeCom:         sobotWeComFields,
	SobotWeComSecret:   sobotWeComFields,
}

// sobotCustomerParams are the parameters normalizeSobot takes the customer
// from.
var sobotCustomerParams = []string{"uphone", "tel", "partnerId"}

// SobotUnsignedCustomer returns the customer parameters of params that the
// scheme's sign does not cover (in any letter case). The customer must come
// only from signed parameters: a captured URL with "&tel=…" added must not
// show another customer, so the caller drops these before reading the call.
func SobotUnsignedCustomer(scheme SobotScheme, params map[string]string) []string {
	var out []string
	for k := range params {
		for _, c := range sobotCustomerParams {
			if !strings.EqualFold(k, c) {
				continue
			}
			// Letter case as the sign reads it: the sign and normalizeSobot
			// pick the same key (getFold prefers the exact spelling).
			signed := false
			for _, s := range sobotSigned[scheme] {
				signed = signed || strings.EqualFold(k, s)
			}
			if !signed {
				out = append(out, k)
			}
		}
	}
	return out
}

// VerifySobotOnce is VerifySobot plus replay protection, like VerifyOnce for
// our own links: a secret sign is accepted once within its time window,
// and again it is ErrSigReplayed. The unkeyed basic sign has no time, so it
// cannot be made single use: it is returned as verified (scheme Weak) and
// the caller must not take it as authorisation.
func VerifySobotOnce(ctx context.Context, store NonceStore, cfg SobotConfig, params map[string]string, now time.Time) (SobotScheme, error) {
	if store == nil {
		return "", errors.New("dialect: VerifySobotOnce without a NonceStore")
	}
	scheme, err := VerifySobot(cfg, params, now)
	if err != nil || scheme.Weak() {
		return scheme, err
	}
	key := "timestamp"
	if scheme == SobotWeComSecret {
		key = "timeStamp"
	}
	_, ts, _ := getFold(params, key)
	at, _ := parseSobotTime(ts) // verified above
	skew := cfg.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	seen, err := store.Seen(ctx, "sobot:"+strings.ToLower(params["sign"]), at.Add(skew+nonceMargin))
	if err != nil {
		return scheme, fmt.Errorf("dialect: nonce store: %w", err)
	}
	if seen {
		return scheme, ErrSigReplayed
	}
	return scheme, nil
}
