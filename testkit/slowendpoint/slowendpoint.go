// Package slowendpoint is the queryCustomer endpoint of the connector
// benchmarks: a separate process that answers every query after a fixed
// 20 ms, as an enterprise CRM on another machine would, and says in its
// reply how long its own handling took.
//
// A benchmark's TestMain calls ServeIfChild first; the benchmark calls
// Start, which runs the test binary again as the endpoint. A separate
// process keeps the endpoint's garbage collector and scheduler apart from
// the client's; on one machine they still share its cores, so the
// endpoint is kept lean (fasthttp's server, a reply built from constant
// parts): its CPU is not what the benchmarks measure.
package slowendpoint

import (
	"bufio"
	"crypto/x509"
	"encoding/base64"
	"fmt"
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

	"github.com/valyala/fasthttp"
)

// Latency is the endpoint's own time per query.
const Latency = 20 * time.Millisecond

const (
	childEnv = "SCREENPOP_SLOW_ENDPOINT"
	tlsEnv   = "SCREENPOP_SLOW_ENDPOINT_TLS"
	// Path is where the endpoint answers (any path does).
	Path = "/rest/v1/queryCustomer"
)

// Reply is the endpoint's answer without its last value: one object, a
// masked name and a dictionary value. HandledValue follows.
const Reply = `[{"objectName": "客户信息", "values": [
  {"valueNo": "1", "name": "姓名", "value": "张三", "type": "1", "length": "32", "isMandatory": true, "maskStyle": "2"},
  {"valueNo": "2", "name": "付费方式", "value": "1", "type": "5", "isMandatory": true,
   "dictItems": [{"key": "1", "value": "预付费"}, {"key": "2", "value": "后付费"}]}`

// HandledName is the name of the reply's third value: the endpoint's
// handling time in nanoseconds, from the start of its handler to the
// moment it writes the reply.
const HandledName = "handled"

func replyWith(handled time.Duration) string {
	return Reply + `,
  {"valueNo": "3", "name": "` + HandledName + `", "value": "` + strconv.FormatInt(int64(handled), 10) + `", "type": "2", "isMandatory": false}]}]`
}

// ServeIfChild serves as the endpoint and returns true when this process
// was started by Start; TestMain then returns without running tests.
func ServeIfChild() bool {
	if os.Getenv(childEnv) != "1" {
		return false
	}
	serve(os.Getenv(tlsEnv) == "1")
	return true
}

// serve prints the endpoint's URL (and, for https, its certificate), then
// answers the number of connections accepted so far to each line on stdin,
// until stdin closes.
func serve(useTLS bool) {
	var conns atomic.Int64
	if useTLS {
		// https, offering HTTP/2 as production endpoints mostly do (the
		// client speaks HTTP/1.1).
		ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			time.Sleep(Latency)
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.Write([]byte(replyWith(time.Since(start))))
		}))
		ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
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
		srv := &fasthttp.Server{
			Handler: func(rc *fasthttp.RequestCtx) {
				start := time.Now()
				time.Sleep(Latency)
				rc.SetContentType("application/json; charset=UTF-8")
				rc.WriteString(replyWith(time.Since(start)))
			},
			ConnState: func(_ net.Conn, s fasthttp.ConnState) {
				if s == fasthttp.StateNew {
					conns.Add(1)
				}
			},
		}
		go srv.Serve(l)
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(conns.Load())
	}
}

// Endpoint is a running endpoint process.
type Endpoint struct {
	URL  string         // the query URL
	Pool *x509.CertPool // for https: the certificate to trust
	cmd  *exec.Cmd
	in   interface{ Write([]byte) (int, error) }
	out  *bufio.Scanner
}

// Start runs the endpoint, over https when useTLS, until Stop.
func Start(tb testing.TB, useTLS bool) *Endpoint {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	if useTLS {
		cmd.Env = append(cmd.Env, tlsEnv+"=1")
	}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	e := &Endpoint{cmd: cmd, in: stdin, out: bufio.NewScanner(stdout)}
	if !e.out.Scan() || !strings.HasPrefix(e.out.Text(), "http") {
		tb.Fatalf("endpoint did not start: %q", e.out.Text())
	}
	e.URL = e.out.Text() + Path
	if useTLS {
		e.out.Scan()
		der, _ := base64.StdEncoding.DecodeString(e.out.Text())
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			tb.Fatal(err)
		}
		e.Pool = x509.NewCertPool()
		e.Pool.AddCert(cert)
	}
	return e
}

// Conns is the number of connections the endpoint has accepted.
func (e *Endpoint) Conns() int64 {
	fmt.Fprintln(e.in, "conns?")
	e.out.Scan()
	n, _ := strconv.ParseInt(e.out.Text(), 10, 64)
	return n
}

// Stop ends the endpoint process.
func (e *Endpoint) Stop() {
	if c, ok := e.in.(interface{ Close() error }); ok {
		c.Close()
	}
	e.cmd.Process.Kill()
	e.cmd.Wait()
}

// CPUTime is this process's CPU time so far, user and system.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportPercentiles adds the p50 and p99 of ds, in milliseconds, as
// <name>-p50-ms and <name>-p99-ms.
func ReportPercentiles(b *testing.B, name string, ds []time.Duration) {
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

// RunLoad calls call under one of the benchmarks' two loads and returns
// the CPU time this process spent in the measured part:
//   - burst: concurrency calls released at the same instant, so that all
//     their replies also land at the same instant and are read one after
//     another on the machine's cores: the worst case; 20 such rounds;
//   - sustained: concurrency workers call back to back, started
//     Latency/concurrency apart, so that that many calls are always in
//     flight without arriving in lock step: the steady state of a busy
//     contact center; 100 calls per worker (20,000 at 200 workers, so
//     that the p99 rests on 200 of them).
//
// One load (about 0.5 s of bursts, 2 s sustained) is one benchmark
// iteration, so -benchtime 1x measures it once. A first round, not
// measured (call gets record false), opens the keep-alive connections and
// fills caches.
func RunLoad(b *testing.B, concurrency int, burst bool, call func(record bool)) time.Duration {
	round := func(record bool) {
		var wg sync.WaitGroup
		for range concurrency {
			wg.Go(func() { call(record) })
		}
		wg.Wait()
	}
	round(false)
	var cpu time.Duration
	for b.Loop() {
		cpu0 := CPUTime()
		if burst {
			for range 20 {
				round(true)
			}
		} else {
			var wg sync.WaitGroup
			for i := range concurrency {
				wg.Go(func() {
					time.Sleep(time.Duration(i) * Latency / time.Duration(concurrency))
					for range 100 {
						call(true)
					}
				})
			}
			wg.Wait()
		}
		cpu += CPUTime() - cpu0
	}
	return cpu
}
