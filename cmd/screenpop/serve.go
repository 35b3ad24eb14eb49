package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/screenpop/screenpop/importer"
	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/web"
)

func (c *cli) serveCmd() *cobra.Command {
	var noMigrate bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web server (admin UI, REST API, pops)",
		Long: `Run the web server. Without DATABASE_URL it starts (or reuses) an embedded
PostgreSQL cluster under the data directory; it applies pending migrations
unless --no-migrate, seeds the demo tenant on first start unless
SCREENPOP_DEMO=0, and prints the URL and the demo logins.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.serve(cmd.Context(), !noMigrate)
		},
	}
	cmd.Flags().BoolVar(&noMigrate, "no-migrate", false, "do not apply pending migrations at start")
	cmd.Flags().StringVar(&c.cfg.PGListen, "pg-listen", c.cfg.PGListen, "also let the embedded PostgreSQL listen on this loopback host:port ($SCREENPOP_PG_LISTEN)")
	return cmd
}

func (c *cli) serve(ctx context.Context, migrate bool) error {
	rt, err := c.open(ctx, migrate)
	if err != nil {
		return err
	}
	defer rt.close(ctx)
	if len(c.cfg.ReplicaURLs) > 0 {
		reads, err := database.OpenReplicas(ctx, rt.db, c.cfg.ReplicaURLs,
			database.ReplicaOptions{MaxLag: c.cfg.ReplicaMaxLag, Logger: rt.log})
		if err != nil {
			return fmt.Errorf("%s: %w", config.EnvReplicaURL, err)
		}
		defer reads.Close()
		rt.eng.UseReplicas(reads)
		rt.log.Info("pops read from database replicas", "replicas", len(c.cfg.ReplicaURLs), "max_lag", c.cfg.ReplicaMaxLag)
	}

	ln, err := net.Listen("tcp", c.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set SCREENPOP_ADDR or --addr to another port)", c.cfg.Addr, err)
	}
	srv, err := web.New(rt.eng, c.cfg, rt.log)
	if err != nil {
		return err
	}
	stopMetrics, metricsURL, err := c.serveMetrics(rt)
	if err != nil {
		return err
	}
	defer stopMetrics()
	app := srv.App()
	rt.eng.SetLogger(rt.log)
	rt.eng.Start(ctx)
	imports, err := rt.eng.Imports.Start(ctx, importer.Options{})
	if err != nil {
		return err
	}
	defer stopImports(ctx, rt, imports)

	var logins string
	if c.cfg.Demo {
		seeded, err := rt.eng.SeedDemo(ctx)
		if err != nil {
			return fmt.Errorf("seed demo tenant: %w", err)
		}
		for _, l := range seeded {
			logins += fmt.Sprintf("  %-9s %-12s password: %s\n", l.Role, l.Username, l.Password)
		}
		if len(seeded) == 0 {
			logins = "  demo accounts exist already (operator, demo.admin, demo.agent);\n" +
				"  their passwords were printed on first start. Reset one with:\n" +
				"    screenpop user passwd demo.admin\n"
		}
	}

	url := c.cfg.BaseURL
	if _, port, _ := net.SplitHostPort(c.cfg.Addr); port == "0" {
		url = "http://" + ln.Addr().String()
	}
	fmt.Fprintf(os.Stdout, "\nscreenpop is running at %s\n", url)
	if logins != "" {
		fmt.Fprintf(os.Stdout, "sign in at %s/login with:\n%s", url, logins)
	}
	if metricsURL != "" {
		fmt.Fprintf(os.Stdout, "metrics: %s/metrics (profiles under /debug/pprof/)\n", metricsURL)
	}
	if rt.pg != nil {
		fmt.Fprintf(os.Stdout, "embedded PostgreSQL: %s (log %s)\n", rt.pg.DataDir(), rt.pg.LogFile())
	}
	fmt.Fprintln(os.Stdout, "press Ctrl+C to stop")

	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	rt.log.Info("shutting down")
	if err := app.ShutdownWithTimeout(10 * time.Second); err != nil {
		rt.log.Warn("shutdown", "err", err)
	}
	return nil
}

// serveMetrics starts the operators' listener (Prometheus metrics and
// pprof) on SCREENPOP_METRICS_ADDR, apart from the application's port so
// that it is never exposed with it. It returns the listener's base URL
// ("" when off).
func (c *cli) serveMetrics(rt *runtime) (stop func(), url string, err error) {
	if c.cfg.MetricsAddr == "" || c.cfg.MetricsAddr == "off" {
		return func() {}, "", nil
	}
	ln, err := net.Listen("tcp", c.cfg.MetricsAddr)
	if err != nil {
		return nil, "", fmt.Errorf("metrics: listen on %s: %w (set SCREENPOP_METRICS_ADDR to another address, or off)", c.cfg.MetricsAddr, err)
	}
	hs := &http.Server{Handler: rt.eng.Metrics.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			rt.log.Warn("metrics listener stopped", "err", err)
		}
	}()
	return func() { _ = hs.Close() }, "http://" + ln.Addr().String(), nil
}
