// Package layers holds the test of the import direction: the layering that
// ARCHITECTURE.md describes, checked against what `go list` reports, so a
// new arrow the wrong way fails `make test` and `make lint`.
package layers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/screenpop/screenpop"

// rule forbids packages under From (the module-relative path, a prefix) to
// import packages matched by any of Forbid (module-relative prefixes, or full
// import paths for third-party packages).
type rule struct {
	From   string
	Forbid []string
	Why    string
}

// rules is the layering, from the bottom up:
//
//	internal/*           leaves: errors, i18n, database, audit, keys, config
//	tables               base tables (storage, crypto, values)
//	pages, importer      built on tables
//	engine/*             the domain services above them, and the wiring
//	web, cmd             the ways in: HTTP and the command line
var rules = []rule{
	{From: "internal/", Forbid: []string{"engine", "tables", "pages", "importer", "web", "cmd"},
		Why: "internal/ holds the leaves every layer may use; they depend on nothing of ours"},
	{From: "tables", Forbid: []string{"engine", "pages", "importer", "web", "cmd"},
		Why: "tables is the bottom domain layer"},
	{From: "pages", Forbid: []string{"engine", "importer", "web", "cmd"},
		Why: "pages builds on tables only; engine/ wires it from above"},
	{From: "importer", Forbid: []string{"engine", "pages", "web", "cmd"},
		Why: "importer builds on tables only; engine/ wires it from above"},
	{From: "engine", Forbid: []string{"web", "cmd", "github.com/gofiber/fiber", "github.com/danielgtaylor/huma"},
		Why: "the domain knows nothing of HTTP"},
	{From: "web", Forbid: []string{"internal/database", "internal/audit", "github.com/uptrace/bun", "github.com/jackc/pgx", "database/sql"},
		Why: "web reads requests and writes responses; storage is reached through services"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// under reports whether the import path lies under a module-relative prefix
// (a folder: "engine" matches engine and engine/pops, not enginex) or starts
// with a third-party path.
func under(importPath, prefix string) bool {
	if !strings.Contains(prefix, ".") && prefix != "database/sql" {
		rel, ok := strings.CutPrefix(importPath, module+"/")
		if !ok {
			return false
		}
		importPath = rel
	}
	p := strings.TrimSuffix(prefix, "/")
	return importPath == p || strings.HasPrefix(importPath, p+"/")
}

// violations lists every import that breaks a rule, as "from → to (why)".
func violations(pkgs []pkg, rules []rule) []string {
	var out []string
	for _, p := range pkgs {
		for _, r := range rules {
			if !under(p.ImportPath, r.From) {
				continue
			}
			for _, imp := range p.Imports {
				for _, f := range r.Forbid {
					if under(imp, f) {
						out = append(out, fmt.Sprintf("%s imports %s: %s",
							strings.TrimPrefix(p.ImportPath, module+"/"), strings.TrimPrefix(imp, module+"/"), r.Why))
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestImportDirection(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; expected the whole module", len(pkgs))
	}
	for _, v := range violations(pkgs, rules) {
		t.Error(v)
	}
}

// TestRulesCatchViolations shows the checker fails on the arrows it exists
// to forbid, so TestImportDirection cannot pass by matching nothing.
func TestRulesCatchViolations(t *testing.T) {
	cases := []struct {
		from, to string
		want     bool
	}{
		{"tables", "engine/accounts", true},
		{"pages", "engine/pops", true},
		{"importer", "engine", true},
		{"internal/apperr", "tables", true},
		{"web", "internal/database", true},
		{"web", "internal/audit", true},
		{"web", "github.com/uptrace/bun", true},
		{"web", "github.com/uptrace/bun/dialect/pgdialect", true},
		{"engine/pops", "web", true},
		{"engine/pops", "github.com/gofiber/fiber/v2", true},
		{"pages", "tables", false},
		{"importer", "tables", false},
		{"engine/pops", "pages", false},
		{"web", "engine/pops", false},
		{"tables", "internal/database", false},
		{"enginex", "web", false}, // a folder prefix, not a string prefix
	}
	for _, c := range cases {
		t.Run(c.from+"→"+c.to, func(t *testing.T) {
			to := c.to
			if !strings.Contains(to, ".") {
				to = module + "/" + to
			}
			got := len(violations([]pkg{{ImportPath: module + "/" + c.from, Imports: []string{to}}}, rules)) > 0
			if got != c.want {
				t.Errorf("violation reported = %v, want %v", got, c.want)
			}
		})
	}
}
