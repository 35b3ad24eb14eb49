package pages

import "testing"

// Rules name fields in Chinese; CEL's identifiers are ASCII. Selections are
// rewritten to aliases, and nothing else is touched.
func TestEscapeNames(t *testing.T) {
	a := func(name string) string { s, _ := alias(name); return s }
	tests := []struct {
		src, want string
	}{
		{`record.level == "VIP"`, `record.level == "VIP"`},
		{`record.等级 == "VIP"`, `record.` + a("等级") + ` == "VIP"`},
		{`has(record.积分) && record . 积分 > 1.5`, `has(record.` + a("积分") + `) && record . ` + a("积分") + ` > 1.5`},
		{`record.vip等级2 == 'x'`, `record.` + a("vip等级2") + ` == 'x'`},
		{`record["等级"] == "record.等级"`, `record["等级"] == "record.等级"`},
		{`'it\'s .等级' + r'\' + record.姓名`, `'it\'s .等级' + r'\' + record.` + a("姓名")},
		{`"""a " .等级""" + record.姓名`, `"""a " .等级""" + record.` + a("姓名")},
		{"record.姓名 // .等级 stays\n+ record.等级", "record." + a("姓名") + " // .等级 stays\n+ record." + a("等级")},
		// A bare non-ASCII name can only be a field (issue 14: it used to be
		// "token recognition error at: '等'").
		{`等级 == "VIP"`, `record.` + a("等级") + ` == "VIP"`},
		{`has(客户等级) && "等级" == 客户等级`, `has(record.` + a("客户等级") + `) && "等级" == record.` + a("客户等级")},
	}
	for _, tt := range tests {
		if got, _ := escapeNames(tt.src); got != tt.want {
			t.Errorf("escapeNames(%q)\n got %q\nwant %q", tt.src, got, tt.want)
		}
	}
	if got := unalias("no such key: " + a("等级")); got != "no such key: 等级" {
		t.Errorf("unalias: %q", got)
	}
}

// Every rule form works over Chinese names, and positions of errors are
// those of the source as written.
func TestChineseRules(t *testing.T) {
	record := map[string]any{}
	for k, v := range map[string]any{"等级": "VIP", "积分": 1500.0, "name": "x"} {
		record[k] = v
		if a, ok := alias(k); ok {
			record[a] = v
		}
	}
	vars := map[string]any{"record": record, "call": map[string]string{"direction": "in"}}
	tests := []struct {
		src, want string
	}{
		{`record.等级 == "VIP"`, "true"},
		{`record["等级"] == "VIP"`, "true"},
		{`has(record.积分) && record.积分 > 1000 ? "Gold" : "Standard"`, "Gold"},
		{`has(record.生日) ? "有" : "无"`, "无"},
		{`record.积分 / 1000.0`, "1.5"},
		{`record.name + "!"`, "x!"},
		{`size(record.等级)`, "3"},
		{`等级 == "VIP" ? "是" : "否"`, "是"},
		{`积分 > 1000.0 ? "Gold" : "Standard"`, "Gold"},
	}
	for _, tt := range tests {
		if got, ok := evalText(tt.src, vars); !ok || got != tt.want {
			t.Errorf("%s = %q %v, want %q", tt.src, got, ok, tt.want)
		}
	}
	// An error is where the same error is in an ASCII rule of the same shape.
	for src, ascii := range map[string]string{
		`record.等级 = "VIP"`:                 `record.ab = "VIP"`,
		"record.等级 == \"VIP\" &&\n":         "record.ab == \"VIP\" &&\n",
		"true &&\n  record.等级 ==":           "true &&\n  record.ab ==",
		`"等级" + record.积分 +`:                `"ab" + record.cd +`,
		`record.等级 == "VIP" && record.积分 >`: `record.ab == "VIP" && record.cd >`,
	} {
		_, msg := compile(src, ruleBool)
		_, want := compile(ascii, ruleBool)
		if msg == nil || want == nil || msg.Key != "rule.compile" {
			t.Fatalf("%q: %+v, %q: %+v", src, msg, ascii, want)
		}
		if msg.Args[0] != want.Args[0] || msg.Args[1] != want.Args[1] || msg.Args[2] != want.Args[2] {
			t.Errorf("%q: error %v, want %v", src, msg.Args, want.Args)
		}
	}
}

// A bare ASCII name gets a message that says what to write.
func TestBareNameMessage(t *testing.T) {
	tests := []struct {
		src, key string
		name     any
	}{
		{`level == "VIP"`, "rule.bare_name", "level"},
		{`record.level == "VIP" && points > 3.0`, "rule.bare_name", "points"},
		{`record.level == `, "rule.compile", nil},
	}
	for _, tt := range tests {
		_, msg := compile(tt.src, ruleBool)
		if msg == nil || msg.Key != tt.key || tt.name != nil && msg.Args[2] != tt.name {
			t.Errorf("%q: %+v, want %s naming %v", tt.src, msg, tt.key, tt.name)
		}
	}
}
