package tables

import (
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"

	"github.com/screenpop/screenpop/internal/apperr"
)

// RuleCostLimit bounds what one rule evaluation may cost, so a rule such as
// a huge list comprehension cannot stall an import.
const RuleCostLimit = 10_000

// maxRuleLength keeps rules to the one-liners they are meant to be.
const maxRuleLength = 1000

// ruleEnv is the CEL environment of field rules: the field's value as text
// in `value`. A number field's rule can say double(value) > 0.
var ruleEnv = func() *cel.Env {
	env, err := cel.NewEnv(cel.Variable("value", cel.StringType))
	if err != nil {
		panic(err)
	}
	return env
}()

// Rule is a compiled field rule.
type Rule struct {
	Source  string
	program cel.Program
}

// CompileRule checks a rule when it is saved: it must parse, type-check and
// return a bool. Errors name the line and column.
func CompileRule(src string) (*Rule, *apperr.Message) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, nil
	}
	if len(src) > maxRuleLength {
		return nil, &apperr.Message{Key: "field.too_long", Args: []any{maxRuleLength}}
	}
	ast, iss := ruleEnv.Compile(src)
	if iss != nil && iss.Err() != nil {
		e := iss.Errors()[0]
		return nil, &apperr.Message{Key: "rule.compile", Args: []any{e.Location.Line(), e.Location.Column() + 1, e.Message}}
	}
	if ast.OutputType() != cel.BoolType {
		return nil, &apperr.Message{Key: "rule.not_bool", Args: []any{ast.OutputType().String()}}
	}
	prg, err := ruleEnv.Program(ast, cel.CostLimit(RuleCostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, &apperr.Message{Key: "rule.compile", Args: []any{1, 1, err.Error()}}
	}
	return &Rule{Source: src, program: prg}, nil
}

// Check evaluates the rule for a value; a false result or an evaluation
// error (including going over the cost limit) is a validation message.
func (r *Rule) Check(value string) *apperr.Message {
	out, _, err := r.program.Eval(map[string]any{"value": value})
	if err != nil {
		return &apperr.Message{Key: "value.rule_error", Args: []any{shorten(err.Error())}}
	}
	if ok, _ := out.Value().(bool); !ok {
		return &apperr.Message{Key: "value.rule", Args: []any{r.Source}}
	}
	return nil
}

func shorten(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// String shows the rule's source.
func (r *Rule) String() string { return fmt.Sprint(r.Source) }
