package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/web"
)

// Every operation the server documents (and so serves) comes from the
// route table, so every one has the table's role check and error path;
// each is in the table once, with someone allowed to call it.
func TestEveryOperationIsInTheRouteTable(t *testing.T) {
	e := newEnv(t)
	resp, out := e.api(http.MethodGet, "/api/v1/openapi.json", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %d", resp.StatusCode)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(out["_body"].(string)), &doc); err != nil {
		t.Fatal(err)
	}
	inTable := map[string]bool{}
	for _, r := range web.APIRouteTable() {
		f := strings.Fields(r)
		if len(f) != 4 {
			t.Errorf("%q: no roles", r)
			continue
		}
		op := f[0] + " " + f[1] + " " + f[2]
		if inTable[op] {
			t.Errorf("%s is twice in the table", op)
		}
		inTable[op] = true
	}
	documented := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented++
			if key := strings.ToUpper(method) + " " + path + " " + op.OperationID; !inTable[key] {
				t.Errorf("%s is served but not in the route table", key)
			}
		}
	}
	if documented != len(inTable) || documented != 74 {
		t.Errorf("%d operations documented, %d in the table, want 74", documented, len(inTable))
	}
}
