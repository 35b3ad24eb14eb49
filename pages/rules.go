package pages

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"

	"github.com/screenpop/screenpop/internal/apperr"
)

// Page rules see the object's record as `record` (field name → value:
// numbers as double, everything else as string, empty fields absent) and the
// call as `call` (callerNum, calledNum, callid, direction, … as strings).
// Field names may be Chinese (see names.go):
//
//	record.level == "VIP"
//	record.等级 == "VIP"
//	has(record.points) && record.points > 1000 ? "Gold" : "Standard"
//	call.direction == "in"
var pageEnv = func() *cel.Env {
	env, err := cel.NewEnv(
		cel.Variable("record", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("call", cel.MapType(cel.StringType, cel.StringType)),
	)
	if err != nil {
		panic(err)
	}
	return env
}()

// RuleCostLimit bounds one evaluation, so a rule cannot slow a pop.
const RuleCostLimit = 5_000

const maxRuleLength = 1000

type ruleKind int

const (
	ruleBool ruleKind = iota // visibility, highlight
	ruleAny                  // computed display values
)

// program is a compiled rule.
type program struct {
	src string
	prg cel.Program
}

// programs caches compiled rules by source: published pages are rendered
// for every call, and compiling is far slower than evaluating.
var programs sync.Map // kind+source → *program

// programCount bounds the cache: every valid rule any tenant saves (or
// sends in a draft through the API) lands in it, so without a bound it is a
// way to grow the server's memory at will. Past maxPrograms it starts over;
// the rules of published pages come back on their next render.
var programCount atomic.Int64

const maxPrograms = 10_000

func compile(src string, kind ruleKind) (*program, *apperr.Message) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, nil
	}
	cacheKey := fmt.Sprint(kind) + "\x00" + src
	if p, ok := programs.Load(cacheKey); ok {
		return p.(*program), nil
	}
	if len(src) > maxRuleLength {
		return nil, &apperr.Message{Key: "field.too_long", Args: []any{maxRuleLength}}
	}
	escaped, origin := escapeNames(src)
	ast, iss := pageEnv.Compile(escaped)
	if iss != nil && iss.Err() != nil {
		e := iss.Errors()[0]
		line, col := sourcePosition(escaped, origin, src, e.Location.Line(), e.Location.Column())
		if m := undeclared.FindStringSubmatch(e.Message); m != nil && !selected(src, m[1]) {
			// A bare ASCII name: most likely a field written without record.
			return nil, &apperr.Message{Key: "rule.bare_name", Args: []any{line, col + 1, m[1]}}
		}
		return nil, &apperr.Message{Key: "rule.compile", Args: []any{line, col + 1, unalias(e.Message)}}
	}
	if kind == ruleBool && ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
		return nil, &apperr.Message{Key: "rule.not_bool", Args: []any{ast.OutputType().String()}}
	}
	prg, err := pageEnv.Program(ast, cel.CostLimit(RuleCostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, &apperr.Message{Key: "rule.compile", Args: []any{1, 1, err.Error()}}
	}
	p := &program{src: src, prg: prg}
	if _, loaded := programs.LoadOrStore(cacheKey, p); !loaded && programCount.Add(1) > maxPrograms {
		programs.Clear()
		programCount.Store(0)
	}
	return p, nil
}

// undeclared matches CEL's message for a name that is neither record nor
// call.
var undeclared = regexp.MustCompile(`^undeclared reference to '([A-Za-z_][A-Za-z0-9_]*)'`)

// selected reports whether name is followed by a selection somewhere in
// src (customer.level): then it is a wrong variable, not a bare field.
func selected(src, name string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\s*\.`).MatchString(src)
}

func checkRule(src string, kind ruleKind) *apperr.Message {
	_, msg := compile(src, kind)
	return msg
}

// evalBool runs a boolean rule; an empty rule is true, and a rule that
// fails at run time (a missing field, say) counts as false so the page
// still renders.
func evalBool(src string, vars map[string]any, dflt bool) bool {
	p, msg := compile(src, ruleBool)
	if p == nil || msg != nil {
		return dflt
	}
	out, _, err := p.prg.Eval(vars)
	if err != nil {
		return false
	}
	b, ok := out.Value().(bool)
	return ok && b
}

// evalText runs a computed-value rule and formats its result; errors show
// as an empty value.
func evalText(src string, vars map[string]any) (string, bool) {
	p, msg := compile(src, ruleAny)
	if p == nil || msg != nil {
		return "", false
	}
	out, _, err := p.prg.Eval(vars)
	if err != nil || types.IsError(out) {
		return "", false
	}
	return formatCEL(out), true
}

func formatCEL(v ref.Val) string {
	switch x := v.Value().(type) {
	case string:
		return x
	case float64:
		return formatNumber(x)
	case int64:
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v.Value())
}
