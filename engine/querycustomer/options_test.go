package querycustomer_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	qc "github.com/screenpop/screenpop/engine/querycustomer"
)

// AllowLoopback is the CLI's --allow-private: loopback opens, and only
// loopback; unspecified, link-local and private addresses stay as they are.
func TestAllowLoopback(t *testing.T) {
	v4 := newServer(t, false, reply("[]"))
	_, port, _ := net.SplitHostPort(v4.Listener.Addr().String())
	c := qc.NewClient(qc.Options{AllowLoopback: true})
	t.Cleanup(c.CloseIdleConnections)
	urls := []string{"http://127.0.0.1:" + port, "http://localhost:" + port, "http://[::ffff:127.0.0.1]:" + port}
	if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		s := httptest.NewUnstartedServer(reply("[]"))
		s.Listener = l
		s.Start()
		t.Cleanup(s.Close)
		urls = append(urls, s.URL)
	}
	for _, u := range urls {
		if _, err := c.Query(context.Background(), qc.Endpoint{URL: u, AllowHTTP: true}, "p"); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	before := v4.conns.Load()
	if _, err := c.Query(context.Background(), qc.Endpoint{URL: "http://0.0.0.0:" + port, AllowHTTP: true}, "p"); kindOf(err) != qc.KindRefusedAddress {
		t.Errorf("0.0.0.0: %v", err)
	}
	if v4.conns.Load() != before {
		t.Error("0.0.0.0 reached the server")
	}
	for _, addr := range []string{"169.254.169.254:80", "10.0.0.1:443", "[fe80::1]:80", "0.0.0.0:80"} {
		if err := c.CheckAddressForTests("tcp", addr); err == nil {
			t.Errorf("%s allowed with AllowLoopback", addr)
		}
	}
	// The default refuses loopback outright.
	if err := qc.NewClient(qc.Options{}).CheckAddressForTests("tcp4", "127.0.0.1:80"); err == nil {
		t.Error("loopback allowed by default")
	}
}

// The operator's allow-list changes while the client runs.
func TestSetAllowPrefixes(t *testing.T) {
	c := qc.NewClient(qc.Options{})
	if err := c.CheckAddressForTests("tcp4", "10.20.1.2:443"); err == nil {
		t.Fatal("private address allowed by default")
	}
	c.SetAllowPrefixes([]netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("127.0.0.0/8")})
	if err := c.CheckAddressForTests("tcp4", "10.20.1.2:443"); err != nil {
		t.Errorf("allow-listed: %v", err)
	}
	if err := c.CheckAddressForTests("tcp4", "127.0.0.1:443"); err == nil {
		t.Error("the allow-list opened loopback")
	}
	if got := c.AllowPrefixes(); len(got) != 2 {
		t.Errorf("AllowPrefixes %v", got)
	}
	c.SetAllowPrefixes(nil)
	if err := c.CheckAddressForTests("tcp4", "10.20.1.2:443"); err == nil || !strings.Contains(err.Error(), "allow-list") {
		t.Errorf("after clearing: %v", err)
	}
}

func TestCheckEndpoint(t *testing.T) {
	if err := qc.CheckEndpoint(qc.Endpoint{URL: "https://crm.example.com/rest/v1/queryCustomer"}); err != nil {
		t.Errorf("good: %v", err)
	}
	for _, ep := range []qc.Endpoint{{URL: "http://crm.example.com/"}, {URL: "https://2130706433/"}, {URL: "https://u:p@x.example.com/"}} {
		if err := qc.CheckEndpoint(ep); kindOf(err) != qc.KindBadURL {
			t.Errorf("%s: %v", ep.URL, err)
		}
	}
}

// Endpoints (screenpop's own server among them) send masked numbers
// masked: with a maskStyle, digits hidden by * still satisfy type 2.
func TestParseMaskedNumber(t *testing.T) {
	body := func(value, mask string) string {
		m := ""
		if mask != "" {
			m = `, "maskStyle": "` + mask + `"`
		}
		return `[{"objectName": "o", "values": [{"name": "卡号", "value": "` + value + `", "type": "2", "isMandatory": false` + m + `}]}]`
	}
	if rep := mustParse(t, body("***************0123", "1")); !rep.Conforms() {
		t.Errorf("masked number: %v", rep.Violations)
	}
	if rep := mustParse(t, body("***************0123", "")); rep.Conforms() {
		t.Error("stars without a maskStyle are not a number")
	}
	if rep := mustParse(t, body("12a4", "1")); rep.Conforms() {
		t.Error("letters are not a number, masked or not")
	}
}

// isDecimal (per value, no regexp) accepts exactly what the grammar says.
func TestIsDecimal(t *testing.T) {
	re := regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)
	for _, s := range []string{"", "1", "-1", "+1.", ".5", "1.5e3", "1E+3", "1e", "e3", ".", "+", "-.", "1..2", "1.2.3", "12a",
		"١٢", "0x10", "Inf", "NaN", "1_000", " 1", "1 ", "00012", "1e-0", "-0.0e+00", "1,200", "2", "10", "2.5"} {
		rep := mustParse(t, `[{"objectName": "o", "values": [{"name": "n", "value": "`+s+`", "type": "2", "isMandatory": false}]}]`)
		want := re.MatchString(strings.TrimSpace(s)) || s == "" // padded numbers were always accepted
		if got := rep.Conforms(); got != want {
			t.Errorf("%q: conforms %v, want %v (%v)", s, got, want, rep.Violations)
		}
	}
}

// The address guard table of the acceptance criteria, with the client the
// server runs (no test hatch): each target is refused before any connection
// is made — at dial time, after DNS, or for the decimal form before
// resolving at all — and the operator's allow-list does not open them,
// while it does open a private range it lists.
func TestAddressGuardAcceptanceTable(t *testing.T) {
	var reached atomic.Int64
	target := newServer(t, false, func(w http.ResponseWriter, r *http.Request) { reached.Add(1); reply("[]")(w, r) })
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	redirector := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+port+"/internal", http.StatusFound)
	})
	everything := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("10.0.0.0/8"),
	}
	for _, c := range []*qc.Client{qc.NewClient(qc.Options{}), qc.NewClient(qc.Options{AllowPrefixes: everything})} {
		for _, tt := range []struct {
			url  string
			kind qc.ErrorKind
		}{
			{"http://127.0.0.1:" + port, qc.KindRefusedAddress},
			{"http://[::1]:" + port, qc.KindRefusedAddress},
			{"http://[::ffff:127.0.0.1]:" + port, qc.KindRefusedAddress},
			{"http://2130706433:" + port, qc.KindBadURL}, // 127.0.0.1 to inet_aton: refused before resolving
			{"http://0.0.0.0:" + port, qc.KindRefusedAddress},
			{"http://169.254.169.254/latest/meta-data/", qc.KindRefusedAddress},
			{"http://localhost:" + port, qc.KindRefusedAddress}, // a name resolving to loopback
		} {
			_, err := c.Query(context.Background(), qc.Endpoint{URL: tt.url, AllowHTTP: true, Timeout: time.Second}, "p")
			if k := kindOf(err); k != tt.kind {
				t.Errorf("%s: %v, want %s", tt.url, err, tt.kind)
			}
		}
		// A redirect to an internal address: refused, whatever the list.
		if _, err := c.Query(context.Background(), qc.Endpoint{URL: redirector.URL, AllowHTTP: true}, "p"); kindOf(err) == "" {
			t.Error("redirect to loopback followed")
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the target was reached %d times", n)
	}
	if target.conns.Load() != 0 {
		t.Errorf("the target accepted %d connections", target.conns.Load())
	}
	// What the allow-list is for: a private range it lists.
	if err := qc.NewClient(qc.Options{AllowPrefixes: everything}).CheckAddressForTests("tcp4", "10.1.2.3:443"); err != nil {
		t.Errorf("allow-listed private address: %v", err)
	}
	if err := qc.NewClient(qc.Options{}).CheckAddressForTests("tcp4", "10.1.2.3:443"); err == nil {
		t.Error("private address allowed without the allow-list")
	}
}

// The client speaks HTTP/1.1 over a pool of keep-alive connections, also to
// endpoints that offer HTTP/2 (see Client and BenchmarkQueryOverhead).
func TestHTTP1Only(t *testing.T) {
	var proto atomic.Value
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		reply("[]")(w, r)
	}))
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(s.Close)
	c := qc.NewClientForTests(qc.Options{}, qc.Loopback...)
	c.TrustForTests(s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs)
	if _, err := c.Query(context.Background(), qc.Endpoint{URL: s.URL}, "p"); err != nil {
		t.Fatal(err)
	}
	if p := proto.Load(); p != "HTTP/1.1" {
		t.Errorf("protocol %v", p)
	}
}
