package importer

import "testing"

func TestNeutralizeFormula(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"张三", "张三"},
		{"013800138000", "013800138000"},
		{"a=b", "a=b"},
		{"=1+2", "'=1+2"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"+1+2", "'+1+2"},
		{"-2+3", "'-2+3"},
		{"-A1", "'-A1"},
		{"+1e5", "'+1e5"},
		{"-", "'-"},
		{"\tx", "'\tx"},
		{"\r=1", "'\r=1"},
		{"+8613800138000", "+8613800138000"}, // a phone number stays intact
		{"-12.5", "-12.5"},
		{"+0.5", "+0.5"},
		{"-12.", "'-12."},
		{"-.5", "'-.5"},
		{"12.5", "12.5"},
	} {
		if got := NeutralizeFormula(tt.in); got != tt.want {
			t.Errorf("NeutralizeFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Unneutralize takes off exactly the quote NeutralizeFormula adds.
func TestUnneutralize(t *testing.T) {
	for _, cell := range []string{"=1+2", "'=1+2", "''=1+2", "@SUM(A1)", "-1+2", "+8613800138000", "-12.5", "'abc", "'", "", "'0138", "\tx", "abc"} {
		if got := Unneutralize(NeutralizeFormula(cell)); got != cell {
			t.Errorf("%q → %q → %q", cell, NeutralizeFormula(cell), got)
		}
	}
	for cell, want := range map[string]string{"'=1+2": "=1+2", "'abc": "'abc", "'+86138": "'+86138", "'-1+2": "-1+2"} {
		if got := Unneutralize(cell); got != want {
			t.Errorf("Unneutralize(%q) = %q, want %q", cell, got, want)
		}
	}
}
