package querycustomer_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/screenpop/screenpop/engine/querycustomer"
)

func TestPostJSON(t *testing.T) {
	var got map[string]string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json; charset=UTF-8" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		if got["calledNum"] == "fail" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	loop := netip.MustParsePrefix("127.0.0.0/8")
	c := querycustomer.NewClientForTests(querycustomer.Options{}, loop)
	c.TrustForTests(srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs)
	ctx := context.Background()

	if err := c.PostJSON(ctx, srv.URL+"/out", map[string]string{"calledNum": "13800138000"}); err != nil || got["calledNum"] != "13800138000" {
		t.Fatalf("delivery: %v, got %v", err, got)
	}
	tests := []struct {
		name, url string
		body      map[string]string
		kind      querycustomer.ErrorKind
	}{
		{"http refused", "http://example.com/x", nil, querycustomer.KindBadURL},
		{"error status", srv.URL + "/out", map[string]string{"calledNum": "fail"}, querycustomer.KindHTTPStatus},
	}
	for _, tt := range tests {
		err := c.PostJSON(ctx, tt.url, tt.body)
		var qe *querycustomer.Error
		if !errors.As(err, &qe) || qe.Kind != tt.kind {
			t.Errorf("%s: %v, want kind %s", tt.name, err, tt.kind)
		}
	}
	// Without the test allowance, loopback is refused at dial time.
	plain := querycustomer.NewClient(querycustomer.Options{})
	err := plain.PostJSON(ctx, srv.URL+"/out", map[string]string{"calledNum": "1"})
	var qe *querycustomer.Error
	if !errors.As(err, &qe) || qe.Kind != querycustomer.KindRefusedAddress {
		t.Fatalf("loopback webhook: %v", err)
	}
}
