package tables_test

import (
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

func TestNormalize(t *testing.T) {
	str := &tables.Field{Type: tables.TypeString, Length: 5}
	str256 := &tables.Field{Type: tables.TypeString}
	num := &tables.Field{Type: tables.TypeNumber, Length: 6}
	date := &tables.Field{Type: tables.TypeDate}
	clock := &tables.Field{Type: tables.TypeTime}
	level := &tables.Field{Type: tables.TypeDict, DictItems: dict("1", "VIP", "2", "普通", "v", "1x")}
	tests := []struct {
		name  string
		f     *tables.Field
		in    string
		want  string
		error string // the English message, if refused
	}{
		{"empty", str, "  ", "", ""},
		{"string trimmed", str, " abc ", "abc", ""},
		{"NUL dropped", str, "a\x00b\x00", "ab", ""},
		{"only NUL", str, "\x00", "", ""},
		{"string of five runes", str, "客服中心好", "客服中心好", ""},
		{"string too long", str, "客服中心好吗", "", "At most 5 characters."},
		{"string default length", str256, strings.Repeat("x", 256), strings.Repeat("x", 256), ""},
		{"string over 256", str256, strings.Repeat("x", 257), "", "At most 256 characters."},

		{"number", num, "42", "42", ""},
		{"negative decimal", num, "-3.5", "-3.5", ""},
		{"thousands separator", num, "1,234", "1234", ""},
		{"currency", num, "¥1,234.50", "1234.50", ""},
		{"full-width currency and yuan", num, "￥12元", "12", ""},
		{"space grouping, decimal comma", num, "1 234,50", "1234.50", ""},
		{"decimal comma", num, "12,5", "12.5", ""},
		{"accounting negative", num, "(12.50)", "-12.50", ""},
		{"negative currency", num, "-¥3.5", "-3.5", ""},
		{"plus sign", num, "+7", "+7", ""},
		{"six digits", num, "1234.56", "1234.56", ""},
		{"too many digits", num, "1234567", "", "At most 6 digits."},
		{"too many digits after the point", num, "12345.67", "", "At most 6 digits."},
		{"letters", num, "12a", "", "Enter a number, such as 42 or -3.5."},
		{"bare point", num, "3.", "", "Enter a number"},
		{"two points", num, "1.2.3", "", "Enter a number"},
		{"bare sign", num, "-", "", "Enter a number"},
		{"two signs", num, "+-1", "", "Enter a number"},
		{"point first", num, ".5", "", "Enter a number"},
		{"exponent", num, "1e5", "", "Enter a number"},
		{"full-width digits", num, "１２", "", "Enter a number"},
		{"Arabic-Indic digits", num, "١٢", "", "Enter a number"},

		{"date", date, "2024-03-05", "2024-03-05", ""},
		{"date with slashes", date, "2024/3/5", "2024-03-05", ""},
		{"date with dots", date, "2024.12.31", "2024-12-31", ""},
		{"short date with dots", date, "2024.3.5", "2024-03-05", ""},
		{"Chinese date", date, "2024年3月5日", "2024-03-05", ""},
		{"compact date", date, "20240305", "2024-03-05", ""},
		{"compact non-date", date, "20241305", "", "Enter a date"},
		{"leap day", date, "2024-02-29", "2024-02-29", ""},
		{"no leap day", date, "2023-02-29", "", "Enter a date as YYYY-MM-DD."},
		{"February 30", date, "2024-02-30", "", "Enter a date as YYYY-MM-DD."},
		{"month 13", date, "2024-13-01", "", "Enter a date"},
		{"date and time", date, "2024-03-05 10:00", "", "Enter a date"},
		{"words", date, "yesterday", "", "Enter a date"},
		{"mixed separators", date, "2024-3/5", "2024-03-05", ""},
		{"leap century", date, "2000-02-29", "2000-02-29", ""},
		{"no leap century", date, "1900-02-29", "", "Enter a date"},
		{"April 31", date, "2024-04-31", "", "Enter a date"},
		{"day 0", date, "2024-01-00", "", "Enter a date"},
		{"month 0", date, "2024-00-01", "", "Enter a date"},
		{"three-digit month", date, "2024-001-01", "", "Enter a date"},
		{"two-digit year", date, "24-01-01", "", "Enter a date"},
		{"five-digit year", date, "02024-01-01", "", "Enter a date"},
		{"underscores", date, "2024_01_01", "", "Enter a date"},
		{"full-width year", date, "２０２４-01-01", "", "Enter a date"},

		{"time", clock, "9:05", "09:05", ""},
		{"time with seconds", clock, "23:59:59", "23:59:59", ""},
		{"midnight", clock, "00:00", "00:00", ""},
		{"hour 24", clock, "24:00", "", "Enter a time as HH:MM or HH:MM:SS"},
		{"minute 60", clock, "10:60", "", "Enter a time"},
		{"second 60", clock, "10:00:60", "", "Enter a time"},
		{"one-digit minute", clock, "10:5", "", "Enter a time"},
		{"date-time", clock, "2024-03-05 09:05:07", "2024-03-05 09:05:07", ""},
		{"date-time without seconds", clock, "2024/3/5 9:05", "2024-03-05 09:05:00", ""},
		{"ISO date-time", clock, "2024-03-05T09:05:07", "2024-03-05 09:05:07", ""},
		{"date-time on a bad day", clock, "2024-02-30 09:05:07", "", "Enter a time"},
		{"date-time at a bad hour", clock, "2024-03-05 25:00:00", "", "Enter a time"},
		{"one-digit hour with seconds", clock, "9:05:07", "09:05:07", ""},
		{"ISO date-time without seconds", clock, "2024-03-05T9:05", "2024-03-05 09:05:00", ""},
		{"date-time with spaces between", clock, "2024-03-05   09:05", "2024-03-05 09:05:00", ""},
		{"three-digit hour", clock, "100:00", "", "Enter a time"},
		{"three-digit minute", clock, "10:000", "", "Enter a time"},
		{"one-digit second", clock, "10:05:5", "", "Enter a time"},
		{"trailing colon", clock, "10:05:", "", "Enter a time"},
		{"four parts", clock, "10:05:07:00", "", "Enter a time"},
		{"no hour", clock, ":05", "", "Enter a time"},
		{"signed hour", clock, "+1:05", "", "Enter a time"},
		{"full-width hour", clock, "１0:00", "", "Enter a time"},
		{"T first", clock, "T10:00", "", "Enter a time"},

		{"dictionary key", level, "1", "1", ""},
		{"dictionary label", level, "VIP", "1", ""},
		{"Chinese label", level, "普通", "2", ""},
		{"a key wins over a label", level, "v", "v", ""},
		{"label in another case", level, "vip", "1", ""},
		{"full-width label", level, "ＶＩＰ", "1", ""},
		{"key in another case", level, "V", "v", ""},
		{"unknown dictionary value", level, "Gold", "", "Choose one of: VIP (1), 普通 (2), 1x (v)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := tt.f.Normalize(tt.in)
			if tt.error != "" {
				if msg == nil {
					t.Fatalf("Normalize(%q) = %q, want %q", tt.in, got, tt.error)
				}
				if m := msg.In(i18n.English); !strings.HasPrefix(m, tt.error) {
					t.Fatalf("Normalize(%q) says %q, want %q", tt.in, m, tt.error)
				}
				return
			}
			if msg != nil {
				t.Fatalf("Normalize(%q): %s", tt.in, msg.In(i18n.English))
			}
			if got != tt.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}

	t.Run("long dictionaries list ten choices", func(t *testing.T) {
		f := &tables.Field{Type: tables.TypeDict, DictItems: manyItems(20)}
		_, msg := f.Normalize("nope")
		if m := msg.In(i18n.English); !strings.HasSuffix(m, "v9 (9), ….") {
			t.Fatalf("message %q", m)
		}
	})
}

func TestNormalizeIndex(t *testing.T) {
	same := []string{
		"13800138000",
		" 13800138000 ",
		"138 0013 8000",
		"138-0013-8000",
		"138.0013.8000",
		"(138) 0013-8000",
		"+86 138-0013-8000",
		"+8613800138000",
		"0086 138 0013 8000",
		"008613800138000",
		"138\u00a00013\u30008000",
		// Issue 17: as Chinese trunks and spreadsheets write them.
		"8613800138000",
		"013800138000",
		"１３８００１３８０００",
		"＋８６ １３８－００１３－８０００",
		"86 138 0013 8000",
	}
	for _, in := range same {
		if got := tables.NormalizeIndex(in); got != "13800138000" {
			t.Errorf("NormalizeIndex(%q) = %q, want 13800138000", in, got)
		}
	}
	tests := []struct{ in, want string }{
		{"0138001380001", "0138001380001"}, // 13 digits after a 0: not a mobile, kept
		{"861380013800", "861380013800"},   // 12 digits after 86: kept
		{"8601065529988", "8601065529988"}, // a landline after 86: kept
		{"010-6552-9988", "01065529988"},   // landline
		{"+1 415 555 0100", "0014155550100"},
		{"AB-123", "AB-123"},
		{"AB123", "AB123"},
		{" ab 12 ", "ab 12"},
		{"1234", "1234"}, // too short for a phone number
		{"12345", "12345"},
		{"+12345678901234567890", "0012345678901234567890"},  // 20 digits: the most a phone number has
		{"+123456789012345678901", "+123456789012345678901"}, // 21: not a phone number
		{"０１０-６５５２-９９８８", "01065529988"},                     // full-width digits are digits (issue 17)
		{"ＡＢ１２３", "ＡＢ１２３"},                                   // not a phone number: only trimmed
		{"+", "+"},
		{"12-34", "12-34"},
		{"", ""},
		{"客户 001", "客户 001"},
	}
	for _, tt := range tests {
		if got := tables.NormalizeIndex(tt.in); got != tt.want {
			t.Errorf("NormalizeIndex(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if tables.NormalizeIndex("AB-123") == tables.NormalizeIndex("AB123") {
		t.Error("AB-123 and AB123 are one key")
	}
}

// schemaOf builds a schema without a database, ids by position.
func schemaOf(fields ...*tables.Field) *tables.Schema {
	for i, f := range fields {
		f.ID = int64(i + 1)
	}
	return tables.NewSchema(&tables.Table{ID: 1, TenantID: 1, Name: "t", Status: tables.Published, Fields: fields})
}

func TestParseRow(t *testing.T) {
	sc := schemaOf(
		&tables.Field{Name: "phone", IsIndex: true, Mandatory: true, Type: tables.TypeString, Length: 11, Rule: "size(value) == 11"},
		&tables.Field{Name: "name", Mandatory: true, Type: tables.TypeString, Length: 10},
		&tables.Field{Name: "level", Type: tables.TypeDict, DictItems: dict("1", "VIP", "2", "Normal")},
		&tables.Field{Name: "birthday", Type: tables.TypeDate},
		&tables.Field{Name: "code", Type: tables.TypeString, Rule: `value.matches("^[A-Z]{2}[0-9]+$")`},
		&tables.Field{Name: "heavy", Type: tables.TypeString, Rule: heavyRule},
	)
	tests := []struct {
		name   string
		in     map[string]string
		errors map[string]string // field → English message prefix
		values map[string]string // expected stored values, when valid
	}{
		{"valid", map[string]string{"phone": "+86 138-0013-8000", "name": " Li ", "level": "VIP", "birthday": "1990/1/2", "code": "AB12"},
			nil, map[string]string{"phone": "13800138000", "name": "Li", "level": "1", "birthday": "1990-01-02", "code": "AB12"}},
		{"only mandatory", map[string]string{"phone": "13800138000", "name": "Li", "level": ""},
			nil, map[string]string{"phone": "13800138000", "name": "Li"}},
		{"mandatory missing", map[string]string{"phone": "13800138000", "name": "  "},
			map[string]string{"name": "This field is required."}, nil},
		{"index missing", map[string]string{"name": "Li"},
			map[string]string{"phone": "The index field needs a value."}, nil},
		{"unknown field", map[string]string{"phone": "13800138000", "name": "Li", "nmae": "Li"},
			map[string]string{"nmae": `Unknown field "nmae".`}, nil},
		{"rule fails", map[string]string{"phone": "1380013800", "name": "Li"},
			map[string]string{"phone": "Does not satisfy the rule: size(value) == 11"}, nil},
		{"regex rule fails", map[string]string{"phone": "13800138000", "name": "Li", "code": "ab12"},
			map[string]string{"code": `Does not satisfy the rule: value.matches("^[A-Z]{2}[0-9]+$")`}, nil},
		{"several errors", map[string]string{"phone": "13800138000", "name": "a very long name", "level": "Gold", "birthday": "1990-02-30"},
			map[string]string{"name": "At most 10 characters.", "level": "Choose one of: VIP (1), Normal (2).", "birthday": "Enter a date as YYYY-MM-DD."}, nil},
		{"rule over its cost limit", map[string]string{"phone": "13800138000", "name": "Li", "heavy": "x"},
			map[string]string{"heavy": "The rule could not be checked: "}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			row, errs := sc.ParseRow(tt.in)
			if d := time.Since(start); d > time.Second {
				t.Fatalf("ParseRow took %v", d)
			}
			got := map[string]string{}
			for _, e := range errs {
				if _, dup := got[e.Field]; dup {
					t.Fatalf("two errors on %s: %v", e.Field, errs)
				}
				got[e.Field] = e.In(i18n.English)
			}
			if len(got) != len(tt.errors) {
				t.Fatalf("errors %v, want %v", got, tt.errors)
			}
			for field, want := range tt.errors {
				if !strings.HasPrefix(got[field], want) {
					t.Fatalf("%s: %q, want %q", field, got[field], want)
				}
			}
			if tt.errors != nil {
				return
			}
			if len(row.Values) != len(tt.values) {
				t.Fatalf("values %v, want %v", row.Values, tt.values)
			}
			for name, want := range tt.values {
				if v := row.Values[sc.FieldByName(name).ID]; v != want {
					t.Fatalf("%s = %q, want %q", name, v, want)
				}
			}
			if row.Index != tt.values["phone"] {
				t.Fatalf("index %q", row.Index)
			}
		})
	}
}

// heavyRule costs far more than RuleCostLimit: 10⁴ iterations.
const heavyRule = `[0,1,2,3,4,5,6,7,8,9].all(a, [0,1,2,3,4,5,6,7,8,9].all(b, [0,1,2,3,4,5,6,7,8,9].all(c, ` +
	`[0,1,2,3,4,5,6,7,8,9].all(d, [0,1,2,3,4,5,6,7,8,9].all(e, size(value) + a + b + c + d + e >= 0)))))`

func TestRules(t *testing.T) {
	compile := []struct {
		src  string
		want string // English message prefix; "" compiles
	}{
		{"", ""},
		{"size(value) == 11", ""},
		{`value.startsWith("1") && size(value) <= 11`, ""},
		{"double(value) > 0.0", ""},
		{"int(value) % 2 == 0", ""},
		{"size(value) = 11", "Line 1, column 13: "},
		{"size(value) > 0 &&\n  valu == 1", "Line 2, column 3: undeclared reference to 'valu'"},
		{"value", "The rule must give true or false, not string."},
		{"size(value) + 1", "The rule must give true or false, not int."},
		{"dyn(value)", "The rule must give true or false, not dyn."},
		{"record.level == 1", "Line 1, column 1: undeclared reference to 'record'"},
	}
	for _, tt := range compile {
		r, msg := tables.CompileRule(tt.src)
		switch {
		case tt.want == "" && msg != nil:
			t.Errorf("CompileRule(%q): %s", tt.src, msg.In(i18n.English))
		case tt.want != "" && msg == nil:
			t.Errorf("CompileRule(%q) compiled, want %q", tt.src, tt.want)
		case tt.want != "" && !strings.HasPrefix(msg.In(i18n.English), tt.want):
			t.Errorf("CompileRule(%q) says %q, want %q", tt.src, msg.In(i18n.English), tt.want)
		case tt.want == "" && tt.src == "" && r != nil:
			t.Errorf("an empty rule compiled to %v", r)
		}
	}

	r, msg := tables.CompileRule("int(value) % 2 == 0")
	if msg != nil {
		t.Fatal(msg)
	}
	if m := r.Check("4"); m != nil {
		t.Errorf("4: %s", m.In(i18n.English))
	}
	if m := r.Check("3"); m == nil || m.Key != "value.rule" {
		t.Errorf("3: %v", m)
	}
	if m := r.Check("x"); m == nil || m.Key != "value.rule_error" {
		t.Errorf("x: %v", m)
	}

	heavy, msg := tables.CompileRule(heavyRule)
	if msg != nil {
		t.Fatal(msg.In(i18n.English))
	}
	// The cost limit, not a clock, stops the rule: the message saying
	// "cost" shows evaluation was cut off (a timed bound here failed on a
	// loaded machine and proved nothing more).
	m := heavy.Check("x")
	if m == nil || m.Key != "value.rule_error" {
		t.Fatalf("a rule over the cost limit: %v", m)
	}
	if !strings.Contains(m.In(i18n.English), "cost") {
		t.Errorf("message %q does not say why", m.In(i18n.English))
	}
	var _ *apperr.Message = m
}
