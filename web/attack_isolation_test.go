package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/pops"
)

// POST /users with another tenant's user name says nothing about the other
// tenant: not "taken", the answer of a name that cannot be used. The own
// tenant's names are still "taken".
func TestAttackUsernameProbe(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(), e.tenant()
	tally := newAttackTally(t, "isolation")
	create := func(username string) (int, string) {
		resp, out := e.api("POST", "/api/v1/users", a.APIKey, map[string]any{"username": username, "role": "agent", "password": "long-enough-1"})
		return resp.StatusCode, out["_body"].(string)
	}
	for _, other := range []string{b.Admin.Username, b.Agent.Username} {
		status, body := create(other)
		if !tally.record(status == http.StatusUnprocessableEntity && !strings.Contains(body, "taken") && strings.Contains(body, "cannot be used")) {
			t.Errorf("another tenant's name %q: %d %s", other, status, body)
		}
	}
	if status, body := create(a.Agent.Username); status != http.StatusConflict || !strings.Contains(body, "taken") {
		t.Errorf("own tenant's name: %d %s", status, body)
	}
}

// victim is a tenant filled through every feature that has ids, with the
// ids by kind and canary values that must never reach another tenant.
type victim struct {
	f      tenantFixture
	ids    map[string]int64 // kind → id
	callID string
	canary []string
	allIDs []int64
}

func (e *env) fillVictim(t *testing.T) *victim {
	t.Helper()
	ctx := context.Background()
	f := e.tenant()
	v := &victim{f: f, ids: map[string]int64{}, callID: "call-" + f.Tenant.Slug + "-canary"}
	tb := e.customerTable(f.Tenant.ID)
	rec, err := e.eng.Tables.CreateRecord(ctx, f.Tenant.ID, tb.ID, map[string]string{"手机号": "13912340000", "姓名": "金丝雀甲", "证件号": "110101199001019999"})
	if err != nil {
		t.Fatal(err)
	}
	resp, out := e.upload(f.APIKey, tb.ID, "名单.csv", []byte(customerCSV("13912340001,金丝雀乙,,")), nil)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("victim import: %d %s", resp.StatusCode, out["_body"])
	}
	page := e.publishedPage(f.Tenant.ID, tb)
	pop, err := e.eng.Pops.CreateConfig(ctx, f.Tenant.ID, pops.ConfigInput{MediaType: "audio", Name: "金丝雀弹屏", PageType: "internal",
		PageID: page.ID, OpenMode: "embed", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := e.eng.Accounts.ListAPIKeys(ctx, f.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Calls.Record(ctx, f.Tenant.ID, calls.EventInput{Event: "Ringing", WorkNo: "9001",
		CallData: map[string]string{"callerNum": "13912340000", "callid": v.callID}}, "api"); err != nil {
		t.Fatal(err)
	}
	v.ids = map[string]int64{
		"table": tb.ID, "record": rec.ID, "field": tb.FieldByName("姓名").ID, "page": page.ID, "pop": pop.ID,
		"import": int64(out["job"].(map[string]any)["id"].(float64)), "key": keys[0].ID, "user": f.Agent.ID, "admin": f.Admin.ID,
	}
	for _, id := range v.ids {
		v.allIDs = append(v.allIDs, id)
	}
	if _, err := e.eng.Calls.Verify(ctx, f.Tenant.ID, v.callID, calls.VerifyInput{VerifyTypeCode: "face", VerifyResult: 1, VerifyReturn1: "金丝雀验证码"}); err != nil {
		t.Fatal(err)
	}
	// The call id is not among them: a route taking a call id echoes the
	// caller's own input.
	v.canary = []string{f.Admin.Username, f.Agent.Username, "金丝雀甲", "金丝雀乙", "金丝雀弹屏", "金丝雀验证码", "13912340000", "110101199001019999", keys[0].Prefix}
	return v
}

// ghost is a victim whose every id and name exists nowhere: what a route
// answers for it is what it must answer for another tenant's ids.
func (v *victim) ghost() *victim {
	g := &victim{f: v.f, ids: map[string]int64{}, callID: v.callID, allIDs: []int64{999999999}}
	g.f.Tenant = &accounts.Tenant{Slug: "no-such-tenant"}
	for k := range v.ids {
		g.ids[k] = 999999999
	}
	return g
}

// idKind resolves a path parameter to the kind of id it holds: by its
// name, else (for a bare "id") by the path segment before it. "" means
// unknown: the matrix then tries every id of the victim.
func idKind(segments []string, i int, param string) string {
	byName := map[string]string{"tableId": "table", "recordId": "record", "fieldId": "field", "pageId": "page", "popId": "pop",
		"importId": "import", "jobId": "import", "rid": "record", "fid": "field", "jid": "import", "page": "page"}
	if k, ok := byName[param]; ok {
		return k
	}
	if i > 0 {
		switch segments[i-1] {
		case "users":
			return "user"
		case "api-keys", "apikeys":
			return "key"
		case "tables", "data":
			return "table"
		case "pages":
			return "page"
		case "pops":
			return "pop"
		}
	}
	return ""
}

// TestAttackTenantIsolationMatrix calls every route with an id, from the
// OpenAPI document (with tenant A's API key) and from the route table
// (with A's admin session), with tenant B's ids: each must answer 404 and
// no response may hold any of B's values. A new route is covered without
// writing a line; a parameter the resolver does not know is tried with
// every id of B.
func TestAttackTenantIsolationMatrix(t *testing.T) {
	e := newEnv(t)
	a := e.tenant()
	b := e.fillVictim(t)
	tally := newAttackTally(t, "isolation")
	ghost := b.ghost()
	// A route refuses B's ids when it answers exactly as for ids that exist
	// nowhere (404; or the refusal of a role-gated or malformed request,
	// which comes before any lookup), and no response holds B's values.
	// Routes whose only parameter is a call id (the platform's, not ours)
	// must just show nothing of B.
	check := func(t *testing.T, via, method, path string, status, baseline int, body string) {
		t.Helper()
		leak := ""
		for _, c := range b.canary {
			if strings.Contains(body, c) {
				leak = c
			}
		}
		// The pop runtime is public by design (platforms call it; a tenant's
		// slug and page ids are in its URLs) and authorises each request
		// itself: a foreign session gets a refusal (or the public sign-in
		// form), never data.
		public := strings.Contains(path, b.callID) || strings.HasPrefix(path, "/pop/") &&
			(status/100 != 2 || strings.HasSuffix(path, "/login"))
		ok := leak == "" && (public || status == baseline && status/100 != 2)
		if !tally.record(ok) {
			t.Errorf("%s %s %s: status %d (nonexistent ids: %d), leak %q: %.300s", via, method, path, status, baseline, leak, body)
		}
	}

	// By API key, from the OpenAPI document.
	_, doc := e.api("GET", "/api/v1/openapi.json", "", nil)
	spec := openAPI{}
	if err := json.Unmarshal([]byte(doc["_body"].(string)), &spec); err != nil {
		t.Fatal(err)
	}
	for path, ops := range spec.Paths {
		for method, op := range ops {
			if !strings.Contains(path, "{") {
				continue
			}
			body := spec.example(op.RequestBody)
			m := strings.ToUpper(method)
			base, _ := e.api(m, "/api/v1"+ghost.expand(path, "{", "}")[0], a.APIKey, body)
			for _, concrete := range b.expand(path, "{", "}") {
				resp, out := e.api(m, "/api/v1"+concrete, a.APIKey, body)
				check(t, "key", m, concrete, resp.StatusCode, base.StatusCode, out["_body"].(string))
			}
		}
	}

	// By session, from the route table (UI and API alike).
	br := e.browser()
	br.login(a.Admin.Username, a.Password)
	br.get("/admin/settings")
	seen := map[string]bool{}
	for _, r := range e.app.GetRoutes(true) {
		if !strings.Contains(r.Path, ":") || strings.HasPrefix(r.Path, "/operator/") || seen[r.Method+r.Path] {
			continue
		}
		if r.Method != "GET" && r.Method != "POST" && r.Method != "PATCH" && r.Method != "PUT" && r.Method != "DELETE" {
			continue
		}
		seen[r.Method+r.Path] = true
		if strings.Contains(r.Path, "/help/") { // a dialect name, not an id
			continue
		}
		request := func(concrete string) *http.Request {
			var req *http.Request
			if strings.HasPrefix(concrete, "/api/") {
				req = httptest.NewRequest(r.Method, concrete, strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", br.csrf)
			} else {
				form := url.Values{"_csrf": {br.csrf}, "field": {fmt.Sprint(b.ids["field"])}}
				req = httptest.NewRequest(r.Method, concrete, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return req
		}
		base, _ := br.do(request(ghost.expand(r.Path, ":", "")[0]))
		for _, concrete := range b.expand(r.Path, ":", "") {
			resp, body := br.do(request(concrete))
			check(t, "session", r.Method, concrete, resp.StatusCode, base.StatusCode, body)
		}
	}
}

// expand substitutes the victim's ids into a path template whose
// parameters are written open…close ("{id}") or open-only (":id").
func (v *victim) expand(path, open, close string) []string {
	segments := strings.Split(path, "/")
	out := []string{""}
	for i, s := range segments {
		if i == 0 {
			continue
		}
		var values []string
		if strings.HasPrefix(s, open) {
			param := strings.TrimSuffix(strings.TrimPrefix(s, open), close)
			param = strings.TrimSuffix(param, "?")
			switch kind := idKind(segments, i, param); {
			case param == "tenant":
				values = []string{v.f.Tenant.Slug}
			case param == "callid":
				values = []string{v.callID}
			case param == "action":
				values = []string{"enable", "disable", "delete", "move"}
			case param == "dialect":
				values = []string{"sobot"}
			case kind != "":
				values = []string{fmt.Sprint(v.ids[kind])}
			default:
				for _, id := range v.allIDs {
					values = append(values, fmt.Sprint(id))
				}
			}
		} else {
			values = []string{s}
		}
		var next []string
		for _, prefix := range out {
			for _, val := range values {
				next = append(next, prefix+"/"+val)
			}
		}
		out = next
	}
	return out
}

// openAPI is what the matrix reads of the OpenAPI document.
type openAPI struct {
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	RequestBody *struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

type schema struct {
	Ref        string             `json:"$ref"`
	Type       any                `json:"type"`
	Properties map[string]*schema `json:"properties"`
	Required   []string           `json:"required"`
	Enum       []any              `json:"enum"`
	MinLength  int                `json:"minLength"`
	Minimum    *float64           `json:"minimum"`
	Items      *schema            `json:"items"`
}

// example builds a body that passes the schema (required members only),
// so that a route answers about the ids, not about a malformed body.
func (o openAPI) example(rb *struct {
	Content map[string]struct {
		Schema *schema `json:"schema"`
	} `json:"content"`
}) any {
	if rb == nil {
		return nil
	}
	c, ok := rb.Content["application/json"]
	if !ok || c.Schema == nil {
		return nil
	}
	return o.value(c.Schema, 0)
}

func (o openAPI) value(s *schema, depth int) any {
	if s == nil || depth > 6 {
		return nil
	}
	if s.Ref != "" {
		return o.value(o.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")], depth+1)
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	typ, _ := s.Type.(string)
	if types, ok := s.Type.([]any); ok && len(types) > 0 {
		typ, _ = types[0].(string)
	}
	switch typ {
	case "object":
		m := map[string]any{}
		for _, r := range s.Required {
			if r == "$schema" {
				continue
			}
			m[r] = o.value(s.Properties[r], depth+1)
		}
		return m
	case "array":
		return []any{}
	case "string":
		return strings.Repeat("x", max(s.MinLength, 1))
	case "integer", "number":
		if s.Minimum != nil {
			return *s.Minimum
		}
		return 1
	case "boolean":
		return false
	}
	return nil
}
