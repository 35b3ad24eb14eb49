package dialect

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	testKey  = []byte(strings.Repeat("k", 32))
	testPath = "/pop/acme/customer"
	signedAt = time.Unix(1718000000, 0)
)

func testParams() url.Values {
	return url.Values{"callerNum": {"13800138000"}, "callType": {"0"}, "name": {"张三 先生"}}
}

func TestSignKnownVector(t *testing.T) {
	// Computed outside Go:
	//   printf '%s' 'screenpop.link.v1
	//   %2Fpop%2Facme%2Fcustomer
	//   callType=0&callerNum=13800138000&name=%E5%BC%A0%E4%B8%89+%E5%85%88%E7%94%9F&ts=1718000000' |
	//   openssl dgst -sha256 -hmac kkkk…(32) -binary | basenc --base64url | tr -d =
	got := signWith(testKey, testPath, testParams(), signedAt, "")
	if got.Get(SigParam) != "O7hKOtkPUkh18y2WFfA71OwtEzy9Qw8PhBxtoRJZ3Ow" || got.Get(TSParam) != "1718000000" {
		t.Fatalf("Sign = %v", got)
	}
	if got.Get("name") != "张三 先生" {
		t.Error("Sign changed a parameter")
	}
}

// TestSameCallTwiceInOneSecond: two links for the same call signed in the
// same second are two links, each usable once (a workspace reloaded at once
// was refused as a replay when they were one).
func TestSameCallTwiceInOneSecond(t *testing.T) {
	store := NewMemoryNonceStore(func() time.Time { return signedAt })
	a := Sign(testKey, testPath, testParams(), signedAt)
	b := Sign(testKey, testPath, testParams(), signedAt)
	if a.Get(NonceParam) == "" || a.Get(NonceParam) == b.Get(NonceParam) || a.Get(SigParam) == b.Get(SigParam) {
		t.Fatalf("links not distinct: %v %v", a, b)
	}
	for i, link := range []url.Values{a, b} {
		if err := VerifyOnce(context.Background(), store, testKey, testPath, link, signedAt, DefaultMaxSkew); err != nil {
			t.Fatalf("link %d: %v", i, err)
		}
	}
	if err := VerifyOnce(context.Background(), store, testKey, testPath, a, signedAt, DefaultMaxSkew); !errors.Is(err, ErrSigReplayed) {
		t.Fatalf("first link again: %v, want replayed", err)
	}
	tampered := Sign(testKey, testPath, testParams(), signedAt)
	tampered.Set(NonceParam, "other")
	if err := Verify(testKey, testPath, tampered, signedAt, DefaultMaxSkew); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("changed nonce: %v, want bad signature", err)
	}
}

func TestSignDoesNotMutateAndReplacesOldSig(t *testing.T) {
	in := testParams()
	in.Set(SigParam, "old")
	in.Set(TSParam, "1")
	out := Sign(testKey, testPath, in, signedAt)
	if in.Get(SigParam) != "old" || in.Get(TSParam) != "1" {
		t.Error("Sign mutated its input")
	}
	if len(out[SigParam]) != 1 || len(out[TSParam]) != 1 || out.Get(TSParam) != "1718000000" {
		t.Errorf("old sig/ts not replaced: %v", out)
	}
	if err := Verify(testKey, testPath, out, signedAt, 0); err != nil {
		t.Error(err)
	}
}

func TestVerify(t *testing.T) {
	signed := Sign(testKey, testPath, testParams(), signedAt)
	with := func(f func(v url.Values)) url.Values {
		v := url.Values{}
		for k, vs := range signed {
			v[k] = append([]string(nil), vs...)
		}
		f(v)
		return v
	}
	sig := signed.Get(SigParam)
	raw, _ := base64.RawURLEncoding.DecodeString(sig)
	// The same 32 bytes spelled with non-zero padding bits in the last character.
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", sig[len(sig)-1])
	variant := sig[:len(sig)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last^1])
	if v, err := base64.RawURLEncoding.DecodeString(variant); err != nil || string(v) != string(raw) {
		t.Fatalf("test setup: %q is not a lax spelling of the same signature", variant)
	}

	tests := []struct {
		name    string
		key     []byte
		path    string
		params  url.Values
		now     time.Time
		maxSkew time.Duration
		want    error
	}{
		{"valid", testKey, testPath, signed, signedAt, 0, nil},
		{"valid after a round trip through a query string", testKey, testPath, mustParse(signed.Encode()), signedAt.Add(10 * time.Second), 0, nil},
		{"valid at +300s", testKey, testPath, signed, signedAt.Add(300 * time.Second), 300 * time.Second, nil},
		{"valid at -300s (clock behind)", testKey, testPath, signed, signedAt.Add(-300 * time.Second), 300 * time.Second, nil},
		{"expired at +301s", testKey, testPath, signed, signedAt.Add(301 * time.Second), 300 * time.Second, ErrSigExpired},
		{"too far ahead at -301s", testKey, testPath, signed, signedAt.Add(-301 * time.Second), 300 * time.Second, ErrSigExpired},
		{"default window is 300s", testKey, testPath, signed, signedAt.Add(301 * time.Second), 0, ErrSigExpired},
		{"a wider window", testKey, testPath, signed, signedAt.Add(time.Hour), 2 * time.Hour, nil},
		{"tampered value", testKey, testPath, with(func(v url.Values) { v.Set("callerNum", "13800138001") }), signedAt, 0, ErrBadSignature},
		{"added parameter", testKey, testPath, with(func(v url.Values) { v.Set("callType", "1"); v.Add("x", "1") }), signedAt, 0, ErrBadSignature},
		{"added value", testKey, testPath, with(func(v url.Values) { v.Add("callerNum", "1") }), signedAt, 0, ErrBadSignature},
		{"removed parameter", testKey, testPath, with(func(v url.Values) { v.Del("name") }), signedAt, 0, ErrBadSignature},
		{"tampered ts", testKey, testPath, with(func(v url.Values) { v.Set(TSParam, "1718000100") }), signedAt, 0, ErrBadSignature},
		{"another tenant's path", testKey, "/pop/other/customer", signed, signedAt, 0, ErrBadSignature},
		{"another page", testKey, "/pop/acme/orders", signed, signedAt, 0, ErrBadSignature},
		{"wrong key", []byte(strings.Repeat("x", 32)), testPath, signed, signedAt, 0, ErrBadSignature},
		{"expired and tampered is a bad signature", testKey, testPath, with(func(v url.Values) { v.Set("name", "李四") }), signedAt.Add(time.Hour), 0, ErrBadSignature},
		{"malformed sig", testKey, testPath, with(func(v url.Values) { v.Set(SigParam, "!!!") }), signedAt, 0, ErrBadSignature},
		{"padded sig", testKey, testPath, with(func(v url.Values) { v.Set(SigParam, sig+"=") }), signedAt, 0, ErrBadSignature},
		{"sig spelled with padding bits", testKey, testPath, with(func(v url.Values) { v.Set(SigParam, variant) }), signedAt, 0, ErrBadSignature},
		{"truncated sig", testKey, testPath, with(func(v url.Values) { v.Set(SigParam, sig[:20]) }), signedAt, 0, ErrBadSignature},
		{"repeated sig", testKey, testPath, with(func(v url.Values) { v.Add(SigParam, sig) }), signedAt, 0, ErrBadSignature},
		{"repeated ts", testKey, testPath, with(func(v url.Values) { v.Add(TSParam, "1718000000") }), signedAt, 0, ErrBadSignature},
		{"no sig", testKey, testPath, with(func(v url.Values) { v.Del(SigParam) }), signedAt, 0, ErrSigMissing},
		{"empty sig", testKey, testPath, with(func(v url.Values) { v.Set(SigParam, "") }), signedAt, 0, ErrSigMissing},
		{"no ts", testKey, testPath, with(func(v url.Values) { v.Del(TSParam) }), signedAt, 0, ErrSigMissing},
		{"nothing", testKey, testPath, url.Values{"callerNum": {"1"}}, signedAt, 0, ErrSigMissing},
		{"empty key", nil, testPath, signed, signedAt, 0, ErrNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.key, tt.path, tt.params, tt.now, tt.maxSkew)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			for _, other := range []error{ErrSigMissing, ErrBadSignature, ErrSigExpired, ErrSigReplayed} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
		})
	}
}

func mustParse(q string) url.Values {
	v, err := url.ParseQuery(q)
	if err != nil {
		panic(err)
	}
	return v
}

func TestSignPanicsOnEmptyKey(t *testing.T) {
	defer func() {
		if r := recover(); r != ErrNoKey {
			t.Errorf("recover = %v", r)
		}
	}()
	Sign(nil, testPath, testParams(), signedAt)
}

func TestCanonicalLinkIsUnambiguous(t *testing.T) {
	// A path cannot be made to look like parameters, nor a value like another pair.
	a := canonicalLink("/p\na=b", url.Values{})
	b := canonicalLink("/p", url.Values{"a": {"b"}})
	c := canonicalLink("/p", url.Values{"a": {"b&c=d"}})
	d := canonicalLink("/p", url.Values{"a": {"b"}, "c": {"d"}})
	if a == b || c == d {
		t.Errorf("collision:\n%q\n%q\n%q\n%q", a, b, c, d)
	}
	// Order of values does not matter, so a proxy reordering them is harmless.
	if canonicalLink("/p", url.Values{"a": {"2", "1"}}) != canonicalLink("/p", url.Values{"a": {"1", "2"}}) {
		t.Error("value order changed the canonical form")
	}
}

func TestVerifyOnce(t *testing.T) {
	ctx := context.Background()
	clock := signedAt
	store := NewMemoryNonceStore(func() time.Time { return clock })
	signed := Sign(testKey, testPath, testParams(), signedAt)

	if err := VerifyOnce(ctx, store, testKey, testPath, signed, signedAt, 0); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if err := VerifyOnce(ctx, store, testKey, testPath, signed, signedAt.Add(time.Second), 0); !errors.Is(err, ErrSigReplayed) {
		t.Fatalf("second use: %v", err)
	}
	// Reordering the parameters does not make a new link.
	if err := VerifyOnce(ctx, store, testKey, testPath, mustParse(signed.Encode()), signedAt, 0); !errors.Is(err, ErrSigReplayed) {
		t.Fatalf("reordered replay: %v", err)
	}
	// Invalid links are refused before the store is asked, and not recorded.
	bad := mustParse(signed.Encode())
	bad.Set("callerNum", "1")
	if err := VerifyOnce(ctx, store, testKey, testPath, bad, signedAt, 0); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered: %v", err)
	}
	if err := VerifyOnce(ctx, store, testKey, testPath, signed, signedAt.Add(time.Hour), 0); !errors.Is(err, ErrSigExpired) {
		t.Fatalf("expired: %v", err)
	}
	if store.Len() != 1 {
		t.Errorf("store holds %d signatures, want 1", store.Len())
	}
	// Another link signed a second later is its own.
	other := Sign(testKey, testPath, testParams(), signedAt.Add(time.Second))
	if err := VerifyOnce(ctx, store, testKey, testPath, other, signedAt.Add(time.Second), 0); err != nil {
		t.Fatalf("another link: %v", err)
	}
	// Entries are kept past the window (so a replay is refused while the link
	// could verify) and forgotten after it.
	clock = signedAt.Add(DefaultMaxSkew + nonceMargin)
	if seen, _ := store.Seen(ctx, "probe", clock); seen || store.Len() != 3 {
		t.Errorf("forgot too early: %d", store.Len())
	}
	clock = signedAt.Add(DefaultMaxSkew + nonceMargin + 2*time.Second)
	if _, _ = store.Seen(ctx, "probe2", clock.Add(time.Minute)); store.Len() != 1 {
		t.Errorf("kept %d entries after their time, want only probe2", store.Len())
	}
	if err := VerifyOnce(ctx, nil, testKey, testPath, signed, signedAt, 0); err == nil {
		t.Error("VerifyOnce without a store")
	}
}

type failingStore struct{}

func (failingStore) Seen(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("db down")
}

func TestVerifyOnceStoreError(t *testing.T) {
	signed := Sign(testKey, testPath, testParams(), signedAt)
	err := VerifyOnce(context.Background(), failingStore{}, testKey, testPath, signed, signedAt, 0)
	var se *SigError
	if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), "db down") {
		t.Errorf("store error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := VerifyOnce(ctx, NewMemoryNonceStore(nil), testKey, testPath, signed, signedAt, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled = %v", err)
	}
}

func TestVerifyOnceConcurrent(t *testing.T) {
	store := NewMemoryNonceStore(func() time.Time { return signedAt })
	signed := Sign(testKey, testPath, testParams(), signedAt)
	var ok, replayed atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			switch err := VerifyOnce(context.Background(), store, testKey, testPath, signed, signedAt, 0); {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrSigReplayed):
				replayed.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || replayed.Load() != 31 {
		t.Errorf("accepted %d times, refused %d", ok.Load(), replayed.Load())
	}
}
