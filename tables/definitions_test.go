package tables_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

func TestCreateTableValidation(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	taken := uniq("taken")
	if _, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: taken}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		in    tables.TableInput
		code  apperr.Code
		field string
		want  string
	}{
		{"name required", tables.TableInput{Name: "   "}, apperr.Invalid, "name", "This field is required."},
		{"name too long", tables.TableInput{Name: strings.Repeat("表", 65)}, apperr.Invalid, "name", "At most 64 characters."},
		{"description too long", tables.TableInput{Name: uniq("ok"), Description: strings.Repeat("x", 513)}, apperr.Invalid, "description", "At most 512 characters."},
		{"duplicate", tables.TableInput{Name: " " + taken + " "}, apperr.Conflict, "name", "A table with this name already exists."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateTable(ctx, tenant, tt.in)
			wantField(t, err, tt.code, tt.field, tt.want)
		})
	}

	t.Run("64 characters is fine", func(t *testing.T) {
		tb, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: strings.Repeat("表", 64)})
		if err != nil {
			t.Fatal(err)
		}
		if tb.Status != tables.Draft || tb.Version != 1 || tb.Fields == nil {
			t.Fatalf("new table %+v", tb)
		}
	})
	t.Run("the same name in another tenant is fine", func(t *testing.T) {
		if _, err := s.CreateTable(ctx, newTenant(t), tables.TableInput{Name: taken}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("rename to a taken name", func(t *testing.T) {
		other, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: uniq("other")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateTable(ctx, tenant, other.ID, tables.TableInput{Name: taken})
		wantField(t, err, apperr.Conflict, "name", "A table with this name already exists.")
		got, err := s.UpdateTable(ctx, tenant, other.ID, tables.TableInput{Name: uniq("renamed"), Description: "d"})
		if err != nil || got.Description != "d" || got.Version != 2 {
			t.Fatalf("rename: %+v %v", got, err)
		}
	})
}

func TestTablesPerTenantLimit(t *testing.T) {
	s := newLimitedServiceOn(t, testkit.DB(t), tables.FixedLimits{Tables: 2})
	tenant := newTenant(t)
	for i := range 2 {
		if _, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: fmt.Sprint("t", i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: "t2"})
	wantMessage(t, err, apperr.Invalid, "This tenant already has 2 base tables, the most allowed.")

	// The limit is per tenant.
	if _, err := s.CreateTable(ctx, newTenant(t), tables.TableInput{Name: "t2"}); err != nil {
		t.Fatal(err)
	}
	// Deleting a table makes room again.
	list, err := s.ListTables(ctx, tenant)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := s.DeleteTable(ctx, tenant, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: "t2"}); err != nil {
		t.Fatal(err)
	}
}

func TestTablesPerTenantLimitConcurrent(t *testing.T) {
	s := newLimitedServiceOn(t, testkit.DB(t), tables.FixedLimits{Tables: 2})
	tenant := newTenant(t)
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			_, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: fmt.Sprint("c", i)})
			errs <- err
		}()
	}
	ok := 0
	for range 6 {
		if err := <-errs; err == nil {
			ok++
		} else if !apperr.Is(err, apperr.Invalid) {
			t.Fatal(err)
		}
	}
	if ok != 2 {
		t.Fatalf("%d concurrent creates passed a limit of 2", ok)
	}
}

func dict(kv ...string) []tables.DictItem {
	var out []tables.DictItem
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, tables.DictItem{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestFieldValidation(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := newTable(t, s, tenant,
		tables.FieldInput{Name: "phone", IsIndex: true, Type: tables.TypeString},
		tables.FieldInput{Name: "name", Type: tables.TypeString},
	)
	str := tables.TypeString
	tests := []struct {
		name  string
		in    tables.FieldInput
		field string
		want  string
	}{
		{"name required", tables.FieldInput{Name: " ", Type: str}, "name", "This field is required."},
		{"name too long", tables.FieldInput{Name: strings.Repeat("名", 65), Type: str}, "name", "At most 64 characters."},
		{"duplicate name", tables.FieldInput{Name: " name ", Type: str}, "name", "Another field of this table has this name."},
		{"no type", tables.FieldInput{Name: "x"}, "type", "Choose a type: 1 string, 2 number, 3 date, 4 time, 5 dictionary."},
		{"bad type", tables.FieldInput{Name: "x", Type: 6}, "type", "Choose a type"},
		{"string length 257", tables.FieldInput{Name: "x", Type: str, Length: 257}, "length", "For a string, the length is 1 to 256 characters."},
		{"string length negative", tables.FieldInput{Name: "x", Type: str, Length: -1}, "length", "For a string, the length is 1 to 256 characters."},
		{"number length 39", tables.FieldInput{Name: "x", Type: tables.TypeNumber, Length: 39}, "length", "For a number, the length is 1 to 38 digits."},
		{"length on date", tables.FieldInput{Name: "x", Type: tables.TypeDate, Length: 10}, "length", "Only string and number fields have a length."},
		{"length on time", tables.FieldInput{Name: "x", Type: tables.TypeTime, Length: 8}, "length", "Only string and number fields have a length."},
		{"masked date", tables.FieldInput{Name: "x", Type: tables.TypeDate, Masked: true, MaskStyle: tables.MaskLastFour}, "masked", "Only string and number fields can be masked."},
		{"masked dictionary", tables.FieldInput{Name: "x", Type: tables.TypeDict, DictItems: dict("a", "A"), Masked: true, MaskStyle: tables.MaskLastFour}, "masked", "Only string and number fields can be masked."},
		{"mask style missing", tables.FieldInput{Name: "x", Type: str, Masked: true}, "maskStyle", "Choose a mask style: 1 shows the last four characters, 2 the first four."},
		{"mask style 3", tables.FieldInput{Name: "x", Type: str, Masked: true, MaskStyle: 3}, "maskStyle", "Choose a mask style"},
		{"dictionary on string", tables.FieldInput{Name: "x", Type: str, DictItems: dict("a", "A")}, "dictItems", "Only dictionary fields have dictionary items."},
		{"dictionary empty", tables.FieldInput{Name: "x", Type: tables.TypeDict}, "dictItems", "A dictionary field needs at least one item."},
		{"dictionary of blank rows", tables.FieldInput{Name: "x", Type: tables.TypeDict, DictItems: dict(" ", " ")}, "dictItems", "A dictionary field needs at least one item."},
		{"duplicate dictionary key", tables.FieldInput{Name: "x", Type: tables.TypeDict, DictItems: dict("a", "A", "a ", "B")}, "dictItems", `Dictionary key "a" appears twice.`},
		{"dictionary item without value", tables.FieldInput{Name: "x", Type: tables.TypeDict, DictItems: dict("a", "A", "b", "")}, "dictItems", "Dictionary item 2 needs a key and a value."},
		{"dictionary item without key", tables.FieldInput{Name: "x", Type: tables.TypeDict, DictItems: dict("", "A")}, "dictItems", "Dictionary item 1 needs a key and a value."},
		{"too many dictionary items", tables.FieldInput{Name: "x", Type: tables.TypeDict, DictItems: manyItems(501)}, "dictItems", "At most 500 dictionary items."},
		{"second index", tables.FieldInput{Name: "x", Type: str, IsIndex: true}, "isIndex", "A table has at most one index field."},
		{"rule does not compile", tables.FieldInput{Name: "x", Type: str, Rule: "size(value) = 11"}, "rule", "Line 1, column 13: "},
		{"rule with an unknown variable", tables.FieldInput{Name: "x", Type: str, Rule: "size(record) == 11"}, "rule", "Line 1, column 6: undeclared reference to 'record'"},
		{"rule not bool", tables.FieldInput{Name: "x", Type: str, Rule: `value + "x"`}, "rule", "The rule must give true or false, not string."},
		{"rule int", tables.FieldInput{Name: "x", Type: str, Rule: `size(value)`}, "rule", "The rule must give true or false, not int."},
		{"rule too long", tables.FieldInput{Name: "x", Type: str, Rule: "true" + strings.Repeat(" && true", 200)}, "rule", "At most 1,000 characters."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.AddField(ctx, tenant, tb.ID, tt.in)
			wantField(t, err, apperr.Invalid, tt.field, tt.want)
		})
	}

	got, err := s.GetTable(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Fields) != 2 || got.Version != tb.Version {
		t.Fatalf("refused fields changed the table: %d fields, version %d → %d", len(got.Fields), tb.Version, got.Version)
	}

	t.Run("defaults and normalisation", func(t *testing.T) {
		f, err := s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: " s ", Type: str})
		if err != nil {
			t.Fatal(err)
		}
		if f.Name != "s" || f.Length != 256 || f.MaskStyle != tables.MaskNone || f.DictItems == nil {
			t.Fatalf("string field %+v", f)
		}
		f, err = s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "n", Type: tables.TypeNumber, MaskStyle: tables.MaskLastFour})
		if err != nil {
			t.Fatal(err)
		}
		if f.Length != 20 || f.MaskStyle != tables.MaskNone {
			t.Fatalf("number field %+v", f)
		}
		f, err = s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "n38", Type: tables.TypeNumber, Length: 38, Masked: true, MaskStyle: tables.MaskFirstFour})
		if err != nil || f.Length != 38 || !f.Masked || f.MaskStyle != tables.MaskFirstFour {
			t.Fatalf("number field %+v %v", f, err)
		}
		f, err = s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "s256", Type: str, Length: 256})
		if err != nil || f.Length != 256 {
			t.Fatalf("string field %+v %v", f, err)
		}
		f, err = s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "d", Type: tables.TypeDict,
			DictItems: dict(" a ", " A ", "", "", "b", "B"), Rule: ` value != "b" `})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(f.DictItems, dict("a", "A", "b", "B")) || f.Rule != `value != "b"` {
			t.Fatalf("dictionary field %+v", f)
		}
		got, err := s.GetTable(ctx, tenant, tb.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := got.FieldByName("d"); d == nil || !slices.Equal(d.DictItems, f.DictItems) {
			t.Fatalf("stored dictionary %+v", d)
		}
	})

	t.Run("the index is always mandatory", func(t *testing.T) {
		other := newTable(t, s, tenant)
		f, err := s.AddField(ctx, tenant, other.ID, tables.FieldInput{Name: "k", IsIndex: true, Type: str})
		if err != nil || !f.Mandatory {
			t.Fatalf("index %+v %v", f, err)
		}
	})

	t.Run("another tenant's table", func(t *testing.T) {
		_, err := s.AddField(ctx, newTenant(t), tb.ID, tables.FieldInput{Name: "y", Type: str})
		wantMessage(t, err, apperr.NotFound, "Table not found.")
	})
}

func manyItems(n int) []tables.DictItem {
	out := make([]tables.DictItem, n)
	for i := range out {
		out[i] = tables.DictItem{Key: fmt.Sprint(i), Value: fmt.Sprint("v", i)}
	}
	return out
}

func TestFieldLimits(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := newTable(t, s, tenant)
	add := func(in tables.FieldInput) error {
		_, err := s.AddField(ctx, tenant, tb.ID, in)
		return err
	}
	// The index does not count against either limit, even encrypted.
	if err := add(tables.FieldInput{Name: "phone", IsIndex: true, Encrypted: true, Type: tables.TypeString}); err != nil {
		t.Fatal(err)
	}
	for i := range tables.MaxOrdinaryFields {
		if err := add(tables.FieldInput{Name: fmt.Sprint("plain", i), Type: tables.TypeString}); err != nil {
			t.Fatalf("plain field %d: %v", i+1, err)
		}
	}
	for i := range tables.MaxEncryptedFields {
		if err := add(tables.FieldInput{Name: fmt.Sprint("secret", i), Encrypted: true, Type: tables.TypeString}); err != nil {
			t.Fatalf("encrypted field %d: %v", i+1, err)
		}
	}
	got, err := s.GetTable(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Fields) != 51 {
		t.Fatalf("%d fields, want 51", len(got.Fields))
	}

	wantField(t, add(tables.FieldInput{Name: "plain30", Type: tables.TypeString}),
		apperr.Invalid, "name", "A table has at most 30 ordinary (unencrypted) fields besides the index.")
	wantField(t, add(tables.FieldInput{Name: "secret20", Encrypted: true, Type: tables.TypeString}),
		apperr.Invalid, "encrypted", "A table has at most 20 encrypted fields besides the index.")

	// Changing a field in place does not count it twice…
	plain0 := got.FieldByName("plain0")
	if _, err := s.UpdateField(ctx, tenant, tb.ID, plain0.ID, tables.FieldInput{Name: "plain0", Type: tables.TypeString, Length: 10}); err != nil {
		t.Fatalf("update at the limit: %v", err)
	}
	// …but turning a plain field into a 21st encrypted one is refused.
	_, err = s.UpdateField(ctx, tenant, tb.ID, plain0.ID, tables.FieldInput{Name: "plain0", Encrypted: true, Type: tables.TypeString})
	wantField(t, err, apperr.Invalid, "encrypted", "A table has at most 20 encrypted fields besides the index.")

	// With the index gone, a new index field still fits.
	if err := s.DeleteField(ctx, tenant, tb.ID, got.IndexField().ID); err != nil {
		t.Fatal(err)
	}
	if err := add(tables.FieldInput{Name: "phone2", IsIndex: true, Type: tables.TypeString}); err != nil {
		t.Fatal(err)
	}
}

func TestPublish(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := newTable(t, s, tenant)
	_, err := s.Publish(ctx, tenant, tb.ID)
	wantMessage(t, err, apperr.Invalid, "Add at least one field before publishing.")

	if _, err := s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "name", Type: tables.TypeString}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Publish(ctx, tenant, tb.ID)
	wantMessage(t, err, apperr.Invalid, "Add an index field before publishing: pops look customers up by it.")

	_, err = s.CreateRecord(ctx, tenant, tb.ID, map[string]string{"name": "x"})
	wantMessage(t, err, apperr.Invalid, "Publish the table first: only published tables take data.")

	if _, err := s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "phone", IsIndex: true, Type: tables.TypeString}); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateRecord(ctx, tenant, tb.ID, map[string]string{"phone": "13800138000"})
	wantMessage(t, err, apperr.Invalid, "Publish the table first")

	got, err := s.Publish(ctx, tenant, tb.ID)
	if err != nil || got.Status != tables.Published {
		t.Fatalf("publish: %+v %v", got, err)
	}
	_, err = s.Publish(ctx, newTenant(t), tb.ID)
	wantMessage(t, err, apperr.NotFound, "Table not found.")

	// A published table that lost its index (possible while it holds no
	// records) takes no data until it has one again.
	if err := s.DeleteField(ctx, tenant, tb.ID, got.IndexField().ID); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err = s.CreateRecord(ctx, tenant, tb.ID, map[string]string{"name": "x"})
		wantMessage(t, err, apperr.Invalid, "Add an index field")
	}
}

// TestChangesWithRecords checks what a published table holding records
// still lets an admin change.
func TestChangesWithRecords(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant,
		tables.FieldInput{Name: "phone", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20},
		tables.FieldInput{Name: "name", Type: tables.TypeString, Length: 20},
		tables.FieldInput{Name: "secret", Encrypted: true, Type: tables.TypeString},
		tables.FieldInput{Name: "amount", Type: tables.TypeNumber, Length: 10},
		tables.FieldInput{Name: "level", Type: tables.TypeDict, DictItems: dict("1", "VIP", "2", "Normal", "3", "New")},
	)
	createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "13800138000", "name": "Li", "level": "VIP"})
	f := func(name string) *tables.Field { return tb.FieldByName(name) }
	// input returns the field's current state as an input, changed by edit.
	input := func(name string, edit func(*tables.FieldInput)) tables.FieldInput {
		fl := f(name)
		in := tables.FieldInput{Name: fl.Name, IsIndex: fl.IsIndex, Encrypted: fl.Encrypted, Mandatory: fl.Mandatory,
			Type: fl.Type, Length: fl.Length, Masked: fl.Masked, MaskStyle: fl.MaskStyle, DictItems: fl.DictItems, Rule: fl.Rule}
		edit(&in)
		return in
	}

	refused := []struct {
		name  string
		field string
		in    tables.FieldInput
		key   string
		want  string
	}{
		{"change type", "name", input("name", func(in *tables.FieldInput) { in.Type = tables.TypeNumber }), "type",
			"The type cannot change while the table holds records."},
		{"encrypt", "name", input("name", func(in *tables.FieldInput) { in.Encrypted = true }), "encrypted",
			"Encryption cannot change while the table holds records."},
		{"decrypt", "secret", input("secret", func(in *tables.FieldInput) { in.Encrypted = false }), "encrypted",
			"Encryption cannot change while the table holds records."},
		{"decrypt the index", "phone", input("phone", func(in *tables.FieldInput) { in.Encrypted = false }), "encrypted",
			"Encryption cannot change while the table holds records."},
		{"unset the index flag", "phone", input("phone", func(in *tables.FieldInput) { in.IsIndex = false }), "isIndex",
			"The index field cannot change while the table holds records."},
		{"lower the string length", "name", input("name", func(in *tables.FieldInput) { in.Length = 19 }), "length",
			"The length cannot shrink while the table holds records (it was 20)."},
		{"lower the number length", "amount", input("amount", func(in *tables.FieldInput) { in.Length = 9 }), "length",
			"The length cannot shrink while the table holds records (it was 10)."},
		{"remove dictionary items", "level", input("level", func(in *tables.FieldInput) { in.DictItems = dict("2", "Normal") }), "dictItems",
			"Dictionary items cannot be removed while the table holds records (missing: 1, 3)."},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.UpdateField(ctx, tenant, tb.ID, f(tt.field).ID, tt.in)
			wantField(t, err, apperr.Invalid, tt.key, tt.want)
		})
	}
	t.Run("set the index flag on another field", func(t *testing.T) {
		_, err := s.UpdateField(ctx, tenant, tb.ID, f("name").ID, input("name", func(in *tables.FieldInput) { in.IsIndex = true }))
		wantField(t, err, apperr.Invalid, "isIndex", "A table has at most one index field.")
	})
	t.Run("remove the index field", func(t *testing.T) {
		err := s.DeleteField(ctx, tenant, tb.ID, f("phone").ID)
		wantField(t, err, apperr.Invalid, "isIndex", "The index field cannot be removed while the table holds records.")
	})

	allowed := []struct {
		name  string
		field string
		in    tables.FieldInput
		check func(*tables.Field) bool
	}{
		{"rename", "name", input("name", func(in *tables.FieldInput) { in.Name = "full name" }),
			func(fl *tables.Field) bool { return fl.Name == "full name" }},
		{"mask", "secret", input("secret", func(in *tables.FieldInput) { in.Masked, in.MaskStyle = true, tables.MaskLastFour }),
			func(fl *tables.Field) bool { return fl.Masked && fl.MaskStyle == tables.MaskLastFour }},
		{"change the mask style", "secret", input("secret", func(in *tables.FieldInput) { in.Masked, in.MaskStyle = true, tables.MaskFirstFour }),
			func(fl *tables.Field) bool { return fl.MaskStyle == tables.MaskFirstFour }},
		{"mandatory", "amount", input("amount", func(in *tables.FieldInput) { in.Mandatory = true }),
			func(fl *tables.Field) bool { return fl.Mandatory }},
		{"add a dictionary item", "level", input("level", func(in *tables.FieldInput) {
			in.DictItems = append(slices.Clone(in.DictItems), tables.DictItem{Key: "4", Value: "Lost"})
		}), func(fl *tables.Field) bool { return len(fl.DictItems) == 4 }},
		{"relabel a dictionary item", "level", input("level", func(in *tables.FieldInput) {
			in.DictItems = dict("1", "金卡", "2", "Normal", "3", "New", "4", "Lost")
		}), func(fl *tables.Field) bool { return fl.DictLabel("1") == "金卡" }},
		{"raise the length", "amount", input("amount", func(in *tables.FieldInput) { in.Length = 38 }),
			func(fl *tables.Field) bool { return fl.Length == 38 }},
		{"change the index's mask", "phone", input("phone", func(in *tables.FieldInput) { in.Masked, in.MaskStyle = true, tables.MaskLastFour }),
			func(fl *tables.Field) bool { return fl.IsIndex && fl.Masked }},
		{"add a rule", "secret", input("secret", func(in *tables.FieldInput) { in.Rule = "size(value) > 0" }),
			func(fl *tables.Field) bool { return fl.Rule == "size(value) > 0" }},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := s.GetTable(ctx, tenant, tb.ID)
			got, err := s.UpdateField(ctx, tenant, tb.ID, f(tt.field).ID, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(got) {
				t.Fatalf("returned field %+v", got)
			}
			after, err := s.GetTable(ctx, tenant, tb.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored := after.FieldByID(got.ID); stored == nil || !tt.check(stored) {
				t.Fatalf("stored field %+v", stored)
			}
			if after.Version != before.Version+1 {
				t.Fatalf("version %d → %d", before.Version, after.Version)
			}
			tb = after
		})
	}
	t.Run("add a field", func(t *testing.T) {
		fl, err := s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "city", Type: tables.TypeString, Mandatory: true, Encrypted: true})
		if err != nil {
			t.Fatal(err)
		}
		// The old record lacks it and still reads; the view flags it.
		sc, r, err := s.FindByIndex(ctx, tenant, tb.ID, "13800138000")
		if err != nil || r == nil {
			t.Fatalf("find: %v %v", r, err)
		}
		v := sc.View(r, false)
		if cv := v.Field("city"); cv == nil || !cv.Empty || !cv.Mandatory || cv.FieldID != fl.ID {
			t.Fatalf("view of the new field %+v", cv)
		}
		if lv := v.Field("level"); lv.Value != "金卡" {
			t.Fatalf("relabelled dictionary value %+v", lv)
		}
	})
	t.Run("a new index field", func(t *testing.T) {
		_, err := s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "id2", Type: tables.TypeString, IsIndex: true})
		wantField(t, err, apperr.Invalid, "isIndex", "A table has at most one index field.")
	})
	t.Run("unknown field", func(t *testing.T) {
		_, err := s.UpdateField(ctx, tenant, tb.ID, 1<<40, input("secret", func(*tables.FieldInput) {}))
		wantMessage(t, err, apperr.NotFound, "Field not found.")
		wantMessage(t, s.DeleteField(ctx, tenant, tb.ID, 1<<40), apperr.NotFound, "Field not found.")
	})

	t.Run("without records the same changes pass", func(t *testing.T) {
		r, err := s.FindView(ctx, tenant, tb.ID, "13800138000", false)
		if err != nil || r == nil {
			t.Fatal(r, err)
		}
		if err := s.DeleteRecord(ctx, tenant, tb.ID, r.RecordID); err != nil {
			t.Fatal(err)
		}
		for _, tt := range refused {
			if tt.field == "name" {
				continue // renamed meanwhile
			}
			if _, err := s.UpdateField(ctx, tenant, tb.ID, f(tt.field).ID, tt.in); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
	})
}

func TestReorderFields(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := newTable(t, s, tenant,
		tables.FieldInput{Name: "a", Type: tables.TypeString, IsIndex: true},
		tables.FieldInput{Name: "b", Type: tables.TypeString},
		tables.FieldInput{Name: "c", Type: tables.TypeString},
	)
	other := newTable(t, s, tenant, tables.FieldInput{Name: "x", Type: tables.TypeString})
	a, b, c := tb.Fields[0].ID, tb.Fields[1].ID, tb.Fields[2].ID
	if tb.Fields[0].Name != "a" || tb.Fields[2].Name != "c" {
		t.Fatalf("fields out of order: %v", names(tb))
	}
	for _, ids := range [][]int64{
		nil,
		{a, b},
		{a, b, c, c},
		{a, b, b},
		{a, b, other.Fields[0].ID},
		{a, b, c, other.Fields[0].ID},
	} {
		err := s.ReorderFields(ctx, tenant, tb.ID, ids)
		wantField(t, err, apperr.Invalid, "order", "The new order must list every field of the table exactly once.")
	}
	if err := s.ReorderFields(ctx, tenant, tb.ID, []int64{c, a, b}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetTable(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := names(got); !slices.Equal(n, []string{"c", "a", "b"}) {
		t.Fatalf("order %v", n)
	}
	// The schema used for records follows.
	sc, err := s.Schema(ctx, tenant, tb.ID)
	if err != nil || !slices.Equal(names(sc.Table), []string{"c", "a", "b"}) {
		t.Fatalf("schema order %v %v", names(sc.Table), err)
	}
	err = s.ReorderFields(ctx, newTenant(t), tb.ID, []int64{c, a, b})
	wantMessage(t, err, apperr.NotFound, "Table not found.")
}

// TestAddFieldGoesLast: a new field lands after every existing one, even
// once deletes and reorders have left gaps in the positions.
func TestAddFieldGoesLast(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := newTable(t, s, tenant,
		tables.FieldInput{Name: "a", Type: tables.TypeString},
		tables.FieldInput{Name: "b", Type: tables.TypeString},
		tables.FieldInput{Name: "c", Type: tables.TypeString},
		tables.FieldInput{Name: "d", Type: tables.TypeString},
	)
	for _, name := range []string{"a", "b"} {
		if err := s.DeleteField(ctx, tenant, tb.ID, tb.FieldByName(name).ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "e", Type: tables.TypeString}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetTable(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := names(got); !slices.Equal(n, []string{"c", "d", "e"}) {
		t.Fatalf("order %v, want the new field last", n)
	}
}

func names(t *tables.Table) []string {
	var out []string
	for _, f := range t.Fields {
		out = append(out, f.Name)
	}
	return out
}

func TestDeleteTable(t *testing.T) {
	s := newService(t)
	db := testkit.DB(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, customerFields()...)
	keep := publishedTable(t, s, tenant, customerFields()...)
	for i := range 3 {
		createRecord(t, s, tenant, tb.ID, map[string]string{"phone": fmt.Sprint("1380013800", i), "level": "1"})
		createRecord(t, s, tenant, keep.ID, map[string]string{"phone": fmt.Sprint("1380013800", i), "level": "1"})
	}
	// Warm the cache, so deletion must also reach it.
	if _, r, err := s.FindByIndex(ctx, tenant, tb.ID, "13800138000"); err != nil || r == nil {
		t.Fatal(r, err)
	}

	wantMessage(t, s.DeleteTable(ctx, newTenant(t), tb.ID), apperr.NotFound, "Table not found.")
	if err := s.DeleteTable(ctx, tenant, tb.ID); err != nil {
		t.Fatal(err)
	}
	count := func(table string, tableID int64) int {
		n, err := db.NewSelect().Table(table).Where("table_id = ?", tableID).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	if n := count("base_records", tb.ID); n != 0 {
		t.Fatalf("%d records left", n)
	}
	if n := count("base_fields", tb.ID); n != 0 {
		t.Fatalf("%d fields left", n)
	}
	if n := count("base_records", keep.ID); n != 3 {
		t.Fatalf("the other table has %d records, want 3", n)
	}
	_, err := s.GetTable(ctx, tenant, tb.ID)
	wantMessage(t, err, apperr.NotFound, "Table not found.")
	_, _, err = s.FindByIndex(ctx, tenant, tb.ID, "13800138000")
	wantMessage(t, err, apperr.NotFound, "Table not found.")
	_, err = s.Schema(ctx, tenant, tb.ID)
	wantMessage(t, err, apperr.NotFound, "Table not found.")
	wantMessage(t, s.DeleteTable(ctx, tenant, tb.ID), apperr.NotFound, "Table not found.")

	// Another instance with the table cached notices too.
	other := newService(t)
	if _, r, err := other.FindByIndex(ctx, tenant, keep.ID, "13800138000"); err != nil || r == nil {
		t.Fatal(r, err)
	}
	if err := s.DeleteTable(ctx, tenant, keep.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = other.FindByIndex(ctx, tenant, keep.ID, "13800138000")
	wantMessage(t, err, apperr.NotFound, "Table not found.")
}

func TestListTables(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	b := publishedTable(t, s, tenant, customerFields()...)
	if _, err := s.UpdateTable(ctx, tenant, b.ID, tables.TableInput{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTable(ctx, tenant, tables.TableInput{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	createRecord(t, s, tenant, b.ID, map[string]string{"phone": "13800138000", "level": "1"})
	newTable(t, s, newTenant(t)) // another tenant's
	list, err := s.ListTables(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "a" || list[1].Name != "b" {
		t.Fatalf("list %+v", list)
	}
	if list[1].FieldCount != 4 || list[1].RecordCount != 1 || list[1].Status != tables.Published || list[0].FieldCount != 0 {
		t.Fatalf("counts %+v", list)
	}
}
