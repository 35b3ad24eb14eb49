package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit/testengine"
)

// objectsTemplate is the markup pop/body had for the objects before
// popObjects and popTiles wrote it, with pop/field for each field: the
// reference they are held to.
const objectsTemplate = `{{$m := .M}}{{if eq $m.Layout "tile"}}{{range $m.Objects}}
    <div class="group">{{.Name}}</div>
    {{range .Fields}}{{fieldRef (dict "F" . "L" $.Lang "D" $.Data)}}{{end}}
  {{end}}{{else}}{{range $m.Objects}}
  <section class="obj" data-testid="object">
    <h2>{{.Name}}</h2>
    {{if .Found}}
    <dl class="grid cols-{{$m.Columns}}" data-testid="grid">
      {{range .Fields}}{{fieldRef (dict "F" . "L" $.Lang "D" $.Data)}}{{end}}
    </dl>
    {{else}}<p class="muted">{{t $.Lang "pop.object_not_found"}}</p>{{end}}
  </section>
  {{end}}{{end}}`

// The objects and fields of a pop are written as the templates wrote
// them, byte for byte, for every kind of field and both layouts.
func TestPopObjectsMatchTemplates(t *testing.T) {
	s, err := New(testengine.New(t), config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "error"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := template.Must(template.New("ref").Funcs(template.FuncMap{
		"t": i18n.T, "dict": dict,
		"fieldRef": func(m map[string]any) (template.HTML, error) {
			var b bytes.Buffer
			err := s.views.Render(&b, "pop/field", m)
			return template.HTML(b.String()), err // #nosec G203 -- the template's own output
		},
	}).Parse(objectsTemplate))
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
	objects := []pages.ObjectModel{
		{Name: "客户 <1>", Found: true, Fields: fields},
		{Name: "订单", Found: false},
		{Name: "空", Found: true},
	}
	for _, layout := range []pages.Layout{pages.LayoutBlock, "tile"} {
		for _, lang := range []string{"zh-CN", "en"} {
			for _, dialectName := range []string{"aliyun", "huawei", "tencent", ""} {
				m := &pages.Model{Layout: layout, Columns: 3, Objects: objects}
				data := &popData{Model: m, Dialect: dialectName}
				var want strings.Builder
				if err := ref.Execute(&want, map[string]any{"M": m, "Lang": lang, "Data": data}); err != nil {
					t.Fatal(err)
				}
				write := s.popObjects
				if layout == "tile" {
					write = s.popTiles
				}
				got, err := write(m, lang, data)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want.String() {
					t.Errorf("%s %s %s:\n got %q\nwant %q", layout, lang, dialectName, got, want.String())
				}
			}
		}
	}
}
