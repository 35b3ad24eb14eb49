package web

import (
	"bytes"
	"testing"

	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit/testengine"
)

// popFields writes what the pop/field template writes, byte for byte, for
// every kind of field: the template stays the reference (and renders the
// fields with a dial-out button).
func TestPopFieldsMatchTemplate(t *testing.T) {
	s, err := New(testengine.New(t), config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "error"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fields := []pages.FieldModel{
		{Label: "姓名", Value: "张三", Type: tables.TypeString},
		{Label: `a<b>&"c'+d`, Value: "x<script>alert('+1')</script>&amp;\x00", Type: tables.TypeString},
		{Label: "等级", Value: "VIP", Type: tables.TypeDict, Highlight: true, Badge: "<VIP>"},
		{Label: "等级", Value: "VIP", Highlight: true},
		{Label: "证件号", Value: "1101**********1234", Masked: true},
		{Label: "邮箱", Empty: true},
		{Label: "地址", Empty: true, MissingMandatory: true},
		{Label: "手机", Value: "13800138000", Phone: true, DialDesc: "张三"},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, dialectName := range []string{"aliyun", "huawei", "tencent", ""} {
			data := &popData{Dialect: dialectName}
			for i, f := range fields {
				got, err := s.popFields([]pages.FieldModel{f}, lang, data)
				if err != nil {
					t.Fatal(err)
				}
				m, _ := dict("F", f, "L", lang, "D", data)
				var want bytes.Buffer
				if err := s.views.Render(&want, "pop/field", m); err != nil {
					t.Fatal(err)
				}
				if string(got) != want.String() {
					t.Errorf("%s %s field %d:\n got %q\nwant %q", lang, dialectName, i, got, want.String())
				}
			}
			all, err := s.popFields(fields, lang, data)
			if err != nil || bytes.Count([]byte(all), []byte("<dt>")) != len(fields) {
				t.Fatalf("all fields: %v\n%s", err, all)
			}
		}
	}
}
