package importer

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/tables"
)

// surveySchema: a masked phone index, a mandatory name and a number.
func surveySchema() *tables.Schema {
	return tables.NewSchema(&tables.Table{ID: 1, Status: tables.Published, Fields: []*tables.Field{
		{ID: 1, Name: "手机", IsIndex: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
		{ID: 2, Name: "姓名", Type: tables.TypeString, Mandatory: true},
		{ID: 3, Name: "积分", Type: tables.TypeNumber},
	}})
}

// outcome is what an import does with each line of a file after a survey:
// "write", "duplicate of N" or "reject".
func outcome(t *testing.T, chk *rowChecker, file []byte, sv *survey) []string {
	t.Helper()
	rr, err := OpenCSV(strings.NewReader(string(file)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		line, cells, err := rr.Next()
		if err == io.EOF {
			return got
		}
		row, issues := chk.check(line, cells, err)
		switch {
		case len(issues) > 0:
			got = append(got, fmt.Sprintf("%d reject", line))
		case sv.winners.winner(row.Index) != line:
			got = append(got, fmt.Sprintf("%d duplicate of %d", line, sv.winners.winner(row.Index)))
		default:
			got = append(got, fmt.Sprintf("%d write", line))
		}
	}
}

func survey2(t *testing.T, chk *rowChecker, file []byte, validate bool) *survey {
	t.Helper()
	rr, err := OpenCSV(strings.NewReader(string(file)))
	if err != nil {
		t.Fatal(err)
	}
	sv, err := chk.surveyFile(context.Background(), rr, validate, 0)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// The first pass validates a row in full only when its index value was
// seen before; what is written, and which row each duplicate names, must
// be what validating every row would give. Cases written out, then random
// files of few index values, bad cells, masks and short rows.
func TestSurveyWinnersWithoutValidatingEveryRow(t *testing.T) {
	sc := surveySchema()
	header := "手机,姓名,积分\r\n"
	for _, tc := range []struct {
		name string
		rows string
		want []string
	}{
		{"later bad row does not win", "13800138000,甲,1\r\n13800138000,,2\r\n",
			[]string{"2 write", "3 reject"}},
		{"first bad, later good wins", "13800138000,,1\r\n138-0013-8000,乙,2\r\n",
			[]string{"2 reject", "3 write"}},
		{"last good of three", "13800138000,甲,1\r\n13800138000,乙,2\r\n13800138000,丙,很多\r\n",
			[]string{"2 duplicate of 3", "3 write", "4 reject"}},
		{"a masked index never wins", "13800138000,甲,1\r\n*******8000,乙,2\r\n",
			[]string{"2 write", "3 reject"}},
		{"short row ignored", "13800138000,甲,1\r\n13800138000\r\n",
			[]string{"2 write", "3 reject"}},
		{"all bad", "13800138000,,1\r\n13800138000,,2\r\n",
			[]string{"2 reject", "3 reject"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := []byte(header + tc.rows)
			chk := newRowChecker(sc, []string{"手机", "姓名", "积分"})
			for _, validate := range []bool{false, true} {
				if got := outcome(t, chk, file, survey2(t, chk, file, validate)); !slices.Equal(got, tc.want) {
					t.Errorf("validate=%v: %q, want %q", validate, got, tc.want)
				}
			}
		})
	}

	rng := rand.New(rand.NewPCG(17, 4))
	phones := []string{"13800138000", "+86 138-0013-8000", "13900139000", "８６13700137000", "13700137000", "*******8000", ""}
	names := []string{"甲", "乙", "", "丙"}
	points := []string{"1", "2.5", "很多", ""}
	for trial := range 300 {
		var b strings.Builder
		// The columns in another order than the table's, now and then.
		reordered := trial%3 == 0
		if reordered {
			b.WriteString("积分,手机,姓名\r\n")
		} else {
			b.WriteString(header)
		}
		for range 1 + rng.IntN(12) {
			p, n, s := phones[rng.IntN(len(phones))], names[rng.IntN(len(names))], points[rng.IntN(len(points))]
			switch {
			case rng.IntN(10) == 0:
				fmt.Fprintf(&b, "%s,%s\r\n", p, n) // a column short
			case reordered:
				fmt.Fprintf(&b, "%s,%s,%s\r\n", s, p, n)
			default:
				fmt.Fprintf(&b, "%s,%s,%s\r\n", p, n, s)
			}
		}
		file := []byte(b.String())
		rr, err := OpenCSV(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		chk := newRowChecker(sc, rr.Header())
		light, full := survey2(t, chk, file, false), survey2(t, chk, file, true)
		if light.total != full.total {
			t.Fatalf("trial %d: %d rows counted, want %d", trial, light.total, full.total)
		}
		if got, want := outcome(t, chk, file, light), outcome(t, chk, file, full); !slices.Equal(got, want) {
			t.Fatalf("trial %d:\n%s\n%q\nwant %q", trial, file, got, want)
		}
	}
}
