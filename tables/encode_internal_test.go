package tables

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
)

var jsonEdgeCases = []string{
	"", "plain", "客户 001", `"quoted"`, `back\slash`, "<script>&amp;</script>", "a>b", "\x00", "\x01\x1f", "\x7f",
	"\b\f\n\r\t", "line\u2028para\u2029end", "\u2027\u202a", "\xff", "a\xffb", "\xe4\xb8", "\xe4\xb8\xad\xe4",
	"\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80", "\uFFFD", "😀", "\u00a0\u3000", "=+-@", "{}[]:,",
}

func TestAppendJSONStringMatchesMarshal(t *testing.T) {
	for _, s := range jsonEdgeCases {
		sameAsMarshal(t, s)
	}
	// Short strings of the bytes that are escaped or start a sequence.
	alphabet := []byte("a\"\\<>&\x00\x1f\x7f\n\t\xe2\x80\xa8\xa9\xe4\xb8\xad\xff\xc0\xed\xa0\xf0\x9f\x98")
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 0, 12)
	for range 100_000 {
		b = b[:0]
		for range r.IntN(13) {
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
		sameAsMarshal(t, string(b))
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonEdgeCases {
		f.Add(s)
	}
	f.Fuzz(sameAsMarshal)
}

func sameAsMarshal(t *testing.T, s string) {
	t.Helper()
	want, _ := json.Marshal(s)
	if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
		t.Errorf("appendJSONString(%q) = %s, json.Marshal gives %s", s, got, want)
	}
}

// TestEncodeMatchesMarshal pins encode's objects to the json.Marshal of a
// map[string]string they replace, keys sorted as strings (10 before 7).
func TestEncodeMatchesMarshal(t *testing.T) {
	var fields []*Field
	for i, id := range []int64{7, 10, 2, 100, 9, 1, 1000, 11} {
		fields = append(fields, &Field{ID: id, Name: "f" + strconv.FormatInt(id, 10), Type: TypeString, Encrypted: i%3 == 1})
	}
	sc := NewSchema(&Table{ID: 1, TenantID: 1, Fields: fields})
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 2000 {
		values := map[int64]string{}
		for _, f := range fields {
			if r.IntN(4) > 0 {
				values[f.ID] = jsonEdgeCases[r.IntN(len(jsonEdgeCases))]
			}
		}
		if i%7 == 0 {
			values[12345] = "not a field" // left out, as before
		}
		plain, sealed := map[string]string{}, map[string]string{}
		for id, v := range values {
			f := sc.FieldByID(id)
			switch {
			case f == nil:
			case f.Encrypted:
				sealed[strconv.FormatInt(id, 10)] = v
			default:
				plain[strconv.FormatInt(id, 10)] = v
			}
		}
		wantPlain, _ := json.Marshal(plain)
		wantSealed, _ := json.Marshal(sealed)
		gotPlain, n := appendValuesJSON(nil, sc.plainKeys, values)
		if !bytes.Equal(gotPlain, wantPlain) || n != len(plain) {
			t.Fatalf("plain values %v: %s (%d), json.Marshal gives %s", values, gotPlain, n, wantPlain)
		}
		gotSealed, n := appendValuesJSON(nil, sc.sealedKeys, values)
		if !bytes.Equal(gotSealed, wantSealed) || n != len(sealed) {
			t.Fatalf("sealed values %v: %s (%d), json.Marshal gives %s", values, gotSealed, n, wantSealed)
		}
	}
}

// TestKeyedHashIsHMAC pins the blind index and digest to HMAC-SHA256 of
// purpose, a zero byte, the big-endian table id and the data, with reused
// states used from many goroutines at once.
func TestKeyedHashIsHMAC(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tk := newTenantKeys(nil, nil, key, 0)
	want := func(purpose string, tableID int64, data []byte) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(purpose))
		m.Write([]byte{0})
		m.Write(binary.BigEndian.AppendUint64(nil, uint64(tableID)))
		m.Write(data)
		return m.Sum(nil)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				purpose := []string{"index", "digest"}[(g+i)%2]
				tableID := int64(i % 3)
				data := []byte(strconv.Itoa(i * g))
				if got := tk.keyedHash(purpose, tableID, data); !bytes.Equal(got, want(purpose, tableID, data)) {
					t.Errorf("keyedHash(%s, %d, %s) = %x", purpose, tableID, data, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestRecordAD pins the associated data of sealed values: records sealed
// with it must keep opening.
func TestRecordAD(t *testing.T) {
	for _, tt := range []struct {
		tenantID, tableID int64
		key               []byte
		want              string
	}{
		{12, 345, []byte{0x00, 0xab, 0xff}, "screenpop:record:v1:12:345:00abff"},
		{1, 2, nil, "screenpop:record:v1:1:2:"},
		{math.MaxInt64, math.MaxInt64, []byte("13800138000"), "screenpop:record:v1:9223372036854775807:9223372036854775807:3133383030313338303030"},
	} {
		if got := recordAD(tt.tenantID, tt.tableID, tt.key); string(got) != tt.want {
			t.Errorf("recordAD(%d, %d, %x) = %q, want %q", tt.tenantID, tt.tableID, tt.key, got, tt.want)
		}
	}
}
