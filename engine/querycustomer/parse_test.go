package querycustomer_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	qc "github.com/screenpop/screenpop/engine/querycustomer"
)

func mustParse(t *testing.T, body string) qc.Reply {
	t.Helper()
	rep, err := qc.Parse([]byte(body))
	if err != nil {
		t.Fatalf("Parse: %v\nbody: %s", err, body)
	}
	return rep
}

func TestParseSeedExample(t *testing.T) {
	// The response example of the Huawei seed, H5.3, byte for byte: the
	// dictionary of 付费方式 sits in a value of its own.
	body, err := os.ReadFile("testdata/seed_example.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := qc.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	want := []qc.ParsedObject{{
		Name: "客户信息",
		Values: []qc.ParsedValue{
			{ValueNo: "1", Name: "姓名", Display: "zengxiangyu01", Type: qc.TypeString, Length: 128, Mandatory: true},
			{ValueNo: "2", Name: "付费方式", Display: "1", Type: qc.TypeDict, Mandatory: true,
				DictItems: []qc.DictItem{{Key: "1", Value: "预付费"}, {Key: "2", Value: "后付费"}}},
		},
	}}
	if !reflect.DeepEqual(rep.Objects, want) {
		t.Errorf("objects:\n got %+v\nwant %+v", rep.Objects, want)
	}
	if got := rep.Objects[0].Values[1].Text(); got != "预付费" {
		t.Errorf("付费方式 shows %q, want the label 预付费", got)
	}
	wantV := []qc.Violation{
		{Path: "$[0].values[1].name", Rule: qc.RuleName, Got: "missing"},
		{Path: "$[0].values[1].value", Rule: qc.RuleValue, Got: "missing"},
		{Path: "$[0].values[1].type", Rule: qc.RuleType, Got: "missing"},
		{Path: "$[0].values[1].isMandatory", Rule: qc.RuleMandatory, Got: "missing"},
		{Path: "$[0].values[2].dictItems", Rule: qc.RuleDictNeeded, Got: "missing; the dictItems of $[0].values[1] were used"},
	}
	if !reflect.DeepEqual(rep.Violations, wantV) {
		t.Errorf("violations:\n got %s\nwant %s", fmtViolations(rep.Violations), fmtViolations(wantV))
	}
}

func fmtViolations(vs []qc.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n  " + v.String())
	}
	return b.String()
}

func TestParseConforming(t *testing.T) {
	// SPEC §6's example plus every optional member, all as the contract
	// spells them.
	rep := mustParse(t, `[{"objectName": "客户信息",
	  "values": [
	    {"valueNo": "3", "name": "开户日期", "value": "2024-02-29", "type": "3", "isMandatory": false},
	    {"valueNo": "1", "name": "姓名", "value": "zengxiangyu01", "type": "1",
	     "length": "128", "isMandatory": true, "maskStyle": "1",
	     "dictItems": [{"key": "1", "value": "预付费"}]},
	    {"valueNo": "2", "name": "余额", "value": 12.50, "type": "2", "isMandatory": false, "maskStyle": ""},
	    {"valueNo": "10", "name": "最近来电", "value": "2024-03-01 08:30:00", "type": "4", "isMandatory": false},
	    {"valueNo": "4", "name": "时段", "value": "08:30", "type": "4", "isMandatory": false},
	    {"valueNo": "5", "name": "等级", "value": "", "type": "5", "isMandatory": false, "dictItems": [{"key": "1", "value": "金卡"}]}
	  ]},
	 {"objectName": "空对象", "values": []}]`)
	if !rep.Conforms() {
		t.Fatalf("violations: %s", fmtViolations(rep.Violations))
	}
	if len(rep.Objects) != 2 || rep.ValueCount() != 6 {
		t.Fatalf("got %d objects, %d values", len(rep.Objects), rep.ValueCount())
	}
	var order []string
	for _, v := range rep.Objects[0].Values {
		order = append(order, v.ValueNo)
	}
	if got := strings.Join(order, ","); got != "1,2,3,4,5,10" {
		t.Errorf("order by numeric valueNo = %s", got)
	}
	first := rep.Objects[0].Values[0]
	if first.MaskStyle != qc.MaskShowLast4 || first.Length != 128 || !first.Mandatory {
		t.Errorf("姓名 = %+v", first)
	}
	if d := rep.Objects[0].Values[1].Display; d != "12.50" {
		t.Errorf("a number keeps its literal: %q", d)
	}
}

// TestServedShapeConforms: what screenpop serves from its base tables is
// built from the contract types; it must pass its own checker.
func TestServedShapeConforms(t *testing.T) {
	objs := []qc.Object{{ObjectName: "客户信息", Values: []qc.Value{
		{ValueNo: "1", Name: "姓名", Value: "张三", Type: "1", Length: "32", IsMandatory: true, MaskStyle: "2"},
		{ValueNo: "2", Name: "付费方式", Value: "1", Type: "5", IsMandatory: true, DictItems: []qc.DictItem{{Key: "1", Value: "预付费"}}},
		{ValueNo: "3", Name: "积分", Value: 1200, Type: "2"},
		{ValueNo: "4", Name: "备注", Value: nil, Type: "1"},
	}}}
	body, err := json.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	rep := mustParse(t, string(body))
	if !rep.Conforms() {
		t.Fatalf("%s: %s", body, fmtViolations(rep.Violations))
	}
	if body, _ := json.Marshal(qc.Request{Param: "152****1028"}); string(body) != `{"param":"152****1028"}` {
		t.Errorf("request body %s", body)
	}
}

// value wraps one value member set into a reply.
func value(members string) string {
	return `[{"objectName": "o", "values": [{` + members + `}]}]`
}

const okValue = `"valueNo": "1", "name": "n", "isMandatory": true`

func TestParseViolations(t *testing.T) {
	p := "$[0].values[0]"
	tests := []struct {
		name  string
		body  string
		want  []qc.Violation // exactly these
		check func(qc.ParsedValue) string
	}{
		{
			name: "type as a number is understood",
			body: value(okValue + `, "value": "2024-01-02", "type": 3`),
			want: []qc.Violation{vio(p+".type", qc.RuleType, "3")},
			check: func(v qc.ParsedValue) string {
				return want(v.Type == qc.TypeDate, "type %d", v.Type)
			},
		},
		{
			name:  "unknown type falls back to string",
			body:  value(okValue + `, "value": "x", "type": "9"`),
			want:  []qc.Violation{vio(p+".type", qc.RuleType, `"9"`)},
			check: func(v qc.ParsedValue) string { return want(v.Type == qc.TypeString, "type %d", v.Type) },
		},
		{
			name:  "missing type falls back to string",
			body:  value(okValue + `, "value": "x"`),
			want:  []qc.Violation{vio(p+".type", qc.RuleType, "missing")},
			check: func(v qc.ParsedValue) string { return want(v.Type == qc.TypeString, "type %d", v.Type) },
		},
		{
			name: "missing name still renders the value",
			body: value(`"value": "x", "type": "1", "isMandatory": false`),
			want: []qc.Violation{vio(p+".name", qc.RuleName, "missing")},
		},
		{
			name: "missing value renders the name",
			body: value(`"name": "n", "type": "1", "isMandatory": false`),
			want: []qc.Violation{vio(p+".value", qc.RuleValue, "missing")},
		},
		{
			name:  "name as a number is understood",
			body:  value(`"name": 7, "value": "x", "type": "1", "isMandatory": false`),
			want:  []qc.Violation{vio(p+".name", qc.RuleName, "7")},
			check: func(v qc.ParsedValue) string { return want(v.Name == "7", "name %q", v.Name) },
		},
		{
			name:  "value must be a scalar",
			body:  value(okValue + `, "value": {"a": 1}, "type": "1"`),
			want:  []qc.Violation{vio(p+".value", qc.RuleValue, "object")},
			check: func(v qc.ParsedValue) string { return want(v.Display == "", "display %q", v.Display) },
		},
		{
			name: "array value",
			body: value(okValue + `, "value": [1, 2], "type": "1"`),
			want: []qc.Violation{vio(p+".value", qc.RuleValue, "array (2 items)")},
		},
		{
			name:  "null value is allowed and empty",
			body:  value(okValue + `, "value": null, "type": "3"`),
			check: func(v qc.ParsedValue) string { return want(v.Display == "", "display %q", v.Display) },
		},
		{
			name:  "isMandatory as a string is understood",
			body:  value(`"name": "n", "value": "x", "type": "1", "isMandatory": "true"`),
			want:  []qc.Violation{vio(p+".isMandatory", qc.RuleMandatory, `"true"`)},
			check: func(v qc.ParsedValue) string { return want(v.Mandatory, "mandatory false") },
		},
		{
			name: "isMandatory missing",
			body: value(`"name": "n", "value": "x", "type": "1"`),
			want: []qc.Violation{vio(p+".isMandatory", qc.RuleMandatory, "missing")},
		},
		{
			name:  "length as a number is understood",
			body:  value(okValue + `, "value": "x", "type": "1", "length": 32`),
			want:  []qc.Violation{vio(p+".length", qc.RuleLength, "32")},
			check: func(v qc.ParsedValue) string { return want(v.Length == 32, "length %d", v.Length) },
		},
		{
			name: "length over 256",
			body: value(okValue + `, "value": "x", "type": "1", "length": "300"`),
			want: []qc.Violation{vio(p+".length", qc.RuleLength, `"300"`)},
		},
		{
			name:  "length not a number",
			body:  value(okValue + `, "value": "x", "type": "1", "length": "long"`),
			want:  []qc.Violation{vio(p+".length", qc.RuleLength, `"long"`)},
			check: func(v qc.ParsedValue) string { return want(v.Length == 0, "length %d", v.Length) },
		},
		{
			name: "value longer than length, counted in characters",
			body: value(okValue + `, "value": "张三丰", "type": "1", "length": "2"`),
			want: []qc.Violation{vio(p+".value", qc.RuleValueLength, "3 characters for length 2")},
		},
		{
			name:  "maskStyle as a number is understood",
			body:  value(okValue + `, "value": "13800138000", "type": "1", "maskStyle": 2`),
			want:  []qc.Violation{vio(p+".maskStyle", qc.RuleMaskStyle, "2")},
			check: func(v qc.ParsedValue) string { return want(v.MaskStyle == qc.MaskShowFirst4, "mask %d", v.MaskStyle) },
		},
		{
			name:  "unknown maskStyle shows the value unmasked",
			body:  value(okValue + `, "value": "x", "type": "1", "maskStyle": "3"`),
			want:  []qc.Violation{vio(p+".maskStyle", qc.RuleMaskStyle, `"3"`)},
			check: func(v qc.ParsedValue) string { return want(v.MaskStyle == qc.MaskNone, "mask %d", v.MaskStyle) },
		},
		{
			name: "nulls for optional members are absent (Jackson's default)",
			body: value(okValue + `, "value": "x", "type": "1", "maskStyle": null, "length": null, "dictItems": null`),
		},
		{
			name: "type 5 without dictItems",
			body: value(okValue + `, "value": "1", "type": "5"`),
			want: []qc.Violation{vio(p+".dictItems", qc.RuleDictNeeded, "missing")},
			check: func(v qc.ParsedValue) string {
				return want(v.Text() == "1", "text %q: without a dictionary the key shows", v.Text())
			},
		},
		{
			name: "type 5 value not a key",
			body: value(okValue + `, "value": "3", "type": "5", "dictItems": [{"key": "1", "value": "a"}]`),
			want: []qc.Violation{vio(p+".value", qc.RuleDictValue, `"3"`)},
		},
		{
			name: "duplicate dict keys: the first wins",
			body: value(okValue + `, "value": "1", "type": "5", "dictItems": [{"key": "1", "value": "a"}, {"key": "1", "value": "b"}]`),
			want: []qc.Violation{vio(p+".dictItems[1].key", qc.RuleDictUnique, `"1"`)},
			check: func(v qc.ParsedValue) string {
				return want(v.Text() == "a" && len(v.DictItems) == 1, "text %q items %v", v.Text(), v.DictItems)
			},
		},
		{
			name:  "dict keys as numbers are understood",
			body:  value(okValue + `, "value": 2, "type": "5", "dictItems": [{"key": 1, "value": "a"}, {"key": 2, "value": "b"}]`),
			want:  []qc.Violation{vio(p+".dictItems[0].key", qc.RuleDictKey, "1"), vio(p+".dictItems[1].key", qc.RuleDictKey, "2")},
			check: func(v qc.ParsedValue) string { return want(v.Text() == "b", "text %q", v.Text()) },
		},
		{
			name: "dict item shapes",
			body: value(okValue + `, "value": "1", "type": "5", "dictItems": ["x", {"value": "no key"}, {"key": "1"}]`),
			want: []qc.Violation{
				vio(p+".dictItems[0]", qc.RuleDictItem, `"x"`),
				vio(p+".dictItems[1].key", qc.RuleDictKey, "missing"),
				vio(p+".dictItems[2].value", qc.RuleDictLabel, "missing"),
			},
		},
		{
			name: "dictItems not an array",
			body: value(okValue + `, "value": "1", "type": "5", "dictItems": {"1": "a"}`),
			want: []qc.Violation{vio(p+".dictItems", qc.RuleDictItems, "object")},
		},
		{
			name: "type 2 numeric",
			body: value(okValue + `, "value": "1,200", "type": "2"`),
			want: []qc.Violation{vio(p+".value", qc.RuleNumber, `"1,200"`)},
		},
		{
			name: "type 2 numeric string is fine",
			body: value(okValue + `, "value": "-1200.5", "type": "2"`),
		},
		{
			name: "type 2 boolean",
			body: value(okValue + `, "value": true, "type": "2"`),
			want: []qc.Violation{vio(p+".value", qc.RuleNumber, "true")},
			check: func(v qc.ParsedValue) string {
				return want(v.Display == "true", "display %q", v.Display)
			},
		},
		{
			name: "type 3 impossible date",
			body: value(okValue + `, "value": "2023-02-29", "type": "3"`),
			want: []qc.Violation{vio(p+".value", qc.RuleDate, `"2023-02-29"`)},
		},
		{
			name: "type 3 other format",
			body: value(okValue + `, "value": "2023/02/01", "type": "3"`),
			want: []qc.Violation{vio(p+".value", qc.RuleDate, `"2023/02/01"`)},
		},
		{
			name: "type 4 seconds",
			body: value(okValue + `, "value": "23:59:59", "type": "4"`),
		},
		{
			name: "type 4 bad",
			body: value(okValue + `, "value": "24:00", "type": "4"`),
			want: []qc.Violation{vio(p+".value", qc.RuleTime, `"24:00"`)},
		},
		{
			name: "type 4 ISO T separator",
			body: value(okValue + `, "value": "2024-01-02T03:04:05", "type": "4"`),
			want: []qc.Violation{vio(p+".value", qc.RuleTime, `"2024-01-02T03:04:05"`)},
		},
		{
			name: "empty values skip format checks",
			body: value(okValue + `, "value": "", "type": "3"`),
		},
		{
			name:  "valueNo as a number is understood",
			body:  value(`"valueNo": 1, "name": "n", "value": "x", "type": "1", "isMandatory": true`),
			want:  []qc.Violation{vio(p+".valueNo", qc.RuleValueNo, "1")},
			check: func(v qc.ParsedValue) string { return want(v.ValueNo == "1", "valueNo %q", v.ValueNo) },
		},
		{
			name:  "member name in the wrong case is used and reported",
			body:  value(`"valueNo": "1", "Name": "n", "value": "x", "type": "1", "isMandatory": true`),
			want:  []qc.Violation{vio(p+".Name", "member names are case-sensitive: the contract spells it name", `"Name"`)},
			check: func(v qc.ParsedValue) string { return want(v.Name == "n", "name %q", v.Name) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := mustParse(t, tt.body)
			if !reflect.DeepEqual(rep.Violations, tt.want) && (len(rep.Violations) > 0 || len(tt.want) > 0) {
				t.Errorf("violations:\n got %s\nwant %s", fmtViolations(rep.Violations), fmtViolations(tt.want))
			}
			if len(rep.Objects) != 1 || len(rep.Objects[0].Values) != 1 {
				t.Fatalf("the value must still render: %+v", rep.Objects)
			}
			if tt.check != nil {
				if msg := tt.check(rep.Objects[0].Values[0]); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func vio(path, rule, got string) qc.Violation {
	return qc.Violation{Path: path, Rule: rule, Got: got}
}

func want(ok bool, format string, args ...any) string {
	if ok {
		return ""
	}
	return fmt.Sprintf(format, args...)
}

func TestParseObjectShapes(t *testing.T) {
	rep := mustParse(t, `[
	  "not an object",
	  {"values": [{"name": "a", "value": "1", "type": "1", "isMandatory": false}]},
	  {"objectName": 5},
	  {"objectName": "x", "values": {"name": "a"}},
	  {"objectName": "y", "values": [1, {}, {"name": "b", "value": "2", "type": "1", "isMandatory": false}]}
	]`)
	wantV := []qc.Violation{
		vio("$[0]", qc.RuleElement, `"not an object"`),
		vio("$[1].objectName", qc.RuleObjectName, "missing"),
		vio("$[2].objectName", qc.RuleObjectName, "5"),
		vio("$[2].values", qc.RuleValues, "missing"),
		vio("$[3].values", qc.RuleValues, "object"),
		vio("$[4].values[0]", qc.RuleValueObject, "1"),
		vio("$[4].values[1].name", qc.RuleName, "missing"),
		vio("$[4].values[1].value", qc.RuleValue, "missing"),
		vio("$[4].values[1].type", qc.RuleType, "missing"),
		vio("$[4].values[1].isMandatory", qc.RuleMandatory, "missing"),
	}
	if !reflect.DeepEqual(rep.Violations, wantV) {
		t.Errorf("violations:\n got %s\nwant %s", fmtViolations(rep.Violations), fmtViolations(wantV))
	}
	var names []string
	for _, o := range rep.Objects {
		names = append(names, fmt.Sprintf("%s:%d", o.Name, len(o.Values)))
	}
	// An object without a name still renders its values; an empty value
	// object renders nothing.
	if got := strings.Join(names, " "); got != ":1 5:0 x:0 y:1" {
		t.Errorf("objects = %s", got)
	}
}

func TestParseDisplay(t *testing.T) {
	for lit, wantText := range map[string]string{
		`"文本"`:                 "文本",
		`12345678901234567890`: "12345678901234567890", // beyond float64: every digit kept
		`13800138000`:          "13800138000",
		`1.10`:                 "1.10",
		`1e3`:                  "1000",
		`1.5E-3`:               "0.0015",
		`-2.50e+2`:             "-250",
		`-0e5`:                 "0",
		`123.456e1`:            "1234.56",
		`1e999999`:             "1e999999", // not a megabyte of zeros
		`true`:                 "true",
		`false`:                "false",
		`null`:                 "",
	} {
		rep := mustParse(t, value(okValue+`, "type": "1", "value": `+lit))
		if got := rep.Objects[0].Values[0].Display; got != wantText {
			t.Errorf("%s displays %q, want %q", lit, got, wantText)
		}
	}
}

func TestParseOrder(t *testing.T) {
	names := func(body string) string {
		rep := mustParse(t, body)
		var out []string
		for _, v := range rep.Objects[0].Values {
			out = append(out, v.Name)
		}
		return strings.Join(out, ",")
	}
	v := func(no, name string) string {
		if no != "" {
			no = `"valueNo": "` + no + `", `
		}
		return `{` + no + `"name": "` + name + `", "value": "", "type": "1", "isMandatory": false}`
	}
	obj := func(vs ...string) string { return `[{"objectName": "o", "values": [` + strings.Join(vs, ",") + `]}]` }
	if got := names(obj(v("10", "c"), v("2", "b"), v("1", "a"), v("2", "b2"))); got != "a,b,b2,c" {
		t.Errorf("numeric, stable: %s", got)
	}
	if got := names(obj(v("2", "b"), v("", "x"), v("1", "a"))); got != "b,x,a" {
		t.Errorf("one valueNo missing keeps the reply's order: %s", got)
	}
	if got := names(obj(v("b", "b"), v("a", "a"))); got != "b,a" {
		t.Errorf("non-numeric valueNo keeps the reply's order: %s", got)
	}
}

func TestParseSplitDictionaryPreviousValue(t *testing.T) {
	// The fragment after its value: joined backwards.
	rep := mustParse(t, `[{"objectName": "o", "values": [
	  {"name": "付费方式", "value": "2", "type": "5", "isMandatory": true},
	  {"dictItems": [{"key": "1", "value": "预付费"}, {"key": "2", "value": "后付费"}]}]}]`)
	if n := len(rep.Objects[0].Values); n != 1 {
		t.Fatalf("%d values rendered, want the fragment joined", n)
	}
	if got := rep.Objects[0].Values[0].Text(); got != "后付费" {
		t.Errorf("text %q", got)
	}
	// With no type-5 value to join, a fragment renders nothing.
	rep = mustParse(t, `[{"objectName": "o", "values": [{"dictItems": [{"key": "1", "value": "a"}]}]}]`)
	if n := len(rep.Objects[0].Values); n != 0 {
		t.Errorf("orphan fragment rendered: %+v", rep.Objects[0].Values)
	}
}

func TestParseBodyLevel(t *testing.T) {
	rep := mustParse(t, "\xef\xbb\xbf[]")
	if len(rep.Violations) != 1 || rep.Violations[0].Rule != qc.RuleBOM {
		t.Errorf("BOM: %s", fmtViolations(rep.Violations))
	}
	rep = mustParse(t, "[{\"objectName\": \"\xb7\xd1\", \"values\": []}]") // GBK bytes
	if len(rep.Violations) != 1 || rep.Violations[0].Rule != qc.RuleUTF8 {
		t.Errorf("not UTF-8: %s", fmtViolations(rep.Violations))
	}
}

func TestParseErrors(t *testing.T) {
	for body, wantMsg := range map[string]string{
		``:                                "empty",
		`   `:                             "empty",
		`<html>busy</html>`:               "not JSON",
		`[{"objectName": "x"`:             "not JSON",
		`[] []`:                           "more data follows",
		`{"objectName": "x"}`:             "JSON object, not an array",
		`{"code": 0, "data": [], "n": 1}`: `the array under "data" should be the whole reply`,
		`"text"`:                          "JSON string, not an array",
		`null`:                            "JSON null, not an array",
	} {
		_, err := qc.Parse([]byte(body))
		if err == nil || !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("Parse(%q) error = %v, want it to mention %q", body, err, wantMsg)
		}
	}
}

func TestParseCapsViolations(t *testing.T) {
	var b strings.Builder
	b.WriteString(`[{"objectName": "o", "values": [`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"name": "n", "value": "x", "type": 1, "isMandatory": true}`)
	}
	b.WriteString(`]}]`)
	rep := mustParse(t, b.String())
	if n := len(rep.Violations); n != 501 {
		t.Fatalf("%d violations, want 500 and a truncation note", n)
	}
	if last := rep.Violations[500]; last.Rule != qc.RuleTruncated || last.Got != "500 more violations" {
		t.Errorf("last = %v", last)
	}
	if rep.ValueCount() != 1000 {
		t.Errorf("rendered %d values", rep.ValueCount())
	}
}

func TestParseViolationOrder(t *testing.T) {
	// The type-5 checks run after the whole object was read; the report
	// still follows the reply's order.
	rep := mustParse(t, `[{"objectName": "o", "values": [
	  {"name": "a", "value": "1", "type": "5", "isMandatory": true},
	  {"name": "b", "value": "x", "type": 1, "isMandatory": true}]}]`)
	var paths []string
	for _, v := range rep.Violations {
		paths = append(paths, v.Path)
	}
	if got := strings.Join(paths, " "); got != "$[0].values[0].dictItems $[0].values[1].type" {
		t.Errorf("order: %s", got)
	}
}
