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
		noHeader   bool
		says       string
	}{
		{name: "equal", got: []string{"姓名", "手机", "备注"}},
		{name: "spaces and BOM", got: []string{"\uFEFF姓名 ", " 手机", "备注\t"}},
		{name: "missing", got: []string{"姓名", "备注"}, missing: []string{"手机"}, says: `missing columns: "手机"`},
		{name: "unexpected", got: []string{"姓名", "手机", "备注", "年龄"}, unexpected: []string{"年龄"}, says: `unexpected columns: "年龄"`},
		{name: "renamed", got: []string{"姓名", "电话", "备注"}, missing: []string{"手机"}, unexpected: []string{"电话"}},
		{name: "blank cell", got: []string{"姓名", "", "手机", "备注"}, unexpected: []string{""}},
		{name: "duplicated", got: []string{"姓名", "手机", "备注", "手机"}, duplicated: []string{"手机"}, says: `duplicated columns: "手机"`},
		{name: "out of order", got: []string{"手机", "姓名", "备注"}}, // issue 17: by name, in any order
		{name: "all at once", got: []string{"备注", "手机", "电话", "手机"}, missing: []string{"姓名"}, unexpected: []string{"电话"}, duplicated: []string{"手机"},
			says: `missing columns: "姓名"; unexpected columns: "电话"; duplicated columns: "手机"`},
		{name: "no header: a data row", got: []string{"13800138000", "张三", "110101199003071421"}, missing: want, noHeader: true, says: "no header row"},
		{name: "case matters", got: []string{"姓名", "手机", "备注", "A"}, unexpected: []string{"A"}},
		{name: "empty", got: nil, missing: want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := CompareHeader(want, tt.got)
			if tt.missing == nil && tt.unexpected == nil && tt.duplicated == nil {
				if m != nil {
					t.Fatalf("mismatch: %v", m)
				}
				return
			}
			if m == nil {
				t.Fatal("no mismatch")
			}
			if !slices.Equal(m.Missing, tt.missing) || !slices.Equal(m.Unexpected, tt.unexpected) ||
				!slices.Equal(m.Duplicated, tt.duplicated) || m.NoHeader != tt.noHeader {
				t.Fatalf("got %+v", m)
			}
			if !strings.Contains(m.Error(), tt.says) {
				t.Fatalf("%q does not say %q", m.Error(), tt.says)
			}
			// A data row taken for a header is never repeated.
			if tt.noHeader && (strings.Contains(m.Error(), "13800138000") || strings.Contains(UserError(m).Error(), "13800138000") || m.Got != nil) {
				t.Fatalf("echoes the data row: %v", m)
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

// Columns in another order than the template's are read by name.
func TestColumnOrder(t *testing.T) {
	if got := ColumnOrder([]string{"姓名", "手机", "备注"}, []string{" 备注", "姓名", "手机 "}); !slices.Equal(got, []int{1, 2, 0}) {
		t.Fatalf("order %v", got)
	}
}
