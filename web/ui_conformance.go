package web

import (
	"net/http"
	"time"

	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/internal/i18n"
)

// The conformance report in the operator's language: the same facts as
// `screenpop check-endpoint` prints (that text stays below, in English, to
// copy into a ticket), with each rule of the contract translated.

// ruleKeys names the catalog entry of each rule of the queryCustomer
// contract; a rule without one is shown as written.
var ruleKeys = map[string]string{
	querycustomer.RuleBOM: "qc.rule.bom", querycustomer.RuleUTF8: "qc.rule.utf8", querycustomer.RuleElement: "qc.rule.element",
	querycustomer.RuleObjectName: "qc.rule.object_name", querycustomer.RuleValues: "qc.rule.values",
	querycustomer.RuleValueObject: "qc.rule.value_object", querycustomer.RuleValueNo: "qc.rule.value_no",
	querycustomer.RuleName: "qc.rule.name", querycustomer.RuleValue: "qc.rule.value", querycustomer.RuleType: "qc.rule.type",
	querycustomer.RuleLength: "qc.rule.length", querycustomer.RuleValueLength: "qc.rule.value_length",
	querycustomer.RuleMandatory: "qc.rule.mandatory", querycustomer.RuleMaskStyle: "qc.rule.mask_style",
	querycustomer.RuleDictItems: "qc.rule.dict_items", querycustomer.RuleDictNeeded: "qc.rule.dict_needed",
	querycustomer.RuleDictItem: "qc.rule.dict_item", querycustomer.RuleDictKey: "qc.rule.dict_key",
	querycustomer.RuleDictLabel: "qc.rule.dict_label", querycustomer.RuleDictUnique: "qc.rule.dict_unique",
	querycustomer.RuleDictValue: "qc.rule.dict_value", querycustomer.RuleNumber: "qc.rule.number",
	querycustomer.RuleDate: "qc.rule.date", querycustomer.RuleTime: "qc.rule.time", querycustomer.RuleTruncated: "qc.rule.truncated",
}

// reportFact is one line of the report's summary.
type reportFact struct{ Label, Value string }

// reportViolation is one broken rule, translated.
type reportViolation struct{ Path, Rule, Got string }

type conformanceView struct {
	Facts      []reportFact
	Violations []reportViolation
}

func conformanceReport(lang string, r *checkResult) conformanceView {
	var out conformanceView
	if r == nil || r.Res == nil {
		out.Facts = append(out.Facts, reportFact{i18n.T(lang, "qc.status"), i18n.T(lang, "qc.not_queried")})
	} else {
		res := r.Res
		status := i18n.T(lang, "qc.no_response")
		if res.Status != 0 {
			status = i18n.T(lang, "qc.status_value", res.Status, http.StatusText(res.Status))
		}
		out.Facts = append(out.Facts,
			reportFact{i18n.T(lang, "qc.status"), status},
			reportFact{i18n.T(lang, "qc.duration"), i18n.T(lang, "qc.duration_value", res.Duration.Round(time.Millisecond).String(), res.Attempts)},
			reportFact{i18n.T(lang, "qc.body"), i18n.T(lang, "qc.bytes", len(res.Raw))},
			reportFact{i18n.T(lang, "qc.rendered"), i18n.T(lang, "qc.rendered_value", len(res.Reply.Objects), res.Reply.ValueCount())},
		)
		for _, v := range res.Reply.Violations {
			rule := v.Rule
			if key, ok := ruleKeys[v.Rule]; ok {
				rule = i18n.T(lang, key)
			}
			got := v.Got
			if got == "missing" {
				got = i18n.T(lang, "qc.missing")
			}
			out.Violations = append(out.Violations, reportViolation{Path: v.Path, Rule: rule, Got: got})
		}
	}
	if r != nil && r.Err != nil {
		out.Facts = append(out.Facts, reportFact{i18n.T(lang, "qc.error"), reasonText(lang, string(r.Err.Kind))})
	}
	return out
}
