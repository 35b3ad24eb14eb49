package pops_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/migrations"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/pgcluster"
)

// Pops read from a hot standby (issue 15, SCREENPOP_DATABASE_REPLICA_URL):
// a pop is served by the standby (shown by what it sees while its replay is
// paused), an idle primary does not make the standby look behind, a standby
// behind by more than the limit hands the reads to the primary and gets
// them back once it catches up, and a stopped standby does too, logged
// once.
func TestPopsReadFromReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a primary and a standby")
	}
	pair := pgcluster.Start(t)
	db, err := database.Open(ctx, pair.Primary.DSN("postgres"), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := migrations.Up(ctx, db); err != nil {
		t.Fatal(err)
	}
	key, err := masterkey.FromBytes(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(db, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.External.Close)
	var logs testkit.LogBuffer
	const maxLag = time.Second
	reads, err := database.OpenReplicas(ctx, db, []string{pair.Standby.DSN("postgres")}, database.ReplicaOptions{
		MaxLag: maxLag, Interval: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reads.Close)
	eng.UseReplicas(reads)
	runCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go reads.Run(runCtx)

	pe := replicaPopEnv(t, eng)
	pe.addCustomer(t, "13900000001", "客户甲")
	if err := pair.WaitReplayed(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the standby to serve", func() bool { s := reads.Stats().Replicas[0]; return s.Up && !s.Lagging })

	// Served by the standby, with nothing read on the primary; and still
	// after an idle spell longer than the lag limit.
	for _, idle := range []time.Duration{0, 3 * maxLag} {
		time.Sleep(idle)
		before := reads.Stats()
		pe.wantShown(t, "13900000001", "客户甲")
		after := reads.Stats()
		if after.ReadsReplica <= before.ReadsReplica || after.ReadsPrimary != before.ReadsPrimary {
			t.Fatalf("after %v idle: reads replica %d→%d, primary %d→%d: want the standby only (%+v)", idle,
				before.ReadsReplica, after.ReadsReplica, before.ReadsPrimary, after.ReadsPrimary, after)
		}
	}

	// Replay paused: a customer added on the primary is not on the
	// standby, and a pop shows that while the lag is under the limit —
	// then, over the limit, the pop reads the primary.
	standbyExec(t, pair, "SELECT pg_wal_replay_pause()")
	pe.addCustomer(t, "13900000002", "客户乙")
	if m := pe.pop(t, "13900000002"); m.State != pages.StateNotFound {
		t.Fatalf("a pop right after the insert with replay paused: state %q, want not_found from the standby", m.State)
	}
	waitFor(t, "the lag to pass the limit", func() bool { return reads.Stats().Replicas[0].Lagging })
	lagBefore := reads.Stats().Fallbacks[database.FallbackLag]
	pe.wantShown(t, "13900000002", "客户乙")
	if s := reads.Stats(); s.Fallbacks[database.FallbackLag] <= lagBefore {
		t.Fatalf("no lag fallback counted: %+v", s)
	}
	standbyExec(t, pair, "SELECT pg_wal_replay_resume()")
	if err := pair.WaitReplayed(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the standby to catch up", func() bool { return !reads.Stats().Replicas[0].Lagging })
	before := reads.Stats()
	pe.wantShown(t, "13900000002", "客户乙")
	if s := reads.Stats(); s.ReadsReplica <= before.ReadsReplica || s.ReadsPrimary != before.ReadsPrimary {
		t.Fatalf("after catching up: %+v, want the standby again", s)
	}

	// Standby stopped: every pop still served, from the primary, and the
	// outage logged once. (Commits stop waiting for it first.)
	primaryExec(t, pair, "ALTER SYSTEM RESET synchronous_standby_names")
	primaryExec(t, pair, "SELECT pg_reload_conf()")
	if err := pair.Standby.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		pe.wantShown(t, "13900000001", "客户甲")
	}
	s := reads.Stats()
	if s.Fallbacks[database.FallbackUnavailable] == 0 || s.Replicas[0].Up {
		t.Fatalf("standby stopped: %+v, want unavailable fallbacks", s)
	}
	if n := strings.Count(logs.String(), "database replica unavailable"); n != 1 {
		t.Fatalf("the outage logged %d times, want once:\n%s", n, logs.String())
	}
}

type replicaEnv struct {
	eng    *engine.Engine
	tenant *accounts.Tenant
	table  *tables.Table
	page   *pages.Page
}

// replicaPopEnv is a tenant trusting 127.0.0.1 with a published page of
// one object over a table of customers by phone.
func replicaPopEnv(t *testing.T, eng *engine.Engine) *replicaEnv {
	t.Helper()
	tn, err := eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: "replica", Name: "Replica"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Pops.SaveSettings(ctx, tn.ID, pops.SettingsInput{SourceCIDRs: []string{"127.0.0.1/32"}}); err != nil {
		t.Fatal(err)
	}
	tb, err := eng.Tables.CreateTable(ctx, tn.ID, tables.TableInput{Name: "客户"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []tables.FieldInput{
		{Name: "手机", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20},
		{Name: "姓名", Encrypted: true, Type: tables.TypeString},
	} {
		if _, err := eng.Tables.AddField(ctx, tn.ID, tb.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng.Tables.Publish(ctx, tn.ID, tb.ID); err != nil {
		t.Fatal(err)
	}
	if tb, err = eng.Tables.GetTable(ctx, tn.ID, tb.ID); err != nil {
		t.Fatal(err)
	}
	p, err := eng.Pages.CreatePage(ctx, tn.ID, "来电")
	if err != nil {
		t.Fatal(err)
	}
	obj := pages.Object{Name: "客户", TableID: tb.ID}
	for _, f := range tb.Fields {
		obj.Fields = append(obj.Fields, pages.ObjectField{FieldID: f.ID})
	}
	def := pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceInternal, Objects: []pages.Object{obj}}
	if _, err := eng.Pages.SaveDraft(ctx, tn.ID, p.ID, def, p.DraftRevision); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Pages.Publish(ctx, tn.ID, p.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	return &replicaEnv{eng: eng, tenant: tn, table: tb, page: p}
}

func (e *replicaEnv) addCustomer(t *testing.T, phone, name string) {
	t.Helper()
	if _, err := e.eng.Tables.CreateRecord(ctx, e.tenant.ID, e.table.ID, map[string]string{"手机": phone, "姓名": name}); err != nil {
		t.Fatal(err)
	}
}

// pop is a trusted platform's pop for a call from phone.
func (e *replicaEnv) pop(t *testing.T, phone string) *pages.Model {
	t.Helper()
	rt := e.eng.PopRuntime
	pt, err := rt.Resolve(ctx, e.tenant.Slug, strconv.FormatInt(e.page.ID, 10))
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	res, err := rt.Open(ctx, pt, pops.Request{Method: "GET", ClientIP: "127.0.0.1",
		Params: url.Values{"callerNum": {phone}, "calledNum": {"4008001234"}, "callType": {"0"}, "callid": {"r-" + phone}}})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return res.Model
}

func (e *replicaEnv) wantShown(t *testing.T, phone, name string) {
	t.Helper()
	m := e.pop(t, phone)
	if m.State != pages.StateOK {
		t.Fatalf("pop for %s: state %q, want ok", phone, m.State)
	}
	for _, o := range m.Objects {
		for _, f := range o.Fields {
			if f.Value == name {
				return
			}
		}
	}
	t.Fatalf("pop for %s does not show %q: %+v", phone, name, m.Objects)
}

func standbyExec(t *testing.T, pair *pgcluster.Pair, sql string) {
	t.Helper()
	execOn(t, pair.Standby.DSN("postgres"), sql)
}

func primaryExec(t *testing.T, pair *pgcluster.Pair, sql string) {
	t.Helper()
	execOn(t, pair.Primary.DSN("postgres"), sql)
}

func execOn(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
