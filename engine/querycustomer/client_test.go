package querycustomer_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	qc "github.com/screenpop/screenpop/engine/querycustomer"
)

const goodReply = `[{"objectName": "客户信息", "values": [
  {"valueNo": "1", "name": "姓名", "value": "张三", "type": "1", "length": "32", "isMandatory": true, "maskStyle": "2"},
  {"valueNo": "2", "name": "付费方式", "value": "1", "type": "5", "isMandatory": true,
   "dictItems": [{"key": "1", "value": "预付费"}, {"key": "2", "value": "后付费"}]}]}]`

// server is an httptest server that counts the connections it accepted, so
// a test can prove that a refused query never reached it.
type server struct {
	*httptest.Server
	conns atomic.Int64
}

// newServer starts a test endpoint; configure, if given, adjusts its
// http.Server before it starts.
func newServer(t *testing.T, tls bool, h http.HandlerFunc, configure ...func(*http.Server)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(h)
	for _, c := range configure {
		c(s.Config)
	}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	if tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// testClient may dial loopback through the test hatch and trusts s's
// certificate when s is a TLS server.
func testClient(t *testing.T, s *server, opts qc.Options) *qc.Client {
	t.Helper()
	c := qc.NewClientForTests(opts, qc.Loopback...)
	if s != nil && s.Certificate() != nil {
		pool := x509.NewCertPool()
		pool.AddCert(s.Certificate())
		c.TrustForTests(pool)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// hang answers nothing until the client goes away. It reads the request
// body first: net/http notices a closed connection only once the body has
// been consumed.
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func reply(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		io.WriteString(w, body)
	}
}

func kindOf(err error) qc.ErrorKind {
	var qe *qc.Error
	if errors.As(err, &qe) {
		return qe.Kind
	}
	if err != nil {
		return "not an *Error: " + qc.ErrorKind(err.Error())
	}
	return ""
}

func TestQueryRequestShape(t *testing.T) {
	type seen struct {
		method, path, ctype, auth, ua, accept string
		body                                  []byte
	}
	got := make(chan seen, 1)
	s := newServer(t, true, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.UserAgent(), r.Header.Get("Accept"), b}
		reply(goodReply)(w, r)
	})
	c := testClient(t, s, qc.Options{})
	res, err := c.Query(context.Background(), qc.Endpoint{
		URL: s.URL + qc.DefaultPath,
		// Content-Type is the client's: an endpoint setting cannot change it.
		Headers: map[string]string{"Authorization": "Bearer t0k", "Content-Type": "text/plain"},
	}, `152****1028"<&>`)
	if err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.method != http.MethodPost || r.path != "/rest/v1/queryCustomer" || r.ctype != "application/json; charset=UTF-8" ||
		r.auth != "Bearer t0k" || r.ua != qc.DefaultUserAgent || r.accept != "application/json" {
		t.Errorf("request = %+v", r)
	}
	var req qc.Request
	if err := json.Unmarshal(r.body, &req); err != nil || req.Param != `152****1028"<&>` {
		t.Errorf("body %s: %v", r.body, err)
	}
	if res.Status != 200 || res.Attempts != 1 || !res.Reply.Conforms() || res.Reply.ValueCount() != 2 || string(res.Raw) != goodReply {
		t.Errorf("result = %+v", res)
	}
	if res.Duration <= 0 || res.Duration > 2*time.Second {
		t.Errorf("duration %v", res.Duration)
	}
}

func TestQuery(t *testing.T) {
	seed, err := os.ReadFile("testdata/seed_example.json")
	if err != nil {
		t.Fatal(err)
	}
	huge := "[" + strings.Repeat(`{"objectName": "x", "values": []},`, 40000) + `{"objectName": "x", "values": []}]` // ~1.4 MB
	var gzipped bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gzipped, gzip.BestSpeed)
	io.WriteString(zw, huge)
	zw.Close()
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(goodReply)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		handler    http.HandlerFunc
		ep         qc.Endpoint // URL is filled in with the server's
		opts       qc.Options
		path       string
		wantKind   qc.ErrorKind
		wantInMsg  string
		check      func(*testing.T, *qc.Result)
		maxElapsed time.Duration
	}{
		{
			name:    "correct reply",
			handler: reply(goodReply),
			check: func(t *testing.T, res *qc.Result) {
				v := res.Reply.Objects[0].Values[1]
				if !res.Reply.Conforms() || v.Text() != "预付费" {
					t.Errorf("reply %+v", res.Reply)
				}
			},
		},
		{
			name:    "the seed's sloppy example renders and reports",
			handler: reply(string(seed)),
			check: func(t *testing.T, res *qc.Result) {
				if n := res.Reply.ValueCount(); n != 2 || len(res.Reply.Violations) != 5 {
					t.Errorf("%d values, violations %s", n, fmtViolations(res.Reply.Violations))
				}
			},
		},
		{
			name:       "slow endpoint times out on time",
			handler:    hang,
			ep:         qc.Endpoint{Timeout: 300 * time.Millisecond},
			wantKind:   qc.KindTimeout,
			wantInMsg:  "within 300ms",
			maxElapsed: 300*time.Millisecond + 500*time.Millisecond,
		},
		{
			name: "slow body times out too",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `[{"objectName": "x", `)
				w.(http.Flusher).Flush()
				hang(w, r)
			},
			ep:         qc.Endpoint{Timeout: 300 * time.Millisecond},
			wantKind:   qc.KindTimeout,
			maxElapsed: 800 * time.Millisecond,
		},
		{
			name:      "huge reply is capped",
			handler:   reply(huge),
			wantKind:  qc.KindTooLarge,
			wantInMsg: "response larger than 1 MB",
		},
		{
			name: "huge chunked reply (no Content-Length) is capped while reading",
			handler: func(w http.ResponseWriter, r *http.Request) {
				for range 20 {
					io.WriteString(w, strings.Repeat(" ", 100<<10))
					w.(http.Flusher).Flush()
				}
			},
			wantKind:  qc.KindTooLarge,
			wantInMsg: "response larger than 1 MB",
			check: func(t *testing.T, res *qc.Result) {
				if len(res.Raw) != 1<<20 {
					t.Errorf("raw kept %d bytes", len(res.Raw))
				}
			},
		},
		{
			name: "a gzip bomb is capped after decompression",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gzipped.Bytes())
			},
			wantKind: qc.KindTooLarge,
		},
		{
			name:    "exactly at a custom limit passes, one byte more fails",
			handler: reply(`[]` + strings.Repeat(" ", 1022)), // 1024 bytes
			opts:    qc.Options{MaxResponseBytes: 1024},
		},
		{
			name:      "one byte over a custom limit",
			handler:   reply(`[]` + strings.Repeat(" ", 1023)),
			opts:      qc.Options{MaxResponseBytes: 1024},
			wantKind:  qc.KindTooLarge,
			wantInMsg: "response larger than 1 KB",
		},
		{
			name: "redirect to another host is refused",
			handler: func(w http.ResponseWriter, r *http.Request) {
				// localhost is the same machine but another origin.
				http.Redirect(w, r, "https://localhost"+r.Host[strings.LastIndex(r.Host, ":"):]+"/x", http.StatusTemporaryRedirect)
			},
			wantKind:  qc.KindRedirect,
			wantInMsg: "only redirects to the same scheme, host and port",
		},
		{
			name: "redirect to an internal address is refused",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
			},
			wantKind: qc.KindRedirect,
		},
		{
			name: "redirect within the origin is followed, POST body intact",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/moved" {
					http.Redirect(w, r, "/moved", http.StatusPermanentRedirect)
					return
				}
				var req qc.Request
				json.NewDecoder(r.Body).Decode(&req)
				if req.Param != "p" {
					http.Error(w, "lost body", 400)
					return
				}
				reply(goodReply)(w, r)
			},
		},
		{
			name: "redirect loop",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Path+"x", http.StatusTemporaryRedirect)
			},
			wantKind:  qc.KindRedirect,
			wantInMsg: "more than 5 redirects",
		},
		{
			name:      "non-JSON",
			handler:   reply(`<html><body>502 Bad Gateway</body></html>`),
			wantKind:  qc.KindNotJSON,
			wantInMsg: "not JSON",
			check: func(t *testing.T, res *qc.Result) {
				if res.Status != 200 || !strings.HasPrefix(string(res.Raw), "<html>") {
					t.Errorf("result %+v", res)
				}
			},
		},
		{
			name:      "wrapped array",
			handler:   reply(`{"code": "0", "data": []}`),
			wantKind:  qc.KindNotJSON,
			wantInMsg: `the array under "data"`,
		},
		{
			name:    "wrong types are reported, not fatal",
			handler: reply(`[{"objectName": "o", "values": [{"name": "n", "value": 5, "type": 2, "isMandatory": "false", "length": 10}]}]`),
			check: func(t *testing.T, res *qc.Result) {
				var rules []string
				for _, v := range res.Reply.Violations {
					rules = append(rules, v.Path)
				}
				want := "$[0].values[0].type $[0].values[0].length $[0].values[0].isMandatory"
				if got := strings.Join(rules, " "); got != want || res.Reply.ValueCount() != 1 {
					t.Errorf("violations at %s, want %s", got, want)
				}
			},
		},
		{
			name: "status 500",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "db down", http.StatusInternalServerError)
			},
			wantKind:  qc.KindHTTPStatus,
			wantInMsg: "500 Internal Server Error",
			check: func(t *testing.T, res *qc.Result) {
				if res.Status != 500 || !strings.Contains(string(res.Raw), "db down") {
					t.Errorf("result %+v", res)
				}
			},
		},
		{
			name: "GBK reply is converted and reported",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=GBK")
				io.WriteString(w, gbk)
			},
			check: func(t *testing.T, res *qc.Result) {
				if res.Reply.Objects[0].Name != "客户信息" || len(res.Reply.Violations) != 1 || res.Reply.Violations[0].Rule != qc.RuleUTF8 {
					t.Errorf("reply %+v", res.Reply)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, true, tt.handler)
			c := testClient(t, s, tt.opts)
			ep := tt.ep
			ep.URL = s.URL + qc.DefaultPath
			start := time.Now()
			res, err := c.Query(context.Background(), ep, "p")
			elapsed := time.Since(start)
			if k := kindOf(err); k != tt.wantKind {
				t.Fatalf("error %v (kind %q), want kind %q", err, k, tt.wantKind)
			}
			if tt.wantInMsg != "" && !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("error %q should mention %q", err, tt.wantInMsg)
			}
			if res == nil {
				t.Fatal("no Result")
			}
			if tt.maxElapsed > 0 && elapsed > tt.maxElapsed {
				t.Errorf("took %v, want under %v", elapsed, tt.maxElapsed)
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

func TestQueryRetries(t *testing.T) {
	// A port nobody listens on: connection refused before anything is sent,
	// so retrying is safe.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := testClient(t, nil, qc.Options{})
	res, err := c.Query(context.Background(), qc.Endpoint{URL: "http://" + addr + "/", AllowHTTP: true, Retries: 2}, "p")
	if kindOf(err) != qc.KindConnect || res == nil || res.Attempts != 3 {
		t.Errorf("err %v, result %+v: want connect after 3 attempts", err, res)
	}
	res, err = c.Query(context.Background(), qc.Endpoint{URL: "http://" + addr + "/", AllowHTTP: true, Retries: 9}, "p")
	if res == nil || res.Attempts != 1+qc.MaxRetries {
		t.Errorf("retries are capped at %d: %+v, %v", qc.MaxRetries, res, err)
	}

	// A server that received the request and dropped the connection: the
	// POST may have had effects, so it is never repeated.
	var requests atomic.Int64
	s := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	res, err = c.Query(context.Background(), qc.Endpoint{URL: s.URL, AllowHTTP: true, Retries: 2}, "p")
	if kindOf(err) != qc.KindConnect || requests.Load() != 1 || res.Attempts != 1 {
		t.Errorf("err %v, %d requests, %d attempts: want one request, not retried", err, requests.Load(), res.Attempts)
	}
}

// TestIdleConnectionClosedByServer: a server that drops keep-alive
// connections after 50 ms of idleness (as Node.js does after 5 s) closes
// the pooled connection between two queries. The second query, written on
// that dead connection, is sent again on a new one — the server never read
// it — and succeeds; a query the server did read is still never repeated
// (TestQueryRetries).
func TestIdleConnectionClosedByServer(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[useTLS], func(t *testing.T) {
			var requests atomic.Int64
			s := newServer(t, useTLS, func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				reply(goodReply)(w, r)
			}, func(c *http.Server) { c.IdleTimeout = 50 * time.Millisecond })
			c := testClient(t, s, qc.Options{})
			ep := qc.Endpoint{URL: s.URL, AllowHTTP: true}
			for i := range 3 {
				res, err := c.Query(context.Background(), ep, "p")
				if err != nil || res.Attempts != 1 {
					t.Fatalf("query %d: %v, %+v", i, err, res)
				}
				time.Sleep(200 * time.Millisecond)
			}
			if requests.Load() != 3 || s.conns.Load() != 3 {
				t.Errorf("%d requests on %d connections, want 3 on 3", requests.Load(), s.conns.Load())
			}
		})
	}
}

func TestQueryCanceled(t *testing.T) {
	s := newServer(t, true, hang)
	c := testClient(t, s, qc.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := c.Query(ctx, qc.Endpoint{URL: s.URL}, "p")
	if kindOf(err) != qc.KindCanceled {
		t.Errorf("err %v", err)
	}
}

func TestQueryTimeoutBounds(t *testing.T) {
	// An endpoint configured with a minute still gets at most MaxTimeout; a
	// zero Timeout gets the default. Both are visible in the message.
	s := newServer(t, true, hang)
	c := testClient(t, s, qc.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res, err := c.Query(ctx, qc.Endpoint{URL: s.URL, Timeout: time.Minute}, "p")
	if kindOf(err) != qc.KindTimeout || !strings.Contains(err.Error(), "within 10s") {
		t.Errorf("err %v %+v", err, res)
	}
}

// TestAddressGuard dials real listeners: each refused address has a server
// behind it that the test hatch can reach, so the refusal is the guard's, at
// dial time, and the server sees no connection at all.
func TestAddressGuard(t *testing.T) {
	var reached atomic.Int64
	h := func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		reply("[]")(w, r)
	}
	v4 := newServer(t, false, h)
	_, port, _ := net.SplitHostPort(v4.Listener.Addr().String())

	var v6 *server
	if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		v6 = &server{Server: &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(h)}}}
		v6.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				v6.conns.Add(1)
			}
		}
		v6.Start()
		t.Cleanup(v6.Close)
	}

	plain := qc.NewClient(qc.Options{
		// Allow-listing loopback does not open it: loopback is always refused.
		AllowPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	})
	t.Cleanup(plain.CloseIdleConnections)
	hatch := qc.NewClientForTests(qc.Options{}, qc.Loopback...)
	t.Cleanup(hatch.CloseIdleConnections)
	// 0.0.0.0 reaches the local host on Linux: opening it proves the
	// listener is there and that only the guard stood in the way.
	zero := qc.NewClientForTests(qc.Options{}, netip.MustParsePrefix("0.0.0.0/32"))
	t.Cleanup(zero.CloseIdleConnections)

	tests := []struct {
		name     string
		url      string
		srv      *server
		kind     qc.ErrorKind // for the production client
		opener   *qc.Client   // a test client that does reach srv, if any
		needIPv6 bool
	}{
		{name: "IPv4 loopback", url: "http://127.0.0.1:" + port, srv: v4, kind: qc.KindRefusedAddress, opener: hatch},
		{name: "other loopback address", url: "http://127.0.0.2:" + port, kind: qc.KindRefusedAddress},
		{name: "IPv6 loopback", url: "http://[::1]:PORT6", srv: v6, kind: qc.KindRefusedAddress, opener: hatch, needIPv6: true},
		{name: "IPv4-mapped loopback", url: "http://[::ffff:127.0.0.1]:" + port, srv: v4, kind: qc.KindRefusedAddress, opener: hatch},
		{name: "name resolving to loopback", url: "http://localhost:" + port, srv: v4, kind: qc.KindRefusedAddress, opener: hatch},
		{name: "unspecified address", url: "http://0.0.0.0:" + port, srv: v4, kind: qc.KindRefusedAddress, opener: zero},
		{name: "IPv6 unspecified", url: "http://[::]:" + port, kind: qc.KindRefusedAddress},
		{name: "cloud metadata", url: "http://169.254.169.254/latest/meta-data/", kind: qc.KindRefusedAddress},
		{name: "IPv6 link-local", url: "http://[fe80::1]/", kind: qc.KindRefusedAddress},
		{name: "private 10/8", url: "http://10.0.0.1:" + port, kind: qc.KindRefusedAddress},
		{name: "decimal IP", url: "http://2130706433:" + port, kind: qc.KindBadURL},
		{name: "hex IP", url: "http://0x7f000001:" + port, kind: qc.KindBadURL},
		{name: "short dotted IP", url: "http://127.1:" + port, kind: qc.KindBadURL},
		{name: "octal dotted IP", url: "http://0177.0.0.1:" + port, kind: qc.KindBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if tt.needIPv6 {
				if v6 == nil {
					t.Skip("no IPv6 loopback here")
				}
				_, p6, _ := net.SplitHostPort(v6.Listener.Addr().String())
				url = strings.Replace(url, "PORT6", p6, 1)
			}
			before := int64(0)
			if tt.srv != nil {
				before = tt.srv.conns.Load()
			}
			start := time.Now()
			_, err := plain.Query(context.Background(), qc.Endpoint{URL: url, AllowHTTP: true, Timeout: 2 * time.Second}, "p")
			if k := kindOf(err); k != tt.kind {
				t.Fatalf("%s: error %v (kind %q), want %q", url, err, k, tt.kind)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusal took %v: it must not wait for a network", d)
			}
			if tt.srv != nil && tt.srv.conns.Load() != before {
				t.Errorf("the server accepted a connection: the guard must refuse before connecting")
			}
			if tt.opener != nil {
				res, err := tt.opener.Query(context.Background(), qc.Endpoint{URL: url, AllowHTTP: true}, "p")
				if err != nil || res.Status != 200 {
					t.Errorf("through the test hatch %s must be reachable: %v", url, err)
				}
			}
		})
	}
	t.Run("http refused unless AllowHTTP", func(t *testing.T) {
		_, err := hatch.Query(context.Background(), qc.Endpoint{URL: v4.URL}, "p")
		if kindOf(err) != qc.KindBadURL || !strings.Contains(err.Error(), "https") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("https reaches the same server through the hatch only", func(t *testing.T) {
		s := newServer(t, true, reply("[]"))
		c := testClient(t, s, qc.Options{})
		if _, err := c.Query(context.Background(), qc.Endpoint{URL: s.URL}, "p"); err != nil {
			t.Errorf("hatch: %v", err)
		}
		if _, err := plain.Query(context.Background(), qc.Endpoint{URL: s.URL}, "p"); kindOf(err) != qc.KindRefusedAddress {
			t.Errorf("production client: %v", err)
		}
	})
}

func TestBadEndpoints(t *testing.T) {
	c := qc.NewClient(qc.Options{})
	for _, ep := range []qc.Endpoint{
		{URL: "ftp://example.com/"},
		{URL: "example.com/rest"},
		{URL: "https://"},
		{URL: "https://user:pw@example.com/"},
		{URL: "https://example.com:99999/"},
		{URL: "https://exa mple.com/"},
		{URL: "https://example.com/", Headers: map[string]string{"X-Bad\n": "v"}},
		{URL: "https://example.com/", Headers: map[string]string{"X-Token": "a\r\nInjected: 1"}},
	} {
		if _, err := c.Query(context.Background(), ep, "p"); kindOf(err) != qc.KindBadURL {
			t.Errorf("%+v: err %v, want bad_url", ep, err)
		}
	}
}

// TestGuardDecisions checks addresses nobody can listen on in a test: the
// guard is the same function the dialer calls.
func TestGuardDecisions(t *testing.T) {
	pfx := netip.MustParsePrefix
	plain := qc.NewClient(qc.Options{})
	operator := qc.NewClient(qc.Options{AllowPrefixes: []netip.Prefix{
		pfx("10.20.0.0/16"), pfx("fd00::/8"), pfx("169.254.0.0/16"), pfx("64:ff9b::/96"), pfx("::ffff:192.168.1.0/120"),
	}})
	tests := []struct {
		addr                string
		plainOK, operatorOK bool
	}{
		{"93.184.216.34:443", true, true},
		{"[2606:4700::1111]:443", true, true},
		{"10.20.1.2:443", false, true},  // allow-listed private range
		{"10.21.1.2:443", false, false}, // private, not allow-listed
		{"172.16.0.1:443", false, false},
		{"192.168.1.7:8443", false, true}, // the IPv4-mapped prefix counts as IPv4
		{"192.168.2.7:8443", false, false},
		{"[fd00::1]:443", false, true}, // unique-local
		{"[fc00::1]:443", false, false},
		{"100.64.0.1:443", false, false}, // CGNAT
		{"127.0.0.1:443", false, false},  // loopback: always
		{"[::ffff:127.0.0.1]:443", false, false},
		{"169.254.169.254:80", false, false}, // link-local: always, whatever the allow-list
		{"[fe80::1%eth0]:80", false, false},
		{"0.0.0.0:80", false, false},
		{"0.1.2.3:80", false, false},
		{"[::]:80", false, false},
		{"[64:ff9b::7f00:1]:80", false, false},    // 127.0.0.1 via NAT64: always
		{"[64:ff9b::5db8:d822]:443", false, true}, // a public address via allow-listed NAT64
		{"224.0.0.1:80", false, false},
		{"nonsense", false, false},
	}
	for _, tt := range tests {
		network := "tcp4"
		if strings.HasPrefix(tt.addr, "[") && !strings.Contains(tt.addr, "::ffff:") {
			network = "tcp6"
		}
		if err := plain.CheckAddressForTests(network, tt.addr); (err == nil) != tt.plainOK {
			t.Errorf("default guard, %s: %v", tt.addr, err)
		}
		if err := operator.CheckAddressForTests(network, tt.addr); (err == nil) != tt.operatorOK {
			t.Errorf("operator allow-list, %s: %v", tt.addr, err)
		}
	}
}
