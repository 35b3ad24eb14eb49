package tables_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

// parseRows validates inputs against the table's current schema.
func parseRows(t testing.TB, sc *tables.Schema, ins ...map[string]string) []tables.Row {
	t.Helper()
	rows := make([]tables.Row, 0, len(ins))
	for _, in := range ins {
		row, errs := sc.ParseRow(in)
		if len(errs) > 0 {
			t.Fatalf("row %v: %v", in, errs)
		}
		rows = append(rows, row)
	}
	return rows
}

func TestUpsertRows(t *testing.T) {
	s := newService(t)
	db := testkit.DB(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, customerFields()...)
	sc, err := s.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	upsert := func(ins ...map[string]string) tables.UpsertResult {
		t.Helper()
		res, err := s.UpsertRows(ctx, db, sc, parseRows(t, sc, ins...))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	name := func(phone string) string {
		t.Helper()
		v, err := s.FindView(ctx, tenant, tb.ID, phone, true)
		if err != nil || v == nil {
			t.Fatalf("find %s: %v %v", phone, v, err)
		}
		return v.Field("name").Value
	}
	a := map[string]string{"phone": "13800138000", "name": "Alice", "level": "1", "note": "first"}
	b := map[string]string{"phone": "13800138001", "name": "Bob", "level": "Normal"}
	c := map[string]string{"phone": "13800138002", "level": "2"} // nothing to seal but the index

	steps := []struct {
		name string
		rows []map[string]string
		want tables.UpsertResult
	}{
		{"insert", []map[string]string{a, b, c}, tables.UpsertResult{Inserted: 3}},
		{"the same again", []map[string]string{a, b, c}, tables.UpsertResult{Unchanged: 3}},
		{"the same, written differently", []map[string]string{
			{"phone": "+86 138-0013-8000", "name": " Alice ", "level": "VIP", "note": "first"},
		}, tables.UpsertResult{Unchanged: 1}},
		{"one changed", []map[string]string{a, {"phone": "13800138001", "name": "Bobby", "level": "2"}, c},
			tables.UpsertResult{Updated: 1, Unchanged: 2}},
		{"new and changed", []map[string]string{{"phone": "13800138003", "name": "Dan", "level": "1"}, {"phone": "13800138002", "name": "Carol", "level": "2"}},
			tables.UpsertResult{Inserted: 1, Updated: 1}},
		{"one index twice in a batch: the last wins", []map[string]string{
			{"phone": "13800138004", "name": "Eve", "level": "1"},
			{"phone": "138 0013 8004", "name": "Eva", "level": "1"},
			{"phone": "13800138000", "name": "Alicia", "level": "1"},
			{"phone": "+8613800138000", "name": "Alice", "level": "1", "note": "first"},
		}, tables.UpsertResult{Inserted: 1, Unchanged: 3}},
		{"empty batch", nil, tables.UpsertResult{}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := upsert(st.rows...); got != st.want {
				t.Fatalf("result %+v, want %+v", got, st.want)
			}
		})
	}
	for phone, want := range map[string]string{"13800138000": "Alice", "13800138001": "Bobby", "13800138002": "Carol", "13800138004": "Eva"} {
		if got := name(phone); got != want {
			t.Errorf("%s: name %q, want %q", phone, got, want)
		}
	}
	_, recs, total, err := s.ListRecords(ctx, tenant, tb.ID, 0, 100)
	if err != nil || total != 5 || len(recs) != 5 {
		t.Fatalf("list: %d of %d, %v", len(recs), total, err)
	}
	_, page, total, err := s.ListRecords(ctx, tenant, tb.ID, 2, 2)
	if err != nil || total != 5 || len(page) != 2 || page[0].ID != recs[2].ID || page[1].ID != recs[3].ID {
		t.Fatalf("page 2: %v of %d, %v", page, total, err)
	}
	// No limit means a default page, not every record; no negative offset.
	if _, page, _, err := s.ListRecords(ctx, tenant, tb.ID, -1, 0); err != nil || len(page) != 5 || page[0].ID != recs[0].ID {
		t.Fatalf("list with no limit: %v %v", page, err)
	}

	t.Run("in a transaction that rolls back", func(t *testing.T) {
		errRollback := errors.New("rollback")
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			res, err := s.UpsertRows(ctx, tx, sc, parseRows(t, sc, map[string]string{"phone": "13900000000", "level": "1"}))
			if err != nil || res.Inserted != 1 {
				t.Fatalf("upsert in tx: %+v %v", res, err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if v, err := s.FindView(ctx, tenant, tb.ID, "13900000000", false); err != nil || v != nil {
			t.Fatalf("rolled back row: %v %v", v, err)
		}
	})
}

func TestCreateAndUpdateRecord(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, customerFields()...)
	r := createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "13800138000", "name": "Alice", "level": "1"})
	if r.ID == 0 || r.CreatedAt.IsZero() {
		t.Fatalf("record %+v", r)
	}
	other := createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "13800138001", "name": "Bob", "level": "1"})

	_, err := s.CreateRecord(ctx, tenant, tb.ID, map[string]string{"phone": "+86 138 0013 8000", "level": "1"})
	wantField(t, err, apperr.Conflict, "phone", "A record with this index value already exists.")

	_, err = s.CreateRecord(ctx, tenant, tb.ID, map[string]string{"phone": "13800138009", "level": "Gold", "nmae": "x"})
	wantField(t, err, apperr.Invalid, "level", "Choose one of: VIP (1), Normal (2).")
	wantField(t, err, apperr.Invalid, "nmae", `Unknown field "nmae".`)

	// An update may change the index value, and re-seals.
	up, err := s.UpdateRecord(ctx, tenant, tb.ID, r.ID, map[string]string{"phone": "13800138005", "name": "Alice Li", "level": "2"})
	if err != nil || up.ID != r.ID || !up.CreatedAt.Equal(r.CreatedAt) || up.UpdatedAt.IsZero() {
		t.Fatalf("update: %+v %v", up, err)
	}
	if v, _ := s.FindView(ctx, tenant, tb.ID, "13800138000", false); v != nil {
		t.Fatalf("the old index value still finds %+v", v)
	}
	v, err := s.FindView(ctx, tenant, tb.ID, "13800138005", true)
	if err != nil || v == nil || v.RecordID != r.ID || v.Field("name").Value != "Alice Li" || v.Field("level").Value != "Normal" {
		t.Fatalf("updated record %+v %v", v, err)
	}
	_, err = s.UpdateRecord(ctx, tenant, tb.ID, r.ID, map[string]string{"phone": "13800138001", "level": "1"})
	wantField(t, err, apperr.Conflict, "phone", "A record with this index value already exists.")
	_, err = s.UpdateRecord(ctx, tenant, tb.ID, r.ID, map[string]string{"phone": "13800138005"})
	wantField(t, err, apperr.Invalid, "level", "This field is required.")
	_, err = s.UpdateRecord(ctx, tenant, tb.ID, 1<<40, map[string]string{"phone": "13800138006", "level": "1"})
	wantMessage(t, err, apperr.NotFound, "Record not found.")

	if err := s.DeleteRecord(ctx, tenant, tb.ID, other.ID); err != nil {
		t.Fatal(err)
	}
	wantMessage(t, s.DeleteRecord(ctx, tenant, tb.ID, other.ID), apperr.NotFound, "Record not found.")
	_, _, err = s.GetRecord(ctx, tenant, tb.ID, other.ID)
	wantMessage(t, err, apperr.NotFound, "Record not found.")
	// Its index value is free again.
	createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "13800138001", "level": "1"})
}

func TestDraftTableTakesNoRecords(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := newTable(t, s, tenant, customerFields()...)
	_, err := s.CreateRecord(ctx, tenant, tb.ID, map[string]string{"phone": "13800138000", "level": "1"})
	wantMessage(t, err, apperr.Invalid, "Publish the table first: only published tables take data.")
	_, err = s.UpdateRecord(ctx, tenant, tb.ID, 1, map[string]string{"phone": "13800138000", "level": "1"})
	wantMessage(t, err, apperr.Invalid, "Publish the table first")
}

// TestTenantIsolation: another tenant's table and record ids answer "not
// found", whatever the call.
func TestTenantIsolation(t *testing.T) {
	s := newService(t)
	alice, mallory := newTenant(t), newTenant(t)
	tb := publishedTable(t, s, alice, customerFields()...)
	r := createRecord(t, s, alice, tb.ID, map[string]string{"phone": "13800138000", "name": "Alice", "level": "1"})
	own := publishedTable(t, s, mallory, customerFields()...)
	createRecord(t, s, mallory, own.ID, map[string]string{"phone": "13800138000", "name": "Mallory", "level": "1"})
	nameField := tb.FieldByName("name").ID

	// Warm the caches with alice's table, as a busy instance would have.
	if _, err := s.FindView(ctx, alice, tb.ID, "13800138000", false); err != nil {
		t.Fatal(err)
	}
	tableCalls := []struct {
		name string
		call func() error
	}{
		{"GetTable", func() error { _, err := s.GetTable(ctx, mallory, tb.ID); return err }},
		{"Schema", func() error { _, err := s.Schema(ctx, mallory, tb.ID); return err }},
		{"UpdateTable", func() error { _, err := s.UpdateTable(ctx, mallory, tb.ID, tables.TableInput{Name: "x"}); return err }},
		{"Publish", func() error { _, err := s.Publish(ctx, mallory, tb.ID); return err }},
		{"DeleteTable", func() error { return s.DeleteTable(ctx, mallory, tb.ID) }},
		{"AddField", func() error {
			_, err := s.AddField(ctx, mallory, tb.ID, tables.FieldInput{Name: "x", Type: tables.TypeString})
			return err
		}},
		{"UpdateField", func() error {
			_, err := s.UpdateField(ctx, mallory, tb.ID, nameField, tables.FieldInput{Name: "x", Type: tables.TypeString})
			return err
		}},
		{"DeleteField", func() error { return s.DeleteField(ctx, mallory, tb.ID, nameField) }},
		{"ReorderFields", func() error { return s.ReorderFields(ctx, mallory, tb.ID, nil) }},
		{"FindByIndex", func() error { _, _, err := s.FindByIndex(ctx, mallory, tb.ID, "13800138000"); return err }},
		{"FindView", func() error { _, err := s.FindView(ctx, mallory, tb.ID, "13800138000", true); return err }},
		{"GetRecord", func() error { _, _, err := s.GetRecord(ctx, mallory, tb.ID, r.ID); return err }},
		{"ListRecords", func() error { _, _, _, err := s.ListRecords(ctx, mallory, tb.ID, 0, 10); return err }},
		{"CreateRecord", func() error {
			_, err := s.CreateRecord(ctx, mallory, tb.ID, map[string]string{"phone": "13900000000", "level": "1"})
			return err
		}},
		{"UpdateRecord", func() error {
			_, err := s.UpdateRecord(ctx, mallory, tb.ID, r.ID, map[string]string{"phone": "13800138000", "level": "2"})
			return err
		}},
		{"Reveal", func() error {
			_, err := s.Reveal(ctx, tables.RevealRequest{TenantID: mallory, CanReveal: true, TableID: tb.ID, RecordID: r.ID, FieldID: nameField})
			return err
		}},
	}
	for _, tt := range tableCalls {
		t.Run(tt.name, func(t *testing.T) {
			wantMessage(t, tt.call(), apperr.NotFound, "Table not found.")
		})
	}

	// Alice's record id through mallory's own table.
	recordCalls := []struct {
		name string
		call func() error
	}{
		{"GetRecord", func() error { _, _, err := s.GetRecord(ctx, mallory, own.ID, r.ID); return err }},
		{"UpdateRecord", func() error {
			_, err := s.UpdateRecord(ctx, mallory, own.ID, r.ID, map[string]string{"phone": "13900000001", "level": "2"})
			return err
		}},
		{"DeleteRecord", func() error { return s.DeleteRecord(ctx, mallory, own.ID, r.ID) }},
		{"DeleteRecord via alice's table", func() error { return s.DeleteRecord(ctx, mallory, tb.ID, r.ID) }},
		{"Reveal", func() error {
			_, err := s.Reveal(ctx, tables.RevealRequest{TenantID: mallory, CanReveal: true, TableID: own.ID, RecordID: r.ID, FieldID: own.FieldByName("name").ID})
			return err
		}},
	}
	for _, tt := range recordCalls {
		t.Run("record "+tt.name, func(t *testing.T) {
			wantMessage(t, tt.call(), apperr.NotFound, "Record not found.")
		})
	}

	// Nothing of alice's changed, and each tenant finds its own customer.
	got, err := s.FindView(ctx, alice, tb.ID, "13800138000", true)
	if err != nil || got == nil || got.Field("name").Value != "Alice" || got.Field("level").Key != "1" {
		t.Fatalf("alice's record %+v %v", got, err)
	}
	got, err = s.FindView(ctx, mallory, own.ID, "13800138000", true)
	if err != nil || got == nil || got.Field("name").Value != "Mallory" {
		t.Fatalf("mallory's record %+v %v", got, err)
	}
	after, err := s.GetTable(ctx, alice, tb.ID)
	if err != nil || after.Version != tb.Version || len(after.Fields) != len(tb.Fields) || after.Name != tb.Name {
		t.Fatalf("alice's table %+v %v", after, err)
	}
}

func TestReveal(t *testing.T) {
	s := newService(t)
	db := testkit.DB(t)
	tenant := newTenant(t)
	agent, err := accounts.New(db).CreateUser(ctx, accounts.NewUser{TenantID: &tenant, Username: uniq("agent"), Role: accounts.RoleAgent,
		Password: "long-enough", Permissions: []string{"reveal"}})
	if err != nil {
		t.Fatal(err)
	}
	tb := publishedTable(t, s, tenant, customerFields()...)
	const secretName = "Zhang Sanfeng-REVEALED"
	r := createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "13800138000", "name": secretName, "level": "1", "note": "n"})
	req := func(field string, can bool) tables.RevealRequest {
		return tables.RevealRequest{TenantID: tenant, UserID: &agent.ID, CanReveal: can, TableID: tb.ID, RecordID: r.ID,
			FieldID: tb.FieldByName(field).ID, CallID: "call-42"}
	}
	audits := func() int {
		n, err := db.NewSelect().Table("audit_log").Where("tenant_id = ? AND action = 'record.reveal'", tenant).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}

	_, err = s.Reveal(ctx, req("name", false))
	wantMessage(t, err, apperr.Forbidden, "You may not reveal masked values.")
	_, err = s.Reveal(ctx, req("note", true))
	wantMessage(t, err, apperr.Invalid, "This field is not masked.")
	bad := req("name", true)
	bad.FieldID = 1 << 40
	_, err = s.Reveal(ctx, bad)
	wantMessage(t, err, apperr.NotFound, "Field not found.")
	bad = req("name", true)
	bad.RecordID = 1 << 40
	_, err = s.Reveal(ctx, bad)
	wantMessage(t, err, apperr.NotFound, "Record not found.")
	if n := audits(); n != 0 {
		t.Fatalf("%d audit entries for refused reveals", n)
	}

	for _, field := range []string{"name", "phone"} {
		got, err := s.Reveal(ctx, req(field, true))
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"name": secretName, "phone": "13800138000"}[field]; got != want {
			t.Fatalf("revealed %s %q, want %q", field, got, want)
		}
	}
	var entries []struct {
		UserID *int64 `bun:"user_id"`
		Target string `bun:"target"`
		CallID string `bun:"call_id"`
		Row    string `bun:"row"`
	}
	if err := db.NewSelect().Table("audit_log").Column("user_id", "target", "call_id").ColumnExpr("audit_log::text AS row").
		Where("tenant_id = ? AND action = 'record.reveal'", tenant).Order("id").Scan(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d audit entries, want 2", len(entries))
	}
	e := entries[0]
	if e.UserID == nil || *e.UserID != agent.ID || e.CallID != "call-42" ||
		e.Target != fmt.Sprintf("table:%d/record:%d/field:%d", tb.ID, r.ID, tb.FieldByName("name").ID) {
		t.Fatalf("audit entry %+v", e)
	}
	for _, e := range entries {
		for _, secret := range []string{secretName, "REVEALED", "13800138000", "8000"} {
			if strings.Contains(e.Row, secret) {
				t.Fatalf("the audit entry holds the value %q: %s", secret, e.Row)
			}
		}
	}

	// An API key (no user) may reveal too, and is audited.
	apiReq := req("name", true)
	apiReq.UserID = nil
	if got, err := s.Reveal(ctx, apiReq); err != nil || got != secretName {
		t.Fatalf("reveal by API key: %q %v", got, err)
	}
	if n := audits(); n != 3 {
		t.Fatalf("%d audit entries, want 3", n)
	}
}

func TestView(t *testing.T) {
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, append(customerFields(),
		tables.FieldInput{Name: "card", Type: tables.TypeNumber, Masked: true, MaskStyle: tables.MaskLastFour},
		tables.FieldInput{Name: "email", Type: tables.TypeString, Mandatory: true},
		tables.FieldInput{Name: "since", Type: tables.TypeDate},
	)...)
	createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "13800138000", "name": "张三丰先生", "level": "1",
		"card": "6222020200112233", "email": "z@example.com", "since": "2020/1/2"})
	// A mandatory field added later is empty in the old record.
	if _, err := s.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "city", Type: tables.TypeString, Mandatory: true}); err != nil {
		t.Fatal(err)
	}

	masked, err := s.FindView(ctx, tenant, tb.ID, "138 0013 8000", false)
	if err != nil || masked == nil {
		t.Fatal(masked, err)
	}
	clear, err := s.FindView(ctx, tenant, tb.ID, "13800138000", true)
	if err != nil || clear == nil {
		t.Fatal(clear, err)
	}
	tests := []struct {
		field      string
		masked     tables.FieldView
		revealed   tables.FieldView
		checkStyle bool
	}{
		{"phone", tables.FieldView{Value: "*******8000", Masked: true, Mandatory: true, MaskStyle: tables.MaskLastFour},
			tables.FieldView{Value: "13800138000", Revealed: true, Mandatory: true, MaskStyle: tables.MaskLastFour}, true},
		{"name", tables.FieldView{Value: "张三丰先*", Masked: true, MaskStyle: tables.MaskFirstFour},
			tables.FieldView{Value: "张三丰先生", Revealed: true, MaskStyle: tables.MaskFirstFour}, true},
		{"level", tables.FieldView{Value: "VIP", Key: "1", Mandatory: true},
			tables.FieldView{Value: "VIP", Key: "1", Mandatory: true}, false},
		{"note", tables.FieldView{Empty: true}, tables.FieldView{Empty: true}, false},
		{"card", tables.FieldView{Value: "************2233", Masked: true, MaskStyle: tables.MaskLastFour},
			tables.FieldView{Value: "6222020200112233", Revealed: true, MaskStyle: tables.MaskLastFour}, true},
		{"email", tables.FieldView{Value: "z@example.com", Mandatory: true}, tables.FieldView{Value: "z@example.com", Mandatory: true}, false},
		{"since", tables.FieldView{Value: "2020-01-02"}, tables.FieldView{Value: "2020-01-02"}, false},
		{"city", tables.FieldView{Empty: true, Mandatory: true}, tables.FieldView{Empty: true, Mandatory: true}, false},
	}
	for i, tt := range tests {
		for _, c := range []struct {
			view *tables.RecordView
			want tables.FieldView
		}{{masked, tt.masked}, {clear, tt.revealed}} {
			got := c.view.Fields[i]
			want := c.want
			f := tb.FieldByName(tt.field)
			if f == nil {
				f, _ = func() (*tables.Field, error) {
					nt, err := s.GetTable(ctx, tenant, tb.ID)
					return nt.FieldByName(tt.field), err
				}()
			}
			want.FieldID, want.Name, want.Type = f.ID, f.Name, f.Type
			if got != want {
				t.Errorf("%s: view %+v, want %+v", tt.field, got, want)
			}
		}
	}
	if len(masked.Fields) != len(tests) {
		t.Fatalf("%d fields in the view", len(masked.Fields))
	}
	// No masked-out character of a masked field is anywhere in the view.
	for _, secret := range []string{"1380013", "丰先生", "62220202001122"} {
		if strings.Contains(fmt.Sprintf("%+v", *masked), secret) {
			t.Errorf("masked view holds %q", secret)
		}
	}
}

// TestStaleSchemaWrites: rows validated and encoded with a schema that no
// longer says how values are stored are refused, never written (a field
// encrypted meanwhile would otherwise be stored in the plain column).
func TestStaleSchemaWrites(t *testing.T) {
	db := testkit.DB(t)
	importer, admin := newService(t), newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, admin, tenant, customerFields()...)
	sc, err := importer.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	note := tb.FieldByName("note")
	// The table holds no records, so the admin may still encrypt a field.
	if _, err := admin.UpdateField(ctx, tenant, tb.ID, note.ID, tables.FieldInput{Name: "note", Type: tables.TypeString, Encrypted: true}); err != nil {
		t.Fatal(err)
	}
	rows := parseRows(t, sc, map[string]string{"phone": "13800138000", "level": "1", "note": "NOTE-NOW-SECRET"})
	_, err = importer.UpsertRows(ctx, db, sc, rows)
	wantMessage(t, err, apperr.Conflict, "Someone else changed this table meanwhile. Reload and try again.")
	n, err := db.NewSelect().Table("base_records").Where("table_id = ?", tb.ID).Count(ctx)
	if err != nil || n != 0 {
		t.Fatalf("%d records written with a stale schema (%v)", n, err)
	}

	// With the schema read again the same input is stored sealed.
	sc, err = importer.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := importer.UpsertRows(ctx, db, sc, parseRows(t, sc, map[string]string{"phone": "13800138000", "level": "1", "note": "NOTE-NOW-SECRET"})); err != nil || res.Inserted != 1 {
		t.Fatalf("upsert: %+v %v", res, err)
	}
	var plain string
	if err := db.NewSelect().Table("base_records").ColumnExpr("plain::text").Where("table_id = ?", tb.ID).Scan(ctx, &plain); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, "NOTE-NOW-SECRET") {
		t.Fatalf("an encrypted field is in the plain column: %s", plain)
	}

	// Changes that do not touch storage leave a running import alone.
	if _, err := admin.UpdateTable(ctx, tenant, tb.ID, tables.TableInput{Name: uniq("renamed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.UpdateField(ctx, tenant, tb.ID, note.ID, tables.FieldInput{Name: "remark", Type: tables.TypeString, Encrypted: true,
		Masked: true, MaskStyle: tables.MaskFirstFour}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddField(ctx, tenant, tb.ID, tables.FieldInput{Name: "city", Type: tables.TypeString}); err != nil {
		t.Fatal(err)
	}
	if res, err := importer.UpsertRows(ctx, db, sc, parseRows(t, sc, map[string]string{"phone": "13800138001", "level": "2", "note": "x"})); err != nil || res.Inserted != 1 {
		t.Fatalf("upsert after a rename: %+v %v", res, err)
	}
	// A record written through the service re-reads a stale schema itself.
	if _, err := importer.CreateRecord(ctx, tenant, tb.ID, map[string]string{"phone": "13800138002", "level": "1", "remark": "r"}); err != nil {
		t.Fatal(err)
	}
	// A deleted table is not found.
	if err := admin.DeleteTable(ctx, tenant, tb.ID); err != nil {
		t.Fatal(err)
	}
	_, err = importer.UpsertRows(ctx, db, sc, parseRows(t, sc, map[string]string{"phone": "13800138003", "level": "1"}))
	wantMessage(t, err, apperr.NotFound, "Table not found.")
}

// TestIndexTypes: an index of any type is stored in its canonical form and
// found by any accepted spelling of it.
func TestIndexTypes(t *testing.T) {
	s := newService(t)
	tests := []struct {
		name    string
		field   tables.FieldInput
		store   string
		stored  string   // the value the view shows (revealed)
		key     string   // the dictionary key, if any
		finders []string // lookups that find it
		misses  []string // lookups that do not
		dup     string   // another spelling: a duplicate
	}{
		{"date", tables.FieldInput{Type: tables.TypeDate, Encrypted: true}, "2024/3/5", "2024-03-05", "",
			[]string{"2024-03-05", "2024/03/05", " 2024.3.5 ", "20240305", "2024年3月5日"}, []string{"2024-03-06", "2024-02-30", "20240230"}, "2024-3-5"},
		{"time", tables.FieldInput{Type: tables.TypeTime}, "9:05", "09:05", "",
			[]string{"09:05", "9:05"}, []string{"0905", "09:05:00"}, "09:05"},
		{"dictionary", tables.FieldInput{Type: tables.TypeDict, DictItems: dict("010-1", "Beijing", "021-2", "Shanghai")}, "Beijing", "Beijing", "010-1",
			[]string{"010-1", "Beijing"}, []string{"0101", "Shanghai"}, "010-1"},
		{"number phone", tables.FieldInput{Type: tables.TypeNumber, Length: 11, Encrypted: true}, "+86 138-0013-8000", "13800138000", "",
			[]string{"13800138000", "138 0013 8000", "+8613800138000"}, []string{"1380013800", "138001380001"}, "0086 13800138000"},
		{"string phone of length 11", tables.FieldInput{Type: tables.TypeString, Length: 11}, "+86 138-0013-8000", "13800138000", "",
			[]string{"13800138000", "(138) 0013 8000"}, []string{"AB-123"}, "+86 13800138000"},
		{"string code", tables.FieldInput{Type: tables.TypeString, Encrypted: true}, "AB-123", "AB-123", "",
			[]string{"AB-123", " AB-123 "}, []string{"AB123", "ab-123"}, "AB-123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.field
			f.Name, f.IsIndex = "k", true
			tenant := newTenant(t)
			tb := publishedTable(t, s, tenant, f, tables.FieldInput{Name: "v", Type: tables.TypeString})
			r := createRecord(t, s, tenant, tb.ID, map[string]string{"k": tt.store, "v": "found"})
			for _, q := range tt.finders {
				v, err := s.FindView(ctx, tenant, tb.ID, q, true)
				if err != nil || v == nil || v.RecordID != r.ID {
					t.Fatalf("FindView(%q): %+v %v", q, v, err)
				}
				if k := v.Field("k"); k.Value != tt.stored || k.Key != tt.key {
					t.Fatalf("index shown as %+v, want %q (key %q)", k, tt.stored, tt.key)
				}
			}
			for _, q := range tt.misses {
				if v, err := s.FindView(ctx, tenant, tb.ID, q, true); err != nil || v != nil {
					t.Fatalf("FindView(%q): %+v %v", q, v, err)
				}
			}
			_, err := s.CreateRecord(ctx, tenant, tb.ID, map[string]string{"k": tt.dup})
			wantField(t, err, apperr.Conflict, "k", "A record with this index value already exists.")
		})
	}
}

// TestNULCharacters: PostgreSQL text cannot hold NUL; values lose it on
// every write path instead of failing a whole import batch or being stored
// as a literal \u0000.
func TestNULCharacters(t *testing.T) {
	db := testkit.DB(t)
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, customerFields()...)
	sc, err := s.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "13800138000", "level": "1", "note": "a\x00b", "name": "n\x00m"})
	if _, err := s.UpsertRows(ctx, db, sc, parseRows(t, sc, map[string]string{"phone": "13800138001\x00", "level": "1", "note": "a\x00b", "name": "n\x00m"})); err != nil {
		t.Fatal(err)
	}
	for _, phone := range []string{"13800138000", "13800138001"} {
		v, err := s.FindView(ctx, tenant, tb.ID, phone, true)
		if err != nil || v == nil || v.Field("note").Value != "ab" || v.Field("name").Value != "nm" {
			t.Fatalf("%s: %+v %v", phone, v, err)
		}
	}
}

// TestWriteDuringEdit: a record validated while an edit of the table is
// in flight waits for it and is then stored the new way — here, a field
// the edit encrypts never reaches the plain column.
func TestWriteDuringEdit(t *testing.T) {
	db := testkit.DB(t)
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, customerFields()...)
	note := tb.FieldByName("note")
	if _, err := s.Schema(ctx, tenant, tb.ID); err != nil { // cached, as on a busy instance
		t.Fatal(err)
	}

	// The edit, as Service.edit does it: the table row locked, the field
	// changed, the version bumped; not yet committed.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, q := range []string{
		"SELECT id FROM base_tables WHERE id = ? FOR UPDATE",
		"UPDATE base_fields SET encrypted = true WHERE table_id = ? AND name = 'note'",
		"UPDATE base_tables SET version = version + 1 WHERE id = ?",
	} {
		if _, err := tx.ExecContext(ctx, q, tb.ID); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.CreateRecord(ctx, tenant, tb.ID, map[string]string{"phone": "13800138000", "level": "1", "note": "IN-FLIGHT-SECRET"})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the record was written during the edit: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var plain string
	if err := db.NewSelect().Table("base_records").ColumnExpr("plain::text").Where("table_id = ?", tb.ID).Scan(ctx, &plain); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain, "IN-FLIGHT-SECRET") {
		t.Fatalf("field %d, encrypted by the edit, is in the plain column: %s", note.ID, plain)
	}
	v, err := s.FindView(ctx, tenant, tb.ID, "13800138000", true)
	if err != nil || v == nil || v.Field("note").Value != "IN-FLIGHT-SECRET" {
		t.Fatalf("record %+v %v", v, err)
	}
}
