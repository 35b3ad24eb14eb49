package querycustomer_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	qc "github.com/screenpop/screenpop/engine/querycustomer"
)

// TestParseViolationPaths pins whole reports of sloppy replies — paths
// with two-digit indexes, faults deep in dictItems, member names in the
// wrong case, split dictionaries, a BOM, bytes that are not UTF-8 — as
// Parse gave them before it built paths only for the violations it
// reports.
func TestParseViolationPaths(t *testing.T) {
	const (
		caseKey   = "member names are case-sensitive: the contract spells it key"
		caseValue = "member names are case-sensitive: the contract spells it value"
	)
	tests := []struct {
		name    string
		body    string
		want    []qc.Violation
		objects string // fmt %+v of Objects, when given
	}{
		{
			name: "two-digit indexes and dictItems faults",
			body: `[` + strings.Repeat(`1,`, 10) + `{"objectName": "o", "values": [` +
				strings.Repeat(`{"name": "n", "value": "", "type": "1", "isMandatory": true},`, 11) +
				`{"name": "d", "value": "9", "type": "5", "isMandatory": true, "dictItems": [{"key": "1", "value": "a"}, {"Key": "2", "value": 3},` +
				` {"key": 1, "VALUE": "b"}, [], {"key": null}, {"key": "1", "value": "dup"}, {"key": {}}]}]}]`,
			want: append(func() (vs []qc.Violation) {
				for i := range 10 {
					vs = append(vs, vio(fmt.Sprintf("$[%d]", i), qc.RuleElement, "1"))
				}
				return vs
			}(),
				vio("$[10].values[11].dictItems[1].Key", caseKey, `"Key"`),
				vio("$[10].values[11].dictItems[1].value", qc.RuleDictLabel, "3"),
				vio("$[10].values[11].dictItems[2].key", qc.RuleDictKey, "1"),
				vio("$[10].values[11].dictItems[2].VALUE", caseValue, `"VALUE"`),
				vio("$[10].values[11].dictItems[2].key", qc.RuleDictUnique, `"1"`),
				vio("$[10].values[11].dictItems[3]", qc.RuleDictItem, "array (0 items)"),
				vio("$[10].values[11].dictItems[4].key", qc.RuleDictKey, "null"),
				vio("$[10].values[11].dictItems[5].key", qc.RuleDictUnique, `"1"`),
				vio("$[10].values[11].dictItems[6].key", qc.RuleDictKey, "object"),
				vio("$[10].values[11].value", qc.RuleDictValue, `"9"`),
			),
		},
		{
			name: "split dictionaries, next then previous",
			body: `[{"objectName": "o", "values": [{"valueNo": "2", "dictItems": [{"key": "1", "value": "a"}]}, {"name": "p", "value": "2", "type": "5", "isMandatory": true}]},
			  {"objectName": "o2", "values": [{"name": "q", "value": "1", "type": 5, "isMandatory": true}, {"valueNo": "3", "dictItems": [{"key": "1", "value": "a"}]}, {"dictItems": [{"key": "x", "value": "y"}]}]}]`,
			want: []qc.Violation{
				vio("$[0].values[0].name", qc.RuleName, "missing"),
				vio("$[0].values[0].value", qc.RuleValue, "missing"),
				vio("$[0].values[0].type", qc.RuleType, "missing"),
				vio("$[0].values[0].isMandatory", qc.RuleMandatory, "missing"),
				vio("$[0].values[1].dictItems", qc.RuleDictNeeded, "missing; the dictItems of $[0].values[0] were used"),
				vio("$[0].values[1].value", qc.RuleDictValue, `"2"`),
				vio("$[1].values[0].type", qc.RuleType, "5"),
				vio("$[1].values[0].dictItems", qc.RuleDictNeeded, "missing; the dictItems of $[1].values[1] were used"),
				vio("$[1].values[1].name", qc.RuleName, "missing"),
				vio("$[1].values[1].value", qc.RuleValue, "missing"),
				vio("$[1].values[1].type", qc.RuleType, "missing"),
				vio("$[1].values[1].isMandatory", qc.RuleMandatory, "missing"),
				vio("$[1].values[2].name", qc.RuleName, "missing"),
				vio("$[1].values[2].value", qc.RuleValue, "missing"),
				vio("$[1].values[2].type", qc.RuleType, "missing"),
				vio("$[1].values[2].isMandatory", qc.RuleMandatory, "missing"),
			},
			objects: "[{Name:o Values:[{ValueNo:2 Name:p Display:2 Type:5 Length:0 Mandatory:true MaskStyle:0 DictItems:[{Key:1 Value:a}]}]} " +
				"{Name:o2 Values:[{ValueNo:3 Name:q Display:1 Type:5 Length:0 Mandatory:true MaskStyle:0 DictItems:[{Key:1 Value:a}]}]}]",
		},
		{
			name: "wrong case and duplicate members",
			body: `[{"ObjectName": "a", "objectname": "b", "Values": [{"NAME": "x", "Name": "y", "value": "1", "value": "2", "TYPE": "2", "isMandatory": "1", "maskStyle": " 1", "length": " 3"}]}]`,
			want: []qc.Violation{
				vio("$[0].ObjectName", "member names are case-sensitive: the contract spells it objectName", `"ObjectName"`),
				vio("$[0].Values", "member names are case-sensitive: the contract spells it values", `"Values"`),
				vio("$[0].values[0].NAME", "member names are case-sensitive: the contract spells it name", `"NAME"`),
				vio("$[0].values[0].TYPE", "member names are case-sensitive: the contract spells it type", `"TYPE"`),
				vio("$[0].values[0].length", qc.RuleLength, `" 3"`),
				vio("$[0].values[0].isMandatory", qc.RuleMandatory, `"1"`),
				vio("$[0].values[0].maskStyle", qc.RuleMaskStyle, `" 1"`),
			},
			objects: "[{Name:a Values:[{ValueNo: Name:x Display:2 Type:2 Length:3 Mandatory:true MaskStyle:1 DictItems:[]}]}]",
		},
		{
			name: "a BOM, and type-5 checks in the reply's order",
			body: "\xef\xbb\xbf" + `[{"objectName": 1, "values": [{"name": "a", "value": "1", "type": "5", "isMandatory": true}, {"name": "b", "value": "x", "type": "3", "isMandatory": true, "dictItems": 1}, 2]}]`,
			want: []qc.Violation{
				vio("$", qc.RuleBOM, "a byte-order mark"),
				vio("$[0].objectName", qc.RuleObjectName, "1"),
				vio("$[0].values[0].dictItems", qc.RuleDictNeeded, "missing"),
				vio("$[0].values[1].dictItems", qc.RuleDictItems, "1"),
				vio("$[0].values[1].value", qc.RuleDate, `"x"`),
				vio("$[0].values[2]", qc.RuleValueObject, "2"),
			},
			objects: "[{Name:1 Values:[{ValueNo: Name:a Display:1 Type:5 Length:0 Mandatory:true MaskStyle:0 DictItems:[]} " +
				"{ValueNo: Name:b Display:x Type:3 Length:0 Mandatory:true MaskStyle:0 DictItems:[]}]}]",
		},
		{
			name: "bytes that are not UTF-8 (read by encoding/json)",
			body: "[{\"objectName\": \"\xff\", \"values\": [{\"Name\": \"\xfe\", \"value\": [1], \"type\": \"4\", \"isMandatory\": null, \"dictItems\": [{\"key\": \"k\"}]}]}]",
			want: []qc.Violation{
				vio("$", qc.RuleUTF8, "bytes that are not UTF-8"),
				vio("$[0].values[0].Name", "member names are case-sensitive: the contract spells it name", `"Name"`),
				vio("$[0].values[0].value", qc.RuleValue, "array (1 items)"),
				vio("$[0].values[0].isMandatory", qc.RuleMandatory, "null"),
				vio("$[0].values[0].dictItems[0].value", qc.RuleDictLabel, "missing"),
			},
			objects: "[{Name:\uFFFD Values:[{ValueNo: Name:\uFFFD Display: Type:4 Length:0 Mandatory:false MaskStyle:0 DictItems:[{Key:k Value:}]}]}]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := mustParse(t, tt.body)
			if !reflect.DeepEqual(rep.Violations, tt.want) {
				t.Errorf("violations:\n got %s\nwant %s", fmtViolations(rep.Violations), fmtViolations(tt.want))
			}
			if got := fmt.Sprintf("%+v", rep.Objects); tt.objects != "" && got != tt.objects {
				t.Errorf("objects:\n got %s\nwant %s", got, tt.objects)
			}
		})
	}
}
