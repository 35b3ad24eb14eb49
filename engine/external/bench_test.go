package external_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/testkit/slowendpoint"
)

// BenchmarkExternalPageRender renders an external page the way a pop does
// — pages.Service.Render of an external definition, through the engine's
// connector (grant and endpoint from its cache, the allow-list check) and
// the shared querycustomer client — 200 at a time, against an endpoint
// that takes 20 ms, and reports what screenpop adds to those 20 ms.
//
//	go run ./testkit/testpg -- go test -run '^$' -bench ExternalPageRender -benchtime 1x ./engine/external/
//
// The endpoint is testkit/slowendpoint's child process. The loads and
// metrics are those of querycustomer's BenchmarkQueryOverhead: burst (200
// renders released together) and sustained (200 renders always in flight,
// not in lock step); raw = render − 20 ms, net = render − the endpoint's
// own handling time (the added overhead); client-cpu-us is this process's
// CPU per render. The first round (connections, the interface's cache) is
// not counted.
func BenchmarkExternalPageRender(b *testing.B) {
	ep := slowendpoint.Start(b, false)
	defer ep.Stop()
	eng := newEngine(b)
	tn := tenant(b, eng)
	it := iface(b, eng, ep.URL, 5000, tn)
	def := &pages.Definition{Layout: pages.LayoutBlock, Columns: 2, Source: pages.SourceExternal, ExternalInterfaceID: it.ID}
	for _, mode := range []string{"burst", "sustained"} {
		b.Run(mode, func(b *testing.B) {
			var (
				errs, n  atomic.Int64
				mu       sync.Mutex
				raw, net []time.Duration
			)
			cpu := slowendpoint.RunLoad(b, 200, mode == "burst", func(record bool) {
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
				raw = append(raw, d-slowendpoint.Latency)
				net = append(net, d-time.Duration(handled))
				mu.Unlock()
			})
			b.StopTimer()
			slowendpoint.ReportPercentiles(b, "raw", raw)
			slowendpoint.ReportPercentiles(b, "net", net)
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
