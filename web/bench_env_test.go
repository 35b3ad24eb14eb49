package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/testkit/benchdata"
	"github.com/screenpop/screenpop/testkit/benchstat"
	"github.com/screenpop/screenpop/web"
)

// benchEnv is one screenpop instance as `serve` runs it — the engine with
// its call-notice listener, the Fiber app on a real loopback listener,
// logging at info — over package benchdata's million-customer set.
type benchEnv struct {
	eng  *engine.Engine
	srv  *web.Server
	base string // http://127.0.0.1:port
	set  *benchdata.Set
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	db := benchdata.DB(b)
	key, err := masterkey.FromBytes(benchdata.MasterKey)
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(db, key)
	if err != nil {
		b.Fatal(err)
	}
	eng.Accounts.BcryptCost = 4
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), LogLevel: "info"}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	// Info, as in production: every request is formatted and logged; only
	// warnings and errors are shown.
	log := slog.New(slog.NewTextHandler(warnWriter{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := web.New(eng, cfg, log)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	eng.Start(ctx)

	set, err := benchdata.Ensure(ctx, db, eng.Tables, eng.Pages)
	if err != nil {
		b.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	b.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	select {
	case <-eng.Hub.Ready():
	case <-time.After(30 * time.Second):
		b.Fatal("the call-notice listener did not start")
	}
	return &benchEnv{eng: eng, srv: srv, base: "http://" + ln.Addr().String(), set: set}
}

// warnWriter drops the info lines of the text handler and shows the rest.
type warnWriter struct{}

func (warnWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(" level=INFO ")) {
		return len(p), nil
	}
	return os.Stderr.Write(p)
}

// benchClient is a keep-alive HTTP client for up to conns parallel requests.
func benchClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true, IdleConnTimeout: time.Minute},
		Timeout:   30 * time.Second,
		// A pop answers; a redirect would mean a sign-in page.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// pct is shared with the other benchmarks.
var pct = benchstat.Percentile

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// memFigures is this process's memory: the Go heap in use and the resident
// set from /proc/self/status.
type memFigures struct {
	HeapInuse, Sys uint64
	RSS            uint64 // bytes; 0 where /proc is missing
	Goroutines     int
}

func readMem() memFigures {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := memFigures{HeapInuse: ms.HeapInuse, Sys: ms.Sys, Goroutines: runtime.NumGoroutine()}
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				m.RSS = kb << 10
			}
		}
	}
	return m
}

func (m memFigures) String() string {
	return fmt.Sprintf("heap in use %.1f MB, RSS %.1f MB, %d goroutines", mb(m.HeapInuse), mb(m.RSS), m.Goroutines)
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }
