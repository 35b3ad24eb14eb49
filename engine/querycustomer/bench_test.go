package querycustomer_test

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	qc "github.com/screenpop/screenpop/engine/querycustomer"
)

// BenchmarkQueryOverhead measures what the client adds to an endpoint's own
// latency when a contact center pops many calls at once: 200 queries in
// flight against a local endpoint that takes 20 ms.
//
//	go test -run '^$' -bench QueryOverhead -benchtime 50x ./engine/querycustomer/
//
// The endpoint runs in a child process (this test binary again, see
// TestMain), as a real CRM runs apart from screenpop: its garbage collector
// and scheduler are not the client's. It sleeps 20 ms and reports in its
// reply how long its handler took, from its start to the moment it writes
// the reply.
//
// Two loads:
//   - burst: each iteration releases 200 queries at the same instant, so
//     all 200 replies also come back at the same instant and are read and
//     parsed one after another on the machine's cores: the worst case;
//   - sustained: 200 workers query back to back, started 0.1 ms apart, so
//     200 queries are always in flight (about 10 000 a second) without
//     arriving in lock step: the steady state of a busy contact center.
//
// Metrics, p50 and p99 over every query:
//   - raw: client duration − 20 ms;
//   - net: client duration − the endpoint's own handling time, so that the
//     endpoint's scheduling delays (its 20 ms sleep waking late on a busy
//     machine) are not charged to the client. What remains is the client
//     (guard, keep-alive pool, encode, read cap, Parse), both HTTP stacks,
//     loopback, and the wait for a core when replies land together;
//   - client-cpu-us: the client process's CPU time (user + system, from
//     getrusage) per query, the cost that decides how many pops a core can
//     serve;
//   - conns: connections the endpoint accepted: 200 means every query after
//     the first round reused a keep-alive connection.
//
// The first round opens the 200 keep-alive connections and is not counted.
// It runs over plain HTTP on loopback through the test hatch; TLS handshakes
// are amortised by keep-alive in production. Client and endpoint share the
// machine's cores, and other jobs may too: report the load average.
func BenchmarkQueryOverhead(b *testing.B) {
	for _, tls := range []bool{false, true} {
		ep, pool, conns, stop := startBenchEndpoint(b, tls)
		for _, mode := range []string{"burst", "sustained"} {
			name := mode
			if tls {
				name = "tls-" + mode
			}
			b.Run(name, func(b *testing.B) { benchOverhead(b, ep, pool, conns, mode == "burst") })
		}
		stop()
	}
}

const (
	benchLatency     = 20 * time.Millisecond
	benchEndpointEnv = "QC_BENCH_ENDPOINT"
)

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
	if os.Getenv(benchEndpointEnv) == "1" {
		serveBenchEndpoint()
		return
	}
	os.Exit(m.Run())
}

// serveBenchEndpoint answers goodReply plus a third value, "handled", with
// the handler's own duration in nanoseconds; it prints its address and the
// number of connections accepted so far on each line of stdin.
func serveBenchEndpoint() {
	head := goodReply[:strings.LastIndex(goodReply, `]}]`)]
	var conns atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			io.Copy(io.Discard, r.Body)
			time.Sleep(benchLatency)
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			handled := strconv.FormatInt(int64(time.Since(start)), 10)
			io.WriteString(w, head+`, {"valueNo": "3", "name": "handled", "value": "`+handled+`", "type": "2", "isMandatory": false}]}]`)
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	if os.Getenv(benchEndpointEnv+"_TLS") == "1" {
		// https (offering HTTP/2, as production endpoints mostly do; the
		// client speaks HTTP/1.1); the certificate follows the address for
		// the client to trust.
		ts := httptest.NewUnstartedServer(srv.Handler)
		ts.Config.ConnState = srv.ConnState
		ts.EnableHTTP2 = true
		ts.StartTLS()
		fmt.Println(ts.URL)
		fmt.Println(base64.StdEncoding.EncodeToString(ts.Certificate().Raw))
	} else {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Println("http://" + l.Addr().String())
		go srv.Serve(l)
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(conns.Load())
	}
}

// startBenchEndpoint runs the endpoint process; conns asks it how many
// connections it accepted.
func startBenchEndpoint(b *testing.B, tls bool) (url string, pool *x509.CertPool, conns func() int64, stop func()) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchEndpointEnv+"=1")
	if tls {
		cmd.Env = append(cmd.Env, benchEndpointEnv+"_TLS=1")
	}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	out := bufio.NewScanner(stdout)
	if !out.Scan() || !strings.HasPrefix(out.Text(), "http") {
		b.Fatalf("endpoint did not start: %q", out.Text())
	}
	url = out.Text() + qc.DefaultPath
	if tls {
		out.Scan()
		der, _ := base64.StdEncoding.DecodeString(out.Text())
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			b.Fatal(err)
		}
		pool = x509.NewCertPool()
		pool.AddCert(cert)
	}
	conns = func() int64 {
		fmt.Fprintln(stdin, "conns?")
		out.Scan()
		n, _ := strconv.ParseInt(out.Text(), 10, 64)
		return n
	}
	stop = func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}
	return url, pool, conns, stop
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchOverhead(b *testing.B, url string, pool *x509.CertPool, conns func() int64, burst bool) {
	c := qc.NewClientForTests(qc.Options{}, qc.Loopback...)
	defer c.CloseIdleConnections()
	if pool != nil {
		c.TrustForTests(pool)
	}
	ep := qc.Endpoint{URL: url, AllowHTTP: true, Timeout: 5 * time.Second}
	connsBefore := conns()

	var (
		errs     atomic.Int64
		mu       sync.Mutex
		raw, net []time.Duration
		queries  atomic.Int64
	)
	query := func(record bool) {
		start := time.Now()
		res, err := c.Query(context.Background(), ep, "152****1028")
		d := time.Since(start)
		if err != nil || res.Reply.ValueCount() != 3 {
			errs.Add(1)
			return
		}
		if !record {
			return
		}
		handled, _ := strconv.ParseInt(res.Reply.Objects[0].Values[2].Display, 10, 64)
		queries.Add(1)
		mu.Lock()
		raw = append(raw, d-benchLatency)
		net = append(net, d-time.Duration(handled))
		mu.Unlock()
	}
	round := func(record bool) {
		var wg sync.WaitGroup
		for range benchConcurrency {
			wg.Go(func() { query(record) })
		}
		wg.Wait()
	}
	round(false) // open the keep-alive connections

	var cpu time.Duration
	if burst {
		cpu0 := cpuTime()
		for b.Loop() {
			round(true)
		}
		cpu = cpuTime() - cpu0
	} else {
		// As many queries as b.N bursts, by 200 workers in a closed loop.
		rounds := 0
		for b.Loop() {
			rounds++
		}
		per := max(rounds, 5)
		cpu0 := cpuTime()
		var wg sync.WaitGroup
		for i := range benchConcurrency {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * benchLatency / time.Duration(benchConcurrency))
				for range per {
					query(true)
				}
			})
		}
		wg.Wait()
		cpu = cpuTime() - cpu0
	}
	b.StopTimer()
	report(b, "raw", raw)
	report(b, "net", net)
	if n := queries.Load(); n > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "client-cpu-us")
	}
	b.ReportMetric(float64(conns()-connsBefore), "conns")
	b.ReportMetric(float64(errs.Load()), "errors")
	if n := errs.Load(); n > 0 {
		b.Errorf("%d queries failed", n)
	}
}

// report adds the p50 and p99 of ds in milliseconds.
func report(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	pct := func(p float64) float64 {
		return float64(ds[int(p*float64(len(ds)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), name+"-p50-ms")
	b.ReportMetric(pct(0.99), name+"-p99-ms")
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
