package tables

import (
	"encoding/json"
	"maps"
	"strconv"
	"testing"
)

// The fast path of mergeValues reads what encoding/json reads, and leaves
// to it whatever it does not handle.
func TestMergeValuesMatchesJSON(t *testing.T) {
	inputs := []string{
		`{}`, ` { } `,
		`{"1":"a","22":"b c"}`,
		`{"1": "a", "2": "客户资料"}`, // jsonb's spacing
		`{"3":"quote \" back \\ slash \u003cb\u003e \ud83d\ude00 \n"}`,
		`{"4":""}`,
		"{\"5\":\"bad \xff utf8\"}",
		`{"x":"not an id"}`, `{"6":7}`, `{"7":null}`, `[]`, `{"8":"a",}`, `{"9":"a"} x`, `{"10":"unterminated`, ``,
	}
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			got := map[int64]string{}
			gotErr := mergeValues(got, []byte(in))
			var m map[string]string
			wantErr := json.Unmarshal([]byte(in), &m)
			want := map[int64]string{}
			for k, v := range m {
				id, err := strconv.ParseInt(k, 10, 64)
				if err != nil {
					wantErr = err
					break
				}
				want[id] = v
			}
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("error %v, encoding/json's %v", gotErr, wantErr)
			}
			if gotErr == nil && !maps.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}
