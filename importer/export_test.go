package importer

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/audit"
)

// PrepareExport is the one place a revealed export is checked and audited:
// once per export, in the actor's name (user, API key or CLI), never for a
// masked, refused or invalid one.
func TestPrepareExportAuditsRevealedExports(t *testing.T) {
	e := newJobEnv(t)
	ctx := context.Background()
	_, err := e.ts.CreateRecord(ctx, e.tenant, e.table.ID, map[string]string{"手机": "+8613800138000", "姓名": "张三丰"})
	must(t, err)
	tenantID := e.tenant
	u, err := accounts.New(e.db).CreateUser(ctx, accounts.NewUser{TenantID: &tenantID, Username: "exporter", Role: accounts.RoleAdmin, Password: "correct-horse-1"})
	must(t, err)

	cases := []struct {
		name        string
		otherTenant bool // the table is asked for in another tenant
		req         ExportRequest
		wantCode    apperr.Code // "" for success
		audited     map[string]any
		userID      *int64
	}{
		{name: "masked", req: ExportRequest{Format: "xlsx", Actor: Actor{UserID: &u.ID}}},
		{name: "masked without the permission", req: ExportRequest{Actor: Actor{APIKey: "sp_abcdef"}}},
		{name: "revealed without the permission", req: ExportRequest{Reveal: true, Actor: Actor{UserID: &u.ID}}, wantCode: apperr.Forbidden},
		{name: "unknown format", req: ExportRequest{Format: "xls", Reveal: true, Actor: Actor{UserID: &u.ID, CanReveal: true}}, wantCode: apperr.Invalid},
		{name: "another tenant's table", otherTenant: true, req: ExportRequest{Reveal: true, Actor: Actor{UserID: &u.ID, CanReveal: true}}, wantCode: apperr.NotFound},
		{name: "revealed by a user", req: ExportRequest{Format: "CSV", Reveal: true, Actor: Actor{UserID: &u.ID, CanReveal: true}},
			audited: map[string]any{"table": e.table.Name, "format": "csv"}, userID: &u.ID},
		{name: "revealed by an API key", req: ExportRequest{Format: "xlsx", Reveal: true, Actor: Actor{APIKey: "sp_abcdef", CanReveal: true}},
			audited: map[string]any{"table": e.table.Name, "format": "xlsx", "apiKey": "sp_abcdef"}},
		{name: "revealed from the CLI", req: ExportRequest{Reveal: true, Actor: Actor{Via: "cli", CanReveal: true}},
			audited: map[string]any{"table": e.table.Name, "format": "csv", "via": "cli"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := exportAudits(t, e)
			req := tc.req
			req.TenantID, req.TableID = e.tenant, e.table.ID
			if tc.otherTenant {
				req.TenantID = e.tenant + 1_000_000
			}
			x, err := e.s.PrepareExport(ctx, req)
			if tc.wantCode != "" {
				if !apperr.Is(err, tc.wantCode) {
					t.Fatalf("err %v, want %s", err, tc.wantCode)
				}
			} else {
				must(t, err)
				var buf bytes.Buffer
				n, err := x.Write(ctx, &buf)
				must(t, err)
				if n != 1 || x.TableName != e.table.Name {
					t.Fatalf("exported %d records of %q", n, x.TableName)
				}
				if revealed := strings.Contains(buf.String(), "张三丰"); req.Format != "xlsx" && revealed != req.Reveal {
					t.Fatalf("reveal %v, but the file holds the name in clear: %v", req.Reveal, revealed)
				}
			}
			after := exportAudits(t, e)
			if tc.audited == nil {
				if len(after) != len(before) {
					t.Fatalf("%d audit entries written, want none", len(after)-len(before))
				}
				return
			}
			if len(after) != len(before)+1 {
				t.Fatalf("%d audit entries written, want 1", len(after)-len(before))
			}
			got := after[0]
			if fmt.Sprint(got.Detail) != fmt.Sprint(tc.audited) || got.Target != fmt.Sprintf("table:%d", e.table.ID) ||
				fmt.Sprint(deref(got.UserID)) != fmt.Sprint(deref(tc.userID)) {
				t.Fatalf("audit entry %+v (user %v), want detail %v by user %v", got, deref(got.UserID), tc.audited, deref(tc.userID))
			}
		})
	}
}

func exportAudits(t *testing.T, e *jobEnv) []audit.Entry {
	t.Helper()
	es, err := audit.List(context.Background(), e.db, e.tenant, "data.export_reveal", 100)
	must(t, err)
	return es
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
