package dialect

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// screenpop's own signed links (SPEC §8 "Who may see a pop"): a pop URL that
// screenpop hands out (to the agent workspace, or to a system that opens pops)
// carries ts, the Unix time it was signed, and sig, an HMAC-SHA256 over the
// path and every other parameter. It is valid for a short time either side of
// ts, and VerifyOnce with a NonceStore makes it single-use.

const (
	SigParam   = "sig"   // the signature: base64url, no padding, of HMAC-SHA256
	TSParam    = "ts"    // the signing time, Unix seconds
	NonceParam = "nonce" // random per link, so two links for the same call in the same second differ

	// DefaultMaxSkew is how far from ts a link is accepted when the caller
	// passes no window: short, because a pop URL is used at once.
	DefaultMaxSkew = 300 * time.Second
)

// linkDomain separates these MACs from any other use of the same key and
// versions the canonical form.
const linkDomain = "screenpop.link.v1"

// SigReason says why a signature was refused.
type SigReason string

const (
	SigMissing  SigReason = "missing"       // no signature or no timestamp
	SigBad      SigReason = "bad_signature" // does not verify (tampered, wrong key, malformed)
	SigExpired  SigReason = "expired"       // the timestamp is outside the window
	SigReplayed SigReason = "replayed"      // VerifyOnce: the signature was used before
)

// SigError is the typed error of Verify, VerifyOnce and VerifySobot. Compare
// with errors.Is against ErrSigMissing, ErrBadSignature, ErrSigExpired and
// ErrSigReplayed; all of them mean "not authorised" to the web layer, and the
// reason is for logs, not for the client.
type SigError struct {
	Reason SigReason
	Detail string // for logs; never secret material
}

func (e *SigError) Error() string {
	if e.Detail != "" {
		return "dialect: signature " + string(e.Reason) + ": " + e.Detail
	}
	return "dialect: signature " + string(e.Reason)
}

// Is matches any *SigError with the same reason.
func (e *SigError) Is(target error) bool {
	t, ok := target.(*SigError)
	return ok && t.Reason == e.Reason
}

var (
	ErrSigMissing   = &SigError{Reason: SigMissing}
	ErrBadSignature = &SigError{Reason: SigBad}
	ErrSigExpired   = &SigError{Reason: SigExpired}
	ErrSigReplayed  = &SigError{Reason: SigReplayed}
)

// ErrNoKey: signing or verifying with an empty key, a configuration error
// (an empty HMAC key makes every signature forgeable).
var ErrNoKey = errors.New("dialect: empty signing key")

// Sign returns a copy of params with ts set to now, a fresh random nonce, and
// sig computed over the path and every other parameter; any ts, nonce or sig
// already in params is replaced. Without the nonce, two links for the same
// call signed in the same second (a workspace reloaded at once, two media
// pops of one page) would be one link, and the second use a "replay". path is the pop route as the server will see it
// (/pop/{tenant}/{page}), so a link for one tenant or page does not open
// another. The key should be 32 random bytes; Sign panics on an empty key,
// which is a programming error that would otherwise make forgeable links.
func Sign(key []byte, path string, params url.Values, now time.Time) url.Values {
	return signWith(key, path, params, now, newNonce())
}

// signWith is Sign with the nonce given ("" adds none: the known vectors of
// the tests, computed outside Go, predate it).
func signWith(key []byte, path string, params url.Values, now time.Time, nonce string) url.Values {
	if len(key) == 0 {
		panic(ErrNoKey)
	}
	out := make(url.Values, len(params)+3)
	for k, vs := range params {
		if k != SigParam && k != TSParam && k != NonceParam {
			out[k] = slices.Clone(vs)
		}
	}
	out.Set(TSParam, strconv.FormatInt(now.Unix(), 10))
	if nonce != "" {
		out.Set(NonceParam, nonce)
	}
	out.Set(SigParam, base64.RawURLEncoding.EncodeToString(linkMAC(key, path, out)))
	return out
}

// Verify checks a signed link: ErrSigMissing without sig or ts,
// ErrBadSignature when the MAC does not match (any parameter, the path or the
// key differs, or sig or ts is repeated or malformed), ErrSigExpired when ts
// is more than maxSkew before or after now (DefaultMaxSkew when maxSkew <= 0).
// The MAC is checked before the time, so an unauthenticated ts is never
// trusted.
func Verify(key []byte, path string, params url.Values, now time.Time, maxSkew time.Duration) error {
	_, _, err := verifyLink(key, path, params, now, maxSkew)
	return err
}

func verifyLink(key []byte, path string, params url.Values, now time.Time, maxSkew time.Duration) (sig string, ts time.Time, err error) {
	if len(key) == 0 {
		return "", time.Time{}, ErrNoKey
	}
	sigs, tss := params[SigParam], params[TSParam]
	if len(sigs) == 0 || sigs[0] == "" || len(tss) == 0 || tss[0] == "" {
		return "", time.Time{}, ErrSigMissing
	}
	if len(sigs) > 1 || len(tss) > 1 {
		return "", time.Time{}, &SigError{Reason: SigBad, Detail: "repeated sig or ts"}
	}
	// Strict: base64 with non-zero padding bits would give several spellings
	// of one signature, and each would pass a replay check keyed on the text.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sigs[0])
	if err != nil || len(got) != sha256.Size {
		return "", time.Time{}, &SigError{Reason: SigBad, Detail: "malformed sig"}
	}
	if !hmac.Equal(got, linkMAC(key, path, params)) {
		return "", time.Time{}, ErrBadSignature
	}
	sec, err := strconv.ParseInt(tss[0], 10, 64)
	if err != nil {
		return "", time.Time{}, &SigError{Reason: SigBad, Detail: "malformed ts"}
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	ts = time.Unix(sec, 0)
	if d := now.Sub(ts); d > maxSkew || d < -maxSkew {
		return "", time.Time{}, &SigError{Reason: SigExpired, Detail: fmt.Sprintf("signed %s from now", d.Round(time.Second))}
	}
	return base64.RawURLEncoding.EncodeToString(got), ts, nil
}

// linkMAC is HMAC-SHA256 over
//
//	screenpop.link.v1 \n escaped(path) \n k1=v1&k2=v2…
//
// with every parameter but sig, names sorted, a name's values sorted, names
// and values escaped as in a query (url.QueryEscape). Sorting makes the MAC
// independent of the order a browser or proxy puts parameters in; escaping
// the path and the pairs keeps the three parts from running into each other.
func linkMAC(key []byte, path string, params url.Values) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(canonicalLink(path, params)))
	return m.Sum(nil)
}

func canonicalLink(path string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != SigParam {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(linkDomain)
	b.WriteByte('\n')
	b.WriteString(url.QueryEscape(path))
	b.WriteByte('\n')
	first := true
	for _, k := range keys {
		vs := slices.Clone(params[k])
		slices.Sort(vs)
		for _, v := range vs {
			if !first {
				b.WriteByte('&')
			}
			first = false
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

// NonceStore remembers signatures that have been used, for VerifyOnce.
//
// Seen records sig as used until the time until and reports whether it was
// already recorded (and not yet forgotten). It must be atomic: of two
// concurrent calls with the same sig exactly one sees false. Entries may be
// forgotten after until, when the link has expired anyway. The production
// store lives in PostgreSQL (an INSERT … ON CONFLICT DO NOTHING) so that
// every instance behind the load balancer shares it.
type NonceStore interface {
	Seen(ctx context.Context, sig string, until time.Time) (bool, error)
}

// nonceMargin keeps a used signature a little longer than the window, so a
// replay is refused even by an instance whose clock runs behind.
const nonceMargin = time.Minute

// VerifyOnce is Verify plus replay protection: a valid link is accepted once,
// and again it is ErrSigReplayed. A store error is returned as it is (not a
// *SigError): the link may be fine, but it cannot be accepted unchecked.
func VerifyOnce(ctx context.Context, store NonceStore, key []byte, path string, params url.Values, now time.Time, maxSkew time.Duration) error {
	if store == nil {
		return errors.New("dialect: VerifyOnce without a NonceStore")
	}
	sig, ts, err := verifyLink(key, path, params, now, maxSkew)
	if err != nil {
		return err
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	seen, err := store.Seen(ctx, sig, ts.Add(maxSkew+nonceMargin))
	if err != nil {
		return fmt.Errorf("dialect: nonce store: %w", err)
	}
	if seen {
		return ErrSigReplayed
	}
	return nil
}

// MemoryNonceStore is a NonceStore in process memory, for tests only: it is
// not shared between instances and forgets everything on restart, so it
// protects nothing in a real deployment.
type MemoryNonceStore struct {
	mu   sync.Mutex
	now  func() time.Time
	seen map[string]time.Time
}

// NewMemoryNonceStore returns an empty store reading the time from now
// (time.Now when nil) to forget expired entries.
func NewMemoryNonceStore(now func() time.Time) *MemoryNonceStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryNonceStore{now: now, seen: map[string]time.Time{}}
}

// Seen implements NonceStore.
func (m *MemoryNonceStore) Seen(ctx context.Context, sig string, until time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for k, u := range m.seen {
		if now.After(u) {
			delete(m.seen, k)
		}
	}
	if _, ok := m.seen[sig]; ok {
		return true, nil
	}
	m.seen[sig] = until
	return false, nil
}

// Len reports how many signatures the store remembers.
func (m *MemoryNonceStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}

// newNonce is 96 random bits, base64url.
func newNonce() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}
