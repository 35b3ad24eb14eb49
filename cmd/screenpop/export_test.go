package main_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The export command leaves the revealed-export audit to the export
// service: one entry for a revealed export, marked as from the CLI, none
// for a masked one or one refused for its format.
func TestExportCommandAuditsReveal(t *testing.T) {
	e := newImportEnv(t)
	cases := []struct {
		name    string
		args    []string
		fails   bool
		audited int
	}{
		{"masked", []string{"--format", "xlsx"}, false, 0},
		{"unknown format", []string{"--format", "xls", "--reveal"}, true, 0},
		{"revealed", []string{"--reveal"}, false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.exportAudits()
			args := append([]string{"export", "--tenant", e.slug, "--table", "客户", "-o", filepath.Join(e.dir, "out")}, tc.args...)
			out, err := e.run(args...)
			if (err != nil) != tc.fails || (err == nil && !strings.Contains(out, "exported 0 records")) {
				t.Fatalf("export %v: %v\n%s", tc.args, err, out)
			}
			if n := e.exportAudits() - before; n != tc.audited {
				t.Fatalf("%d audit entries from the CLI, want %d", n, tc.audited)
			}
		})
	}
}

func (e *importEnv) exportAudits() int {
	e.t.Helper()
	n, err := e.db.NewSelect().Table("audit_log").
		Where("action = 'data.export_reveal' AND detail->>'via' = 'cli' AND target = ?", fmt.Sprintf("table:%d", e.table.ID)).Count(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}
