package external_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
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

	"github.com/screenpop/screenpop/pages"
)

// BenchmarkExternalPageRender renders an external page the way a pop does
// — pages.Service.Render of an external definition, through the engine's
// connector (grant and endpoint from its cache, the allow-list check) and
// the shared querycustomer client — 200 at a time, against an endpoint
// that takes 20 ms, and reports what screenpop adds to those 20 ms.
//
//	go run ./testkit/testpg -- go test -run '^$' -bench ExternalPageRender -benchtime 50x ./engine/external/
//
// The endpoint is a child process (this test binary again) that sleeps 20
// ms and returns, as one of its values, how long its handler took. The
// loads and metrics are those of querycustomer's BenchmarkQueryOverhead:
// burst (200 renders released together) and sustained (200 renders always
// in flight, not in lock step); raw = render − 20 ms, net = render − the
// endpoint's own handling time; client-cpu-us is this process's CPU per
// render. The first round (connections, the interface's cache) is not
// counted.
func BenchmarkExternalPageRender(b *testing.B) {
	url, stop := startBenchEndpoint(b)
	defer stop()
	eng := newEngine(b)
	tn := tenant(b, eng)
	it := iface(b, eng, url, 5000, tn)
	def := &pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal, ExternalInterfaceID: it.ID}
	for _, mode := range []string{"burst", "sustained"} {
		b.Run(mode, func(b *testing.B) {
			var (
				errs     atomic.Int64
				mu       sync.Mutex
				raw, net []time.Duration
				n        atomic.Int64
			)
			render := func(record bool) {
				start := time.Now()
				m, err := eng.Pages.Render(context.Background(), tn, def, pages.Call{CustomerNumber: "15200001028"}, pages.RenderOptions{})
				d := time.Since(start)
				if err != nil || m.State != pages.StateOK || len(m.Objects) != 1 || len(m.Objects[0].Fields) != 3 {
					errs.Add(1)
					return
				}
				if !record {
					return
				}
				handled, _ := strconv.ParseInt(m.Objects[0].Fields[2].Value, 10, 64)
				n.Add(1)
				mu.Lock()
				raw = append(raw, d-benchLatency)
				net = append(net, d-time.Duration(handled))
				mu.Unlock()
			}
			round := func(record bool) {
				var wg sync.WaitGroup
				for range benchConcurrency {
					wg.Go(func() { render(record) })
				}
				wg.Wait()
			}
			round(false)
			var cpu time.Duration
			if mode == "burst" {
				cpu0 := cpuTime()
				for b.Loop() {
					round(true)
				}
				cpu = cpuTime() - cpu0
			} else {
				rounds := 0
				for b.Loop() {
					rounds++
				}
				cpu0 := cpuTime()
				var wg sync.WaitGroup
				for i := range benchConcurrency {
					wg.Go(func() {
						time.Sleep(time.Duration(i) * benchLatency / benchConcurrency)
						for range max(rounds, 5) {
							render(true)
						}
					})
				}
				wg.Wait()
				cpu = cpuTime() - cpu0
			}
			b.StopTimer()
			report(b, "raw", raw)
			report(b, "net", net)
			if n.Load() > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/float64(n.Load()), "client-cpu-us")
			}
			b.ReportMetric(float64(errs.Load()), "errors")
			if errs.Load() > 0 {
				b.Errorf("%d renders failed", errs.Load())
			}
		})
	}
}

const (
	benchLatency     = 20 * time.Millisecond
	benchConcurrency = 200
	benchEndpointEnv = "SCREENPOP_BENCH_ENDPOINT"
)

// serveBenchEndpoint answers two values and a third, "handled", with the
// handler's own duration in nanoseconds.
func serveBenchEndpoint() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		io.Copy(io.Discard, r.Body)
		time.Sleep(benchLatency)
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		io.WriteString(w, `[{"objectName": "客户信息", "values": [
  {"valueNo": "1", "name": "姓名", "value": "张三", "type": "1", "length": "32", "isMandatory": true, "maskStyle": "2"},
  {"valueNo": "2", "name": "付费方式", "value": "1", "type": "5", "isMandatory": true,
   "dictItems": [{"key": "1", "value": "预付费"}, {"key": "2", "value": "后付费"}]},
  {"valueNo": "3", "name": "handled", "value": "`+strconv.FormatInt(int64(time.Since(start)), 10)+`", "type": "2", "isMandatory": false}]}]`)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fmt.Println("http://" + l.Addr().String())
	go http.Serve(l, handler)
	io.Copy(io.Discard, os.Stdin) // until the benchmark closes stdin
}

func startBenchEndpoint(b *testing.B) (string, func()) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchEndpointEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	out := bufio.NewScanner(stdout)
	if !out.Scan() || !strings.HasPrefix(out.Text(), "http://") {
		b.Fatalf("endpoint did not start: %q", out.Text())
	}
	return out.Text() + "/rest/v1/queryCustomer", func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func report(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	pct := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(pct(0.50), name+"-p50-ms")
	b.ReportMetric(pct(0.99), name+"-p99-ms")
}
