package querycustomer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// slowDecode is encoding/json, as Parse used it before the fast path.
func slowDecode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

var decodeSeeds = []string{
	`[]`, `{}`, `[1, -0, 0.5, -1.5e10, 1E-2, 12345678901234567890]`, `"x"`, `null`, `true`, `false`,
	`[{"objectName": "客户", "values": [{"name": "a", "value": "\u4e2d\n\t\"\\\/", "type": "1", "isMandatory": true}]}]`,
	`{"a": 1, "a": 2}`, `["\ud83d\ude00", "\ud83d", "\ude00", "\ud83d\u0041", "\ud83dx"]`, `[1,]`, `[01]`, `[1.]`, `[.5]`, `[-]`,
	`[1e]`, `["\x"]`, "[\"\x01\"]", `[tru]`, `[nul]`, `[] x`, `[] []`, ` [ ] `, `{"a" 1}`, `{"a":1,}`, `{1: 2}`, "[\"\xff\"]",
	`[{"dictItems": [{"key": 1, "value": "v"}]}]`, strings.Repeat("[", 2000) + strings.Repeat("]", 2000),
}

// Whatever the fast decoder accepts, encoding/json decodes to the same
// value; and on the seeds, both accept the same documents (beyond the
// fast decoder's depth limit, or with bytes that are not UTF-8,
// encoding/json takes over).
func TestDecodeFastMatchesEncodingJSON(t *testing.T) {
	seed, _ := os.ReadFile("testdata/seed_example.json")
	for _, s := range append(decodeSeeds, string(seed)) {
		fast, ok := decodeFast([]byte(s))
		slow, err := slowDecode([]byte(s))
		if ok && (err != nil || !reflect.DeepEqual(fast, slow)) {
			t.Errorf("%.60q: fast %#v, encoding/json %#v (%v)", s, fast, slow, err)
		}
		if !ok && err == nil && !strings.HasPrefix(s, "[[[[") && utf8.ValidString(s) {
			t.Errorf("%.60q: the fast path refused a valid document", s)
		}
	}
}

func FuzzDecodeFast(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := decodeFast(b)
		if !ok {
			return // encoding/json decides
		}
		slow, err := slowDecode(b)
		if err != nil || !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast %#v, encoding/json %#v (%v)", b, fast, slow, err)
		}
	})
}
