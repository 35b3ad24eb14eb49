package tables_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomPhone is a mobile number unlikely to collide with any other test's.
func randomPhone() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000))
	return fmt.Sprintf("139%08d", n.Int64())
}

// secretTable has an encrypted, masked phone index, 20 encrypted fields
// s0…s19 and three plain fields p0…p2.
func secretTable(t testing.TB, s *tables.Service, tenantID int64) *tables.Table {
	t.Helper()
	fields := []tables.FieldInput{{Name: "phone", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20,
		Masked: true, MaskStyle: tables.MaskLastFour}}
	for i := range tables.MaxEncryptedFields {
		fields = append(fields, tables.FieldInput{Name: fmt.Sprint("s", i), Encrypted: true, Type: tables.TypeString,
			Masked: i == 0, MaskStyle: tables.MaskFirstFour})
	}
	for i := range 3 {
		fields = append(fields, tables.FieldInput{Name: fmt.Sprint("p", i), Type: tables.TypeString})
	}
	return publishedTable(t, s, tenantID, fields...)
}

// pgDump finds pg_dump the way the embedded cluster finds its binaries.
func pgDump(t *testing.T) string {
	t.Helper()
	var candidates []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, filepath.Join(strings.TrimSpace(string(out)), "pg_dump"))
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	slices.Reverse(dirs) // newest first
	candidates = append(candidates, dirs...)
	if p, err := exec.LookPath("pg_dump"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	t.Skip("pg_dump not found (install postgresql-client)")
	return ""
}

// TestNoPlaintextInDump writes canary values through every write path
// (CreateRecord, UpdateRecord, UpsertRows, Reveal) and checks that a
// pg_dump of the whole database holds none of them, in text or in hex,
// while the plain fields' values are there.
func TestNoPlaintextInDump(t *testing.T) {
	dump := pgDump(t)
	db := testkit.DB(t)
	s := newService(t)
	tenant := newTenant(t)
	tb := secretTable(t, s, tenant)
	sc, err := s.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}

	var secrets, plains []string
	row := func(n int) map[string]string {
		phone := randomPhone()
		in := map[string]string{"phone": phone[:3] + "-" + phone[3:7] + "-" + phone[7:]}
		secrets = append(secrets, phone, phone[3:]) // the number, and without its prefix
		for i := range tables.MaxEncryptedFields {
			v := fmt.Sprintf("CANARY-%d-%d-%s", n, i, randomHex(6))
			in[fmt.Sprint("s", i)] = v
			secrets = append(secrets, v)
		}
		for i := range 3 {
			v := fmt.Sprintf("PLAINVALUE-%d-%d-%s", n, i, randomHex(6))
			in[fmt.Sprint("p", i)] = v
			plains = append(plains, v)
		}
		return in
	}
	var ids []int64
	for n := range 3 {
		ids = append(ids, createRecord(t, s, tenant, tb.ID, row(n)).ID)
	}
	var batch []map[string]string
	for n := 3; n < 10; n++ {
		batch = append(batch, row(n))
	}
	if res, err := s.UpsertRows(ctx, db, sc, parseRows(t, sc, batch...)); err != nil || res.Inserted != 7 {
		t.Fatalf("upsert: %+v %v", res, err)
	}
	upd := row(10)
	if _, err := s.UpdateRecord(ctx, tenant, tb.ID, ids[0], upd); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Reveal(ctx, tables.RevealRequest{TenantID: tenant, CanReveal: true, TableID: tb.ID, RecordID: ids[0],
		FieldID: tb.FieldByName("s0").ID, CallID: "c1"}); err != nil || v != upd["s0"] {
		t.Fatalf("reveal: %q %v", v, err)
	}
	// A failed write (a duplicate) leaves nothing behind either.
	if _, err := s.CreateRecord(ctx, tenant, tb.ID, upd); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate: %v", err)
	}
	// The values read back, so they were stored.
	for _, in := range append(batch, upd) {
		v, err := s.FindView(ctx, tenant, tb.ID, in["phone"], true)
		if err != nil || v == nil || v.Field("s19").Value != in["s19"] || v.Field("p2").Value != in["p2"] {
			t.Fatalf("read back %s: %+v %v", in["phone"], v, err)
		}
	}

	dsn := testkit.DSN(t)
	for _, args := range [][]string{{"--data-only"}, {}} {
		t.Run(fmt.Sprint("pg_dump ", args), func(t *testing.T) {
			cmd := exec.Command(dump, append(args, "--no-owner", "-d", dsn)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pg_dump: %v: %s", err, stderr.String())
			}
			text := string(out)
			lower := strings.ToLower(text)
			if !strings.Contains(text, "COPY public.base_records") {
				t.Fatalf("the dump has no base_records data (%d bytes)", len(out))
			}
			for _, v := range plains[3:] { // the first record's were overwritten by the update
				if !strings.Contains(text, v) {
					t.Fatalf("plain value %q is not in the dump: the dump does not hold the data", v)
				}
			}
			for _, v := range secrets {
				if strings.Contains(text, v) {
					t.Errorf("plaintext %q is in the dump", v)
				}
				if h := hex.EncodeToString([]byte(v)); strings.Contains(lower, h) {
					t.Errorf("plaintext %q is in the dump as hex %s", v, h)
				}
			}
		})
	}
}

// sealedOf reads a record's sealed column.
func sealedOf(t testing.TB, db bun.IDB, id int64) []byte {
	t.Helper()
	var b []byte
	if err := db.NewSelect().Table("base_records").Column("sealed").Where("id = ?", id).Scan(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func setSealed(t testing.TB, db bun.IDB, id int64, b []byte) {
	t.Helper()
	if _, err := db.NewUpdate().Table("base_records").Set("sealed = ?", b).Where("id = ?", id).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// wantOpenError fails unless err is an internal error (not a domain
// error a user could mistake for "no such record").
func wantOpenError(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("a tampered record opened")
	}
	if _, ok := apperr.As(err); ok {
		t.Fatalf("tampering gave a domain error: %v", err)
	}
}

func TestTamperedRecords(t *testing.T) {
	db := testkit.DB(t)
	s := newService(t)
	tenant := newTenant(t)
	tb := secretTable(t, s, tenant)
	rec := func(phone, secret string) *tables.Record {
		return createRecord(t, s, tenant, tb.ID, map[string]string{"phone": phone, "s1": secret, "p0": "plain"})
	}

	t.Run("a flipped byte", func(t *testing.T) {
		r := rec("13800000001", "secret-1")
		orig := sealedOf(t, db, r.ID)
		if id, ok := tables.KeyIDOf(orig); !ok || id == 0 {
			t.Fatalf("sealed value %x has no Tink key id", orig[:5])
		}
		for _, pos := range []int{0, 3, 5, 20, len(orig) / 2, len(orig) - 1} {
			b := slices.Clone(orig)
			b[pos] ^= 0x01
			setSealed(t, db, r.ID, b)
			_, got, err := s.GetRecord(ctx, tenant, tb.ID, r.ID)
			if err == nil {
				t.Fatalf("byte %d flipped: GetRecord gave %v", pos, got.Values)
			}
			wantOpenError(t, err)
			_, got, err = s.FindByIndex(ctx, tenant, tb.ID, "13800000001")
			if err == nil {
				t.Fatalf("byte %d flipped: FindByIndex gave %+v", pos, got)
			}
			wantOpenError(t, err)
			_, err = s.FindView(ctx, tenant, tb.ID, "13800000001", false)
			wantOpenError(t, err)
		}
		// Cut short.
		for _, b := range [][]byte{orig[:len(orig)-1], orig[:5], orig[:1]} {
			setSealed(t, db, r.ID, b)
			_, _, err := s.GetRecord(ctx, tenant, tb.ID, r.ID)
			wantOpenError(t, err)
		}
		setSealed(t, db, r.ID, orig)
		if _, got, err := s.GetRecord(ctx, tenant, tb.ID, r.ID); err != nil || got.Values[tb.FieldByName("s1").ID] != "secret-1" {
			t.Fatalf("restored record: %v %v", got, err)
		}
	})

	t.Run("a changed index key", func(t *testing.T) {
		r := rec("13800000002", "secret-2")
		if _, err := db.NewUpdate().Table("base_records").Set("index_key = sha256(index_key)").Where("id = ?", r.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.GetRecord(ctx, tenant, tb.ID, r.ID)
		wantOpenError(t, err)
		if _, got, err := s.FindByIndex(ctx, tenant, tb.ID, "13800000002"); err != nil || got != nil {
			t.Fatalf("find: %v %v", got, err)
		}
	})

	t.Run("copied to another record of the table", func(t *testing.T) {
		a, b := rec("13800000003", "secret-a"), rec("13800000004", "secret-b")
		setSealed(t, db, b.ID, sealedOf(t, db, a.ID))
		_, got, err := s.GetRecord(ctx, tenant, tb.ID, b.ID)
		if err == nil {
			t.Fatalf("b opened with a's values: %v", got.Values)
		}
		wantOpenError(t, err)
		_, err = s.FindView(ctx, tenant, tb.ID, "13800000004", true)
		wantOpenError(t, err)
	})

	t.Run("copied to another table of the tenant, index key and all", func(t *testing.T) {
		a := rec("13800000005", "secret-a")
		tb2 := secretTable(t, s, tenant)
		b := createRecord(t, s, tenant, tb2.ID, map[string]string{"phone": "13800000006"})
		// Under the table's own blind index the key differs too; copy both.
		if _, err := db.ExecContext(ctx, `UPDATE base_records AS b SET sealed = a.sealed, index_key = a.index_key
			FROM base_records AS a WHERE a.id = ? AND b.id = ?`, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.GetRecord(ctx, tenant, tb2.ID, b.ID)
		wantOpenError(t, err)
	})

	t.Run("copied to another tenant", func(t *testing.T) {
		a := rec("13800000007", "secret-a")
		other := newTenant(t)
		tb2 := secretTable(t, s, other)
		b := createRecord(t, s, other, tb2.ID, map[string]string{"phone": "13800000008"})
		setSealed(t, db, b.ID, sealedOf(t, db, a.ID))
		_, _, err := s.GetRecord(ctx, other, tb2.ID, b.ID)
		wantOpenError(t, err)
		if _, err := db.ExecContext(ctx, `UPDATE base_records AS b SET sealed = a.sealed, index_key = a.index_key
			FROM base_records AS a WHERE a.id = ? AND b.id = ?`, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.GetRecord(ctx, other, tb2.ID, b.ID)
		wantOpenError(t, err)
	})

	t.Run("another tenant's keys swapped in", func(t *testing.T) {
		victim := newTenant(t)
		vt := secretTable(t, s, victim)
		r := createRecord(t, s, victim, vt.ID, map[string]string{"phone": "13800000009", "s1": "victim"})
		attacker := newTenant(t)
		at := secretTable(t, s, attacker)
		createRecord(t, s, attacker, at.ID, map[string]string{"phone": "13800000010", "s1": "attacker"})
		if _, err := db.ExecContext(ctx, `UPDATE tenant_keys AS v SET keyset = a.keyset, index_key = a.index_key
			FROM tenant_keys AS a WHERE a.tenant_id = ? AND v.tenant_id = ?`, attacker, victim); err != nil {
			t.Fatal(err)
		}
		fresh := newService(t) // no cached keys
		_, _, err := fresh.GetRecord(ctx, victim, vt.ID, r.ID)
		wantOpenError(t, err)
		if !strings.Contains(err.Error(), "keyset") {
			t.Fatalf("error %v does not name the keyset", err)
		}
	})

	t.Run("a wrong master key", func(t *testing.T) {
		r := rec("13800000011", "secret")
		k, err := tables.NewKeyring(db, bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = tables.NewService(db, k, defaultLimits).GetRecord(ctx, tenant, tb.ID, r.ID)
		wantOpenError(t, err)
		if _, err := tables.NewKeyring(db, []byte("short")); err == nil {
			t.Fatal("a 5-byte master key was accepted")
		}
	})
}

// allKeyIDs returns the key id of every sealed value of the tenant.
func allKeyIDs(t testing.TB, db bun.IDB, tenantID int64) []uint32 {
	t.Helper()
	var sealed [][]byte
	if err := db.NewSelect().Table("base_records").Column("sealed").Where("tenant_id = ? AND sealed IS NOT NULL", tenantID).
		Scan(ctx, &sealed); err != nil {
		t.Fatal(err)
	}
	ids := make([]uint32, 0, len(sealed))
	for _, b := range sealed {
		id, ok := tables.KeyIDOf(b)
		if !ok {
			t.Fatalf("sealed value without a key id: %x", b)
		}
		ids = append(ids, id)
	}
	return ids
}

// recordKeyID is the key id of a record's sealed values.
func recordKeyID(t testing.TB, db bun.IDB, recordID int64) uint32 {
	t.Helper()
	var sealed []byte
	if err := db.NewSelect().Table("base_records").Column("sealed").Where("id = ?", recordID).Scan(ctx, &sealed); err != nil {
		t.Fatal(err)
	}
	id, _ := tables.KeyIDOf(sealed)
	return id
}

// findRecordID is the id of the record with an index value.
func findRecordID(t testing.TB, s *tables.Service, tenantID, tableID int64, index string) int64 {
	t.Helper()
	_, r, err := s.FindByIndex(ctx, tenantID, tableID, index)
	if err != nil || r == nil {
		t.Fatalf("find %s: %+v %v", index, r, err)
	}
	return r.ID
}

// TestKeyCacheExpires: an instance that cached a tenant's keys before a
// rotation elsewhere seals with the new key once its cache has expired,
// without having read a value sealed with it.
func TestKeyCacheExpires(t *testing.T) {
	db := testkit.DB(t)
	rotator, writer := newService(t), newService(t)
	writer.Keys().SetCacheTTLForTests(100 * time.Millisecond)
	tenant := newTenant(t)
	tb := secretTable(t, rotator, tenant)
	old := createRecord(t, writer, tenant, tb.ID, map[string]string{"phone": "13700000001", "s3": "a"})
	p2, err := rotator.Keys().Rotate(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	stale := createRecord(t, writer, tenant, tb.ID, map[string]string{"phone": "13700000002", "s3": "b"})
	if recordKeyID(t, db, stale.ID) != recordKeyID(t, db, old.ID) {
		t.Fatal("the writer reloaded its keys before its cache expired")
	}
	time.Sleep(150 * time.Millisecond)
	fresh := createRecord(t, writer, tenant, tb.ID, map[string]string{"phone": "13700000003", "s3": "c"})
	if id := recordKeyID(t, db, fresh.ID); id != p2 {
		t.Fatalf("after the cache expired the writer sealed with key %d, want the new %d", id, p2)
	}
}

func TestKeyRotation(t *testing.T) {
	db := testkit.DB(t)
	a := newService(t)
	tenant := newTenant(t)
	tb := secretTable(t, a, tenant)
	sc, err := a.Schema(ctx, tenant, tb.ID)
	if err != nil {
		t.Fatal(err)
	}
	mkRows := func(from, to int) []map[string]string {
		var out []map[string]string
		for i := from; i < to; i++ {
			out = append(out, map[string]string{"phone": fmt.Sprintf("1370000%04d", i), "s3": fmt.Sprint("old-secret-", i), "p1": fmt.Sprint("plain-", i)})
		}
		return out
	}
	check := func(t *testing.T, s *tables.Service, rows []map[string]string) {
		t.Helper()
		for _, in := range rows {
			v, err := s.FindView(ctx, tenant, tb.ID, in["phone"], true)
			if err != nil || v == nil || v.Field("s3").Value != in["s3"] {
				t.Fatalf("read %s: %+v %v", in["phone"], v, err)
			}
		}
	}
	before := mkRows(0, 600) // more than one Reseal batch
	if res, err := a.UpsertRows(ctx, db, sc, parseRows(t, sc, before...)); err != nil || res.Inserted != len(before) {
		t.Fatalf("upsert: %+v %v", res, err)
	}
	p1, err := a.Keys().PrimaryKeyID(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range allKeyIDs(t, db, tenant) {
		if id != p1 {
			t.Fatalf("key id %d, want primary %d", id, p1)
		}
	}

	// Other instances with the keyset cached from before the rotation: one
	// that reads, one that writes.
	reader, writer, resealer := newService(t), newService(t), newService(t)
	// The writer holds on to its keys for the whole test, as an instance
	// that has not reached KeyCacheTTL yet would.
	writer.Keys().SetCacheTTLForTests(time.Hour)
	check(t, reader, before[:1])
	check(t, writer, before[:1])
	check(t, resealer, before[:1])

	p2, err := a.Keys().Rotate(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if p2 == p1 {
		t.Fatal("rotation kept the primary key")
	}
	if got, _ := a.Keys().PrimaryKeyID(ctx, tenant); got != p2 {
		t.Fatalf("primary %d after rotation, want %d", got, p2)
	}
	after := mkRows(600, 620)
	if res, err := a.UpsertRows(ctx, db, sc, parseRows(t, sc, after...)); err != nil || res.Inserted != len(after) {
		t.Fatalf("upsert: %+v %v", res, err)
	}
	// The stale writer still seals with the old key: still readable.
	late := mkRows(620, 621)
	createRecord(t, writer, tenant, tb.ID, late[0])

	check(t, a, before)
	check(t, a, after)
	check(t, a, late)
	check(t, reader, after) // reload path: a key id the cache has not seen
	check(t, reader, before[:3])
	check(t, newService(t), after)

	// An identical re-import after rotation changes nothing: the digest
	// does not depend on the data key.
	if res, err := a.UpsertRows(ctx, db, sc, parseRows(t, sc, before...)); err != nil || res.Unchanged != len(before) {
		t.Fatalf("re-import after rotation: %+v %v", res, err)
	}

	// Re-sealed by an instance that did not rotate and has not read a new
	// value since: it must still move the old rows to the new key.
	// As the first pass ends, the stale writer seals a new value of the
	// first row with the old key, behind the pass: the second pass, after
	// KeyCacheTTL, moves it too.
	var progress [][2]int
	rewritten := false
	n, err := resealer.Reseal(ctx, tenant, func(done, total int) {
		progress = append(progress, [2]int{done, total})
		if done == total && !rewritten {
			rewritten = true
			before[0]["s3"] = "rewritten during the re-seal"
			if res, err := writer.UpsertRows(ctx, db, sc, parseRows(t, sc, before[0])); err != nil || res.Updated != 1 {
				t.Fatalf("stale write: %+v %v", res, err)
			}
			if id := recordKeyID(t, db, findRecordID(t, writer, tenant, tb.ID, before[0]["phone"])); id != p1 {
				t.Errorf("the stale writer sealed with key %d, want the old %d", id, p1)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(before) + len(late) + 1; n != want {
		t.Fatalf("resealed %d rows, want %d", n, want)
	}
	total := len(before) + len(after) + len(late)
	if len(progress) < 2 || progress[len(progress)-1] != [2]int{total, total} {
		t.Fatalf("progress %v", progress)
	}
	ids := allKeyIDs(t, db, tenant)
	if len(ids) != total {
		t.Fatalf("%d sealed rows, want %d", len(ids), total)
	}
	for _, id := range ids {
		if id != p2 {
			t.Fatalf("after reseal a row has key id %d, want %d", id, p2)
		}
	}
	for _, s := range []*tables.Service{a, reader, writer, newService(t)} {
		check(t, s, before)
		check(t, s, after)
		check(t, s, late)
	}
	// Nothing left to do the second time.
	if n, err := a.Reseal(ctx, tenant, nil); err != nil || n != 0 {
		t.Fatalf("second reseal: %d %v", n, err)
	}
}

// TestResealSkipsUnsealedRows: rows with no encrypted value (a table
// without encrypted fields, or a record whose encrypted fields are all
// empty under a plain index) have nothing to re-seal.
func TestResealSkipsUnsealedRows(t *testing.T) {
	db := testkit.DB(t)
	s := newService(t)
	tenant := newTenant(t)
	plain := publishedTable(t, s, tenant, tables.FieldInput{Name: "k", IsIndex: true, Type: tables.TypeString},
		tables.FieldInput{Name: "secret", Encrypted: true, Type: tables.TypeString})
	sc, err := s.Schema(ctx, tenant, plain.ID)
	if err != nil {
		t.Fatal(err)
	}
	createRecord(t, s, tenant, plain.ID, map[string]string{"k": "a"})
	createRecord(t, s, tenant, plain.ID, map[string]string{"k": "b", "secret": "x"})
	if _, err := s.UpsertRows(ctx, db, sc, parseRows(t, sc, map[string]string{"k": "c"}, map[string]string{"k": "d", "secret": "y"})); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Keys().Rotate(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	n, err := s.Reseal(ctx, tenant, nil)
	if err != nil || n != 2 {
		t.Fatalf("reseal: %d %v", n, err)
	}
	for _, k := range []string{"a", "b", "c", "d"} {
		if v, err := s.FindView(ctx, tenant, plain.ID, k, false); err != nil || v == nil {
			t.Fatalf("%s: %v %v", k, v, err)
		}
	}
}

func TestBlindIndex(t *testing.T) {
	db := testkit.DB(t)
	s := newService(t)
	tenant := newTenant(t)
	tb := publishedTable(t, s, tenant, customerFields()...)
	r := createRecord(t, s, tenant, tb.ID, map[string]string{"phone": "13800138000", "name": "Li", "level": "1"})

	// 8613800138000 and 013800138000 as trunks send them, full-width as typed (issue 17).
	for _, q := range []string{"+86 138-0013-8000", "0086 13800138000", " 138 0013 8000 ", "8613800138000", "013800138000", "１３８００１３８０００"} {
		sc, got, err := s.FindByIndex(ctx, tenant, tb.ID, q)
		if err != nil || got == nil || got.ID != r.ID {
			t.Fatalf("FindByIndex(%q): %v %v", q, got, err)
		}
		if sc.ID != tb.ID {
			t.Fatalf("schema of table %d", sc.ID)
		}
	}
	for _, q := range []string{"13800138001", "", "   ", "0138001380001", "x"} {
		if _, got, err := s.FindByIndex(ctx, tenant, tb.ID, q); err != nil || got != nil {
			t.Fatalf("FindByIndex(%q): %v %v", q, got, err)
		}
	}

	keyOf := func(id int64) []byte {
		var k []byte
		if err := db.NewSelect().Table("base_records").Column("index_key").Where("id = ?", id).Scan(ctx, &k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	key := keyOf(r.ID)
	if len(key) != 32 || bytes.Contains(key, []byte("13800138000")) || bytes.Contains(key, []byte("8000")) {
		t.Fatalf("stored index key %x holds the phone number", key)
	}

	// The key is per table and per tenant: the same number elsewhere has
	// another key, so keys cannot be matched across tables.
	tb2 := publishedTable(t, s, tenant, customerFields()...)
	r2 := createRecord(t, s, tenant, tb2.ID, map[string]string{"phone": "13800138000", "level": "1"})
	other := newTenant(t)
	tb3 := publishedTable(t, s, other, customerFields()...)
	r3 := createRecord(t, s, other, tb3.ID, map[string]string{"phone": "13800138000", "level": "1"})
	if k2, k3 := keyOf(r2.ID), keyOf(r3.ID); bytes.Equal(key, k2) || bytes.Equal(key, k3) || bytes.Equal(k2, k3) {
		t.Fatal("one phone number has the same index key in two tables")
	}

	// A plain index keeps the normalised value itself.
	pt := publishedTable(t, s, tenant, tables.FieldInput{Name: "phone", IsIndex: true, Type: tables.TypeString})
	pr := createRecord(t, s, tenant, pt.ID, map[string]string{"phone": "+86 138 0013 8000"})
	if k := keyOf(pr.ID); string(k) != "13800138000" {
		t.Fatalf("plain index key %q", k)
	}
	if _, got, err := s.FindByIndex(ctx, tenant, pt.ID, "138-0013-8000"); err != nil || got == nil || got.ID != pr.ID {
		t.Fatalf("plain index lookup: %v %v", got, err)
	}

	// The lookup is an index seek.
	var plan string
	rows, err := db.QueryContext(ctx, "EXPLAIN SELECT * FROM base_records WHERE tenant_id = ? AND table_id = ? AND index_key = ?", tenant, tb.ID, key)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		_ = rows.Scan(&line)
		plan += line + "\n"
	}
	_ = rows.Close()
	if !strings.Contains(plan, "Index") {
		t.Fatalf("lookup plan:\n%s", plan)
	}
}
