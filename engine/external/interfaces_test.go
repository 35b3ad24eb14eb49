package external_test

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/external"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
)

func TestInterfaceRegistry(t *testing.T) {
	eng := newEngine(t)
	x := eng.External
	name := uniq("CRM ")
	it, err := x.Create(ctx, external.Input{Name: "  " + name + " ", URL: "https://crm.example.com/rest/v1/queryCustomer",
		Headers: map[string]string{"Authorization": "Bearer s3cret-token", "X-Tenant": "acme"}})
	if err != nil {
		t.Fatal(err)
	}
	if it.Name != name || it.TimeoutMS != 3000 || it.Retries != 0 || it.AllowHTTP || !slices.Equal(it.HeaderNames, []string{"Authorization", "X-Tenant"}) {
		t.Errorf("created %+v", it)
	}

	// Sealed at rest: the secret is in no column of the row.
	var raw []byte
	if err := eng.DB.NewRaw("SELECT convert_to(t::text, 'UTF8') FROM external_interfaces AS t WHERE id = ?", it.ID).Scan(ctx, &raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("s3cret-token")) || bytes.Contains(raw, []byte("acme")) {
		t.Fatalf("a header value is stored in clear: %s", raw)
	}
	got, _ := x.Get(ctx, it.ID)
	h, err := x.Headers(got)
	if err != nil || h["Authorization"] != "Bearer s3cret-token" || h["X-Tenant"] != "acme" {
		t.Fatalf("headers %v %v", h, err)
	}

	// Update: KeepValue keeps a stored value, other values replace, missing names go.
	it, err = x.Update(ctx, it.ID, external.Input{Name: name, URL: "https://crm.example.com/v2", TimeoutMS: 1500, Retries: 2,
		Headers: map[string]string{"authorization": external.KeepValue, "X-New": "n"}})
	if err != nil {
		t.Fatal(err)
	}
	h, _ = x.Headers(it)
	if len(h) != 2 || h["authorization"] != "Bearer s3cret-token" || h["X-New"] != "n" || it.TimeoutMS != 1500 || it.Retries != 2 {
		t.Fatalf("after update: %v %+v", h, it)
	}
	// nil headers keep them all.
	it, err = x.Update(ctx, it.ID, external.Input{Name: name, URL: "https://crm.example.com/v2"})
	if h2, _ := x.Headers(it); err != nil || len(h2) != 2 || it.TimeoutMS != 3000 {
		t.Fatalf("nil headers: %v %v %+v", h2, err, it)
	}
	// An empty map clears them.
	it, _ = x.Update(ctx, it.ID, external.Input{Name: name, URL: "https://crm.example.com/v2", Headers: map[string]string{}})
	if h3, _ := x.Headers(it); len(h3) != 0 || len(it.HeaderNames) != 0 || it.HeadersSealed != nil {
		t.Fatalf("cleared: %v %+v", h3, it)
	}

	// Same name: a conflict on the name field.
	if _, err := x.Create(ctx, external.Input{Name: name, URL: "https://a.example.com/"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("duplicate name: %v", err)
	}
	if err := x.Delete(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Get(ctx, it.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := x.Delete(ctx, it.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func TestInterfaceValidation(t *testing.T) {
	eng := newEngine(t)
	many := map[string]string{}
	for i := range 21 {
		many["X-H"+strings.Repeat("a", i)] = "v"
	}
	tests := []struct {
		name  string
		in    external.Input
		field string
		want  string
	}{
		{"name required", external.Input{URL: "https://a.example.com/"}, "name", "required"},
		{"name too long", external.Input{Name: strings.Repeat("名", 129), URL: "https://a.example.com/"}, "name", "At most 128"},
		{"url required", external.Input{Name: "x"}, "url", "required"},
		{"http refused", external.Input{Name: "x", URL: "http://crm.example.com/"}, "url", "Use https, or allow plain http"},
		{"http allowed", external.Input{Name: uniq("x"), URL: "http://crm.example.com/", AllowHTTP: true}, "", ""},
		{"ftp", external.Input{Name: "x", URL: "ftp://crm.example.com/"}, "url", "must start with https://"},
		{"credentials in URL", external.Input{Name: "x", URL: "https://u:p@crm.example.com/"}, "url", "credentials in the URL"},
		{"decimal IP", external.Input{Name: "x", URL: "https://2130706433/"}, "url", "neither a name nor a standard IP"},
		{"timeout too long", external.Input{Name: "x", URL: "https://a.example.com/", TimeoutMS: 10001}, "timeoutMs", "from 100 to 10"},
		{"timeout too short", external.Input{Name: "x", URL: "https://a.example.com/", TimeoutMS: 50}, "timeoutMs", "from 100 to 10"},
		{"retries", external.Input{Name: "x", URL: "https://a.example.com/", Retries: 3}, "retries", "from 0 to 2"},
		{"reserved header", external.Input{Name: "x", URL: "https://a.example.com/", Headers: map[string]string{"content-type": "text/plain"}}, "headers", "set by screenpop"},
		{"bad header name", external.Input{Name: "x", URL: "https://a.example.com/", Headers: map[string]string{"X Bad": "v"}}, "headers", "not a valid header name"},
		{"header injection", external.Input{Name: "x", URL: "https://a.example.com/", Headers: map[string]string{"X-T": "a\r\nB: c"}}, "headers", "line break"},
		{"too many headers", external.Input{Name: "x", URL: "https://a.example.com/", Headers: many}, "headers", "At most 20"},
		{"keep without stored value", external.Input{Name: "x", URL: "https://a.example.com/", Headers: map[string]string{"X-T": external.KeepValue}}, "headers", "no stored value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eng.External.Create(ctx, tt.in)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err %v, want invalid", err)
			}
			wantField(t, err, tt.field, tt.want)
		})
	}
}

// A sealed header copied onto another interface's row does not open: the
// interface id is the associated data.
func TestSealedHeadersBoundToInterface(t *testing.T) {
	eng := newEngine(t)
	a := iface(t, eng, "https://a.example.com/", 0)
	b, err := eng.External.Create(ctx, external.Input{Name: uniq("b"), URL: "https://b.example.com/", Headers: map[string]string{"X-Other": "o"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.DB.NewRaw("UPDATE external_interfaces SET headers_sealed = (SELECT headers_sealed FROM external_interfaces WHERE id = ?) WHERE id = ?", a.ID, b.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ = eng.External.Get(ctx, b.ID)
	if _, err := eng.External.Headers(b); err == nil {
		t.Fatal("a ciphertext moved to another interface opened")
	}
}

func TestGrants(t *testing.T) {
	eng := newEngine(t)
	t1, t2, t3 := tenant(t, eng), tenant(t, eng), tenant(t, eng)
	it := iface(t, eng, "https://a.example.com/", 0, t1, t2, t2)
	other := iface(t, eng, "https://b.example.com/", 0, t2)
	got, _ := eng.External.Get(ctx, it.ID)
	if !slices.Equal(got.TenantIDs, []int64{t1, t2}) {
		t.Errorf("grants %v", got.TenantIDs)
	}
	if !eng.External.Granted(ctx, t1, it.ID) || eng.External.Granted(ctx, t3, it.ID) || eng.External.Granted(ctx, t1, other.ID) {
		t.Error("Granted")
	}
	gs, err := eng.External.ForTenant(ctx, t2)
	if err != nil || len(gs) != 2 {
		t.Fatalf("for tenant: %+v %v", gs, err)
	}
	// Replacing: t1 loses it, t3 gains it.
	if err := eng.External.SetGrants(ctx, it.ID, []int64{t2, t3}); err != nil {
		t.Fatal(err)
	}
	if eng.External.Granted(ctx, t1, it.ID) || !eng.External.Granted(ctx, t3, it.ID) {
		t.Error("after regrant")
	}
	if err := eng.External.SetGrants(ctx, it.ID, []int64{t2, 999999999}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("unknown tenant: %v", err)
	}
	if !eng.External.Granted(ctx, t2, it.ID) {
		t.Error("a refused SetGrants must change nothing")
	}
	if err := eng.External.SetGrants(ctx, it.ID, nil); err != nil || eng.External.Granted(ctx, t2, it.ID) {
		t.Errorf("revoke all: %v", err)
	}
	// Page validation asks the registry (engine.New wires the connector
	// into pages).
	if err := eng.External.SetGrants(ctx, it.ID, []int64{t2}); err != nil {
		t.Fatal(err)
	}
	external := pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal, ExternalInterfaceID: it.ID}
	for tenant, granted := range map[int64]bool{t2: true, t1: false} {
		p, err := eng.Pages.CreatePage(ctx, tenant, uniq("p"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Pages.SaveDraft(ctx, tenant, p.ID, external, p.DraftRevision); (err == nil) != granted {
			t.Errorf("a page over the interface for tenant %d (granted %v): %v", tenant, granted, err)
		}
	}
}

func TestAllowPrefixes(t *testing.T) {
	for raw, want := range map[string]string{
		"10.20.0.0/16":           "10.20.0.0/16",
		" 10.20.3.4/16 ":         "10.20.0.0/16",
		"192.168.1.7":            "192.168.1.7/32",
		"::ffff:192.168.1.0/120": "192.168.1.0/24",
		"fd00::/8":               "fd00::/8",
		"fc00::/7":               "fc00::/7",
	} {
		p, err := external.ParsePrefix(raw)
		if err != nil || p.String() != want {
			t.Errorf("ParsePrefix(%q) = %v, %v; want %s", raw, p, err, want)
		}
	}
	for raw, want := range map[string]string{
		"nonsense":         "Enter a range",
		"10.0.0.0/33":      "Enter a range",
		"0.0.0.0/0":        "too wide",
		"::/0":             "too wide",
		"127.0.0.0/8":      "overlaps 127.0.0.0/8",
		"127.0.0.1":        "overlaps 127.0.0.0/8",
		"169.254.169.254":  "overlaps 169.254.0.0/16",
		"::1":              "overlaps ::1/128",
		"fe80::/16":        "overlaps fe80::/10",
		"0.0.0.0/32":       "overlaps 0.0.0.0/8",
		"fe80::1%eth0/128": "Enter a range",
	} {
		_, err := external.ParsePrefix(raw)
		wantField(t, err, "prefix", want)
	}

	eng := newEngine(t)
	x := eng.External
	if _, err := x.AddAllow(ctx, "10.20.0.0/16", "CRM 内网"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.AddAllow(ctx, "10.20.1.0/16", ""); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("the same range twice: %v", err)
	}
	// The connector's guard has it at once.
	if !slices.Contains(x.Client().AllowPrefixes(), netip.MustParsePrefix("10.20.0.0/16")) {
		t.Errorf("client allow-list %v", x.Client().AllowPrefixes())
	}
	list, _ := x.AllowList(ctx)
	if len(list) != 1 || list[0].Description != "CRM 内网" {
		t.Errorf("list %+v", list)
	}
	if err := x.RemoveAllow(ctx, "10.20.0.0/16"); err != nil {
		t.Fatal(err)
	}
	if len(x.Client().AllowPrefixes()) != 0 {
		t.Errorf("after remove: %v", x.Client().AllowPrefixes())
	}
	if err := x.RemoveAllow(ctx, "10.20.0.0/16"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("remove twice: %v", err)
	}
}
