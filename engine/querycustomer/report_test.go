package querycustomer_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	qc "github.com/screenpop/screenpop/engine/querycustomer"
)

func TestWriteReport(t *testing.T) {
	seed, err := os.ReadFile("testdata/seed_example.json")
	if err != nil {
		t.Fatal(err)
	}
	sloppy, err := qc.Parse(seed)
	if err != nil {
		t.Fatal(err)
	}
	clean, err := qc.Parse([]byte(goodReply))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		res  *qc.Result
		want string
	}{
		{
			name: "clean",
			res:  &qc.Result{Reply: clean, Status: 200, Duration: 42*time.Millisecond + 300*time.Microsecond, Raw: []byte(goodReply), Attempts: 1},
			want: `status:     200 OK
duration:   42ms
body:       ` + strconv.Itoa(len(goodReply)) + ` bytes
rendered:   1 object, 2 values
no violations
`,
		},
		{
			name: "the seed's example",
			res:  &qc.Result{Reply: sloppy, Status: 200, Duration: 7 * time.Millisecond, Raw: seed, Attempts: 2},
			want: `status:     200 OK
duration:   7ms (2 attempts)
body:       ` + strconv.Itoa(len(seed)) + ` bytes
rendered:   1 object, 2 values
5 violations of the queryCustomer contract:
  $[0].values[1].name: name is required and must be a string (got missing)
  $[0].values[1].value: value is required and must be a JSON scalar (string, number, boolean or null) (got missing)
  $[0].values[1].type: type is required and must be one of "1".."5" as a string (got missing)
  $[0].values[1].isMandatory: isMandatory is required and must be a boolean (got missing)
  $[0].values[2].dictItems: dictItems is required when type is "5" (got missing; the dictItems of $[0].values[1] were used)
`,
		},
		{
			name: "no response",
			res:  &qc.Result{Duration: 3 * time.Second, Attempts: 1},
			want: `status:     none (no response)
duration:   3s
body:       0 bytes
rendered:   0 objects, 0 values
no violations
`,
		},
		{name: "nil", want: "no result: the endpoint was not queried\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := qc.WriteReport(&b, tt.res); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
}
