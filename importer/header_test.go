package importer

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCompareHeader(t *testing.T) {
	want := []string{"姓名", "手机", "备注"}
	tests := []struct {
		name       string
		got        []string
		missing    []string
		unexpected []string
		duplicated []string
		outOfOrder bool
		says       string
	}{
		{name: "equal", got: []string{"姓名", "手机", "备注"}},
		{name: "spaces and BOM", got: []string{"\uFEFF姓名 ", " 手机", "备注\t"}},
		{name: "missing", got: []string{"姓名", "备注"}, missing: []string{"手机"}, says: `missing columns: "手机"`},
		{name: "unexpected", got: []string{"姓名", "手机", "备注", "年龄"}, unexpected: []string{"年龄"}, says: `unexpected columns: "年龄"`},
		{name: "renamed", got: []string{"姓名", "电话", "备注"}, missing: []string{"手机"}, unexpected: []string{"电话"}},
		{name: "blank cell", got: []string{"姓名", "", "手机", "备注"}, unexpected: []string{""}},
		{name: "duplicated", got: []string{"姓名", "手机", "备注", "手机"}, duplicated: []string{"手机"}, says: `duplicated columns: "手机"`},
		{name: "out of order", got: []string{"手机", "姓名", "备注"}, outOfOrder: true, says: "out of order"},
		{name: "case matters", got: []string{"姓名", "手机", "备注", "A"}, unexpected: []string{"A"}},
		{name: "empty", got: nil, missing: want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := CompareHeader(want, tt.got)
			if tt.missing == nil && tt.unexpected == nil && tt.duplicated == nil && !tt.outOfOrder {
				if m != nil {
					t.Fatalf("mismatch: %v", m)
				}
				return
			}
			if m == nil {
				t.Fatal("no mismatch")
			}
			if !slices.Equal(m.Missing, tt.missing) || !slices.Equal(m.Unexpected, tt.unexpected) ||
				!slices.Equal(m.Duplicated, tt.duplicated) || m.OutOfOrder != tt.outOfOrder {
				t.Fatalf("got %+v", m)
			}
			if !strings.Contains(m.Error(), tt.says) {
				t.Fatalf("%q does not say %q", m.Error(), tt.says)
			}
			var err error = m
			var hm *HeaderMismatch
			if !errors.As(err, &hm) || CodeOf(err) != CodeHeaderMismatch {
				t.Fatal("not usable as an error")
			}
		})
	}
}

func TestCompareHeaderWithLowerCaseA(t *testing.T) {
	if m := CompareHeader([]string{"a"}, []string{"A"}); m == nil || !slices.Equal(m.Missing, []string{"a"}) {
		t.Fatalf("%+v", m)
	}
}
