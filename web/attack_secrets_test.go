package web_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/external"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/testkit"
)

// pgDump finds pg_dump beside the server binaries the tests use.
func pgDump(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pg_dump"); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	if len(matches) == 0 {
		t.Skip("pg_dump not found")
	}
	return matches[len(matches)-1]
}

// A pg_dump of a database filled through every feature that takes secret
// or customer data (encrypted fields by hand and by import, call events
// with associated data, verification results, an external interface's
// token, the Sobot secret, API keys, passwords) holds none of the canaries.
func TestAttackSecretsAtRest(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	ctx := context.Background()
	tally := newAttackTally(t, "secrets at rest")
	e.startImports()
	canary := map[string]string{
		"encrypted field (record)": "13911112222",
		"encrypted field (import)": "13933334444",
		"id number":                "110101198808088888",
		"call data":                "13955556666",
		"associated data":          "canary-assoc-9f3e",
		"verification return":      "canary-verify-7c1d",
		"interface token":          "canary-token-5b2a",
		"sobot secret":             "canary-sobot-3e8f",
		"password":                 "canary-password-1",
	}
	tb := e.customerTable(f.Tenant.ID)
	if _, err := e.eng.Tables.CreateRecord(ctx, f.Tenant.ID, tb.ID, map[string]string{"手机号": canary["encrypted field (record)"], "姓名": "甲", "证件号": canary["id number"]}); err != nil {
		t.Fatal(err)
	}
	resp, out := e.upload(f.APIKey, tb.ID, "名单.csv", []byte(customerCSV(canary["encrypted field (import)"]+",乙,,")), nil)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("import: %d %s", resp.StatusCode, out["_body"])
	}
	e.waitImport(f.APIKey, tb.ID, out["job"].(map[string]any)["id"])
	if _, err := e.eng.Calls.Record(ctx, f.Tenant.ID, calls.EventInput{Event: "Ringing", WorkNo: "8001",
		CallData:  map[string]string{"callerNum": canary["call data"], "callid": "secret-call"},
		AssocData: map[string]string{"order": canary["associated data"]}}, "api"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Calls.Verify(ctx, f.Tenant.ID, "secret-call", calls.VerifyInput{VerifyTypeCode: "otp", VerifyResult: 1, VerifyReturn1: canary["verification return"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.External.Create(ctx, external.Input{Name: "crm", URL: "https://crm.example.com/query",
		Headers: map[string]string{"Authorization": "Bearer " + canary["interface token"]}}); err != nil {
		t.Fatal(err)
	}
	secret := canary["sobot secret"]
	if _, err := e.eng.Pops.SaveSettings(ctx, f.Tenant.ID, pops.SettingsInput{SobotSysNum: "sys", SobotSecret: &secret}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Accounts.CreateUser(ctx, accounts.NewUser{TenantID: &f.Tenant.ID, Username: name("s"), Role: accounts.RoleAgent, Password: canary["password"]}); err != nil {
		t.Fatal(err)
	}
	keySecret, _, err := e.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: f.Tenant.ID, Name: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	canary["API key"] = keySecret

	dump, err := exec.CommandContext(ctx, pgDump(t), "--no-owner", "--dbname", testkit.DSN(t)).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if !strings.Contains(string(dump), "call_events") {
		t.Fatal("the dump is not of this database")
	}
	for what, c := range canary {
		if !tally.record(!strings.Contains(string(dump), c)) {
			t.Errorf("%s (%s) is in the dump in clear", what, c)
		}
	}
	t.Logf("pg_dump: %d bytes searched for %d canaries", len(dump), len(canary))
}
