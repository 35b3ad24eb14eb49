package main

import (
	"strings"
	"testing"

	"github.com/screenpop/screenpop/importer"
)

// The CLI prints a refused file's reason once, without a --file: prefix
// (there is no such flag), and a header's problems one per line.
func TestDescribeImportErrors(t *testing.T) {
	tooLarge := describe(importer.UserError(importer.CheckSize(30<<20, 20<<20)))
	if strings.Count(tooLarge, "20 MB") != 1 || strings.Contains(tooLarge, "--file") {
		t.Errorf("too large:\n%s", tooLarge)
	}
	header := describe(importer.UserError(importer.CompareHeader([]string{"手机", "姓名"}, []string{"手机", "名字"})))
	if strings.Contains(header, "--file") || !strings.Contains(header, "\n  Missing columns: 姓名") || !strings.Contains(header, "\n  Unexpected columns: 名字") {
		t.Errorf("header:\n%s", header)
	}
}
