package querycustomer_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	qc "github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/testkit/slowendpoint"
)

// BenchmarkQueryOverhead measures what the client adds to an endpoint's own
// latency when a contact center pops many calls at once: 200 queries in
// flight against a local endpoint that takes 20 ms.
//
//	go test -run '^$' -bench QueryOverhead -benchtime 1x ./engine/querycustomer/
//
// The endpoint (testkit/slowendpoint) is a child process, as a real CRM
// runs apart from screenpop; it reports in its reply how long its handler
// took. Loads (see slowendpoint.RunLoad): burst, 200 queries released
// together, the worst case; sustained, 200 always in flight (about 10 000
// a second), the steady state.
//
// Sub-benchmarks: the client over http and https (tls-), and two
// references over http that do nothing but the HTTP exchange — a plain
// net/http client (ref-nethttp-) and a plain fasthttp client
// (ref-fasthttp-) — to show what any client pays on this machine.
//
// Metrics, p50 and p99 over every query:
//   - raw: client duration − 20 ms;
//   - net: client duration − the endpoint's own handling time, so that the
//     endpoint's scheduling delays (its 20 ms sleep waking late on a busy
//     machine) are not charged to the client: the added overhead. What
//     remains is the client (guard, keep-alive pool, encode, read cap,
//     Parse), both HTTP stacks, loopback, and the wait for a core when
//     replies land together;
//   - client-cpu-us: this process's CPU time (user + system) per query,
//     the cost that decides how many pops a core can serve;
//   - conns: connections the endpoint accepted: 200 means every query after
//     the first round reused a keep-alive connection.
//
// TLS handshakes are amortised by keep-alive. Client and endpoint share
// the machine's cores, and other jobs may too: report the load average.
func BenchmarkQueryOverhead(b *testing.B) {
	for _, useTLS := range []bool{false, true} {
		ep := slowendpoint.Start(b, useTLS)
		modes := []string{"burst", "sustained"}
		if !useTLS {
			modes = append(modes, "ref-nethttp-burst", "ref-nethttp-sustained", "ref-fasthttp-burst", "ref-fasthttp-sustained")
		}
		for _, mode := range modes {
			name := mode
			if useTLS {
				name = "tls-" + mode
			}
			b.Run(name, func(b *testing.B) { benchOverhead(b, ep, mode) })
		}
		ep.Stop()
	}
}

// benchConcurrency is 200 queries in flight, or QC_BENCH_CONCURRENCY, to
// see where the machine's cores run out.
var benchConcurrency = func() int {
	if n, err := strconv.Atoi(os.Getenv("QC_BENCH_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return 200
}()

// TestMain turns this test binary into the benchmark's endpoint when run as
// its child process.
func TestMain(m *testing.M) {
	if slowendpoint.ServeIfChild() {
		return
	}
	os.Exit(m.Run())
}

// queryFunc makes one query and returns the endpoint's handling time.
type queryFunc func() (handled time.Duration, ok bool)

// benchQueries returns the client under test, or a reference client.
func benchQueries(ep *slowendpoint.Endpoint, mode string) (queryFunc, func()) {
	const body = `{"param":"152****1028"}`
	switch {
	case strings.HasPrefix(mode, "ref-nethttp"):
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
		return func() (time.Duration, bool) {
			resp, err := c.Post(ep.URL, "application/json; charset=UTF-8", strings.NewReader(body))
			if err != nil {
				return 0, false
			}
			reply, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return handledIn(reply)
		}, c.CloseIdleConnections
	case strings.HasPrefix(mode, "ref-fasthttp"):
		c := &fasthttp.Client{MaxConnsPerHost: 256}
		return func() (time.Duration, bool) {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(ep.URL)
			req.Header.SetMethod("POST")
			req.Header.SetContentType("application/json; charset=UTF-8")
			req.SetBodyString(body)
			if err := c.Do(req, resp); err != nil {
				return 0, false
			}
			return handledIn(resp.Body())
		}, c.CloseIdleConnections
	}
	c := qc.NewClientForTests(qc.Options{}, qc.Loopback...)
	if ep.Pool != nil {
		c.TrustForTests(ep.Pool)
	}
	e := qc.Endpoint{URL: ep.URL, AllowHTTP: true, Timeout: 5 * time.Second}
	return func() (time.Duration, bool) {
		res, err := c.Query(context.Background(), e, "152****1028")
		if err != nil || res.Reply.ValueCount() != 3 {
			return 0, false
		}
		handled, err := strconv.ParseInt(res.Reply.Objects[0].Values[2].Display, 10, 64)
		return time.Duration(handled), err == nil
	}, c.CloseIdleConnections
}

// handledIn finds the endpoint's handling time in a reply without parsing
// it, for the reference clients.
func handledIn(reply []byte) (time.Duration, bool) {
	const key = `"` + slowendpoint.HandledName + `", "value": "`
	s := string(reply)
	i := strings.LastIndex(s, key)
	if i < 0 {
		return 0, false
	}
	s = s[i+len(key):]
	n, err := strconv.ParseInt(s[:max(strings.IndexByte(s, '"'), 0)], 10, 64)
	return time.Duration(n), err == nil
}

func benchOverhead(b *testing.B, ep *slowendpoint.Endpoint, mode string) {
	query, closeIdle := benchQueries(ep, mode)
	defer closeIdle()
	connsBefore := ep.Conns()
	var (
		errs, queries atomic.Int64
		mu            sync.Mutex
		raw, net      []time.Duration
	)
	cpu := slowendpoint.RunLoad(b, benchConcurrency, strings.HasSuffix(mode, "burst"), func(record bool) {
		start := time.Now()
		handled, ok := query()
		d := time.Since(start)
		if !ok {
			errs.Add(1)
			return
		}
		if !record {
			return
		}
		queries.Add(1)
		mu.Lock()
		raw = append(raw, d-slowendpoint.Latency)
		net = append(net, d-handled)
		mu.Unlock()
	})
	b.StopTimer()
	slowendpoint.ReportPercentiles(b, "raw", raw)
	slowendpoint.ReportPercentiles(b, "net", net)
	if n := queries.Load(); n > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "client-cpu-us")
	}
	b.ReportMetric(float64(ep.Conns()-connsBefore), "conns")
	b.ReportMetric(float64(errs.Load()), "errors")
	if n := errs.Load(); n > 0 {
		b.Errorf("%d queries failed", n)
	}
}

// BenchmarkParse is the client's largest share of CPU per query: reading
// a reply. The fast decoder (decode.go) takes well-formed replies.
func BenchmarkParse(b *testing.B) {
	seed, err := os.ReadFile("testdata/seed_example.json")
	if err != nil {
		b.Fatal(err)
	}
	for name, body := range map[string][]byte{"good": []byte(goodReply), "seed": seed} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := qc.Parse(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQueryCPU is one query at a time against an endpoint in this
// process that answers at once: the client's own work per query (and the
// endpoint's, the same for both), without the noise of 200 in flight.
// ref-fasthttp is a bare POST that does nothing but the exchange.
func BenchmarkQueryCPU(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(rc *fasthttp.RequestCtx) {
		rc.SetContentType("application/json; charset=UTF-8")
		rc.WriteString(goodReply)
	}}
	go srv.Serve(ln)
	defer srv.Shutdown()
	url := "http://" + ln.Addr().String() + slowendpoint.Path
	b.Run("client", func(b *testing.B) {
		c := qc.NewClientForTests(qc.Options{}, qc.Loopback...)
		defer c.CloseIdleConnections()
		ep := qc.Endpoint{URL: url, AllowHTTP: true}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Query(context.Background(), ep, "152****1028"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ref-fasthttp", func(b *testing.B) {
		c := &fasthttp.Client{}
		b.ReportAllocs()
		for b.Loop() {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			req.SetRequestURI(url)
			req.Header.SetMethod("POST")
			req.Header.SetContentType("application/json; charset=UTF-8")
			req.SetBodyString(`{"param":"152****1028"}`)
			if err := c.Do(req, resp); err != nil {
				b.Fatal(err)
			}
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
		}
	})
}
