package querycustomer_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	qc "github.com/screenpop/screenpop/engine/querycustomer"
)

// BenchmarkQueryOverhead measures what the client adds to an endpoint's own
// latency when a contact center pops many calls at once: each iteration
// fires 200 concurrent queries at a local endpoint that takes 20 ms, and
// the metrics are the p50 and p99 of (client duration − 20 ms) over all
// queries: guard, keep-alive pool, JSON encode, read cap and Parse, plus
// the handler's own timer slack, which is charged to the client.
//
// It runs over plain HTTP on loopback, so it needs the test hatch
// (NewClientForTests) and AllowHTTP; TLS handshakes are amortised by
// keep-alive in production and would only blur the number here.
func BenchmarkQueryOverhead(b *testing.B) {
	const (
		latency     = 20 * time.Millisecond
		concurrency = 200
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(latency)
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		io.WriteString(w, goodReply)
	}))
	defer srv.Close()
	c := qc.NewClientForTests(qc.Options{}, qc.Loopback...)
	defer c.CloseIdleConnections()
	ep := qc.Endpoint{URL: srv.URL + qc.DefaultPath, AllowHTTP: true, Timeout: 5 * time.Second}

	var (
		errs      atomic.Int64
		overheads []time.Duration
	)
	durs := make([]time.Duration, concurrency)
	for b.Loop() {
		var wg sync.WaitGroup
		for i := range concurrency {
			wg.Go(func() {
				start := time.Now()
				res, err := c.Query(context.Background(), ep, "152****1028")
				durs[i] = time.Since(start) - latency
				if err != nil || res.Reply.ValueCount() != 2 {
					errs.Add(1)
				}
			})
		}
		wg.Wait()
		overheads = append(overheads, durs...)
	}
	b.StopTimer()
	slices.Sort(overheads)
	pct := func(p float64) float64 {
		return float64(overheads[int(p*float64(len(overheads)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-overhead-ms")
	b.ReportMetric(pct(0.99), "p99-overhead-ms")
	b.ReportMetric(float64(errs.Load()), "errors")
	if n := errs.Load(); n > 0 {
		b.Errorf("%d queries failed", n)
	}
}
