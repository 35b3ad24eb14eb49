// Command screenpop is the screen-pop engine: one binary that serves the
// admin UI, the REST API and the pop pages, and administers the database.
// Run `screenpop --help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/internal/i18n"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer startCPUProfile()()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "screenpop:", describe(err))
		os.Exit(1)
	}
}

// startCPUProfile writes a CPU profile of the whole run to the file named
// by SCREENPOP_CPU_PROFILE, if set — how bench/import.sh shows where an
// import's time goes. It returns the function that ends the profile.
func startCPUProfile() func() {
	path := os.Getenv("SCREENPOP_CPU_PROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "screenpop: CPU profile:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// describe prints domain errors with their field messages in English.
func describe(err error) string {
	if e, ok := apperr.As(err); ok {
		msg := e.In(i18n.English)
		for _, f := range e.Fields {
			text := f.In(i18n.English)
			switch {
			case text == msg:
				// A file's refusal is its own message: said once.
			case f.Field == "file":
				// The file is the argument, not a flag.
				msg += "\n  " + text
			default:
				msg += fmt.Sprintf("\n  --%s: %s", f.Field, text)
			}
		}
		return msg
	}
	return err.Error()
}

// cli carries the configuration shared by every command.
type cli struct {
	cfg config.Config
}

func newRoot() *cobra.Command {
	c := &cli{}
	env, envErr := config.FromEnv()
	c.cfg = env
	root := &cobra.Command{
		Use:   "screenpop",
		Short: "screenpop: the screen-pop engine for contact centers",
		Long: `screenpop serves screen pops (来电弹屏) to contact-center agents: base tables of
customer data, visually built pages, and pop configuration for Huawei CEC,
Aliyun CCC, Tencent TCCC, CTI desktop clients and Sobot.

Configuration comes from environment variables; the flags below override them:
  SCREENPOP_ADDR             HTTP listen address (default 127.0.0.1:8080)
  DATABASE_URL               PostgreSQL URL; unset = run an embedded cluster under the data dir
  SCREENPOP_DATA_DIR         data directory (default ./var)
  SCREENPOP_MASTER_KEY_FILE  master key file (default <data dir>/master.key)
  SCREENPOP_BASE_URL         public URL for links and cookies (default http://<addr>)
  SCREENPOP_DEMO             seed a demo tenant on first start (default 1)
  SCREENPOP_PG_LISTEN        also let the embedded cluster listen on this loopback address
  SCREENPOP_LOG_LEVEL        debug, info, warn or error (default info)`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if envErr != nil {
				return envErr
			}
			if err := c.cfg.Validate(); err != nil {
				return fmt.Errorf("configuration:\n%w", err)
			}
			return nil
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&c.cfg.Addr, "addr", c.cfg.Addr, "HTTP listen address ($SCREENPOP_ADDR)")
	f.StringVar(&c.cfg.DatabaseURL, "database-url", c.cfg.DatabaseURL, "PostgreSQL URL ($DATABASE_URL); empty runs the embedded cluster")
	f.StringVar(&c.cfg.DataDir, "data-dir", c.cfg.DataDir, "data directory ($SCREENPOP_DATA_DIR)")
	f.StringVar(&c.cfg.MasterKeyFile, "master-key-file", c.cfg.MasterKeyFile, "master key file ($SCREENPOP_MASTER_KEY_FILE)")
	f.StringVar(&c.cfg.BaseURL, "base-url", c.cfg.BaseURL, "public base URL ($SCREENPOP_BASE_URL)")
	f.StringVar(&c.cfg.LogLevel, "log-level", c.cfg.LogLevel, "debug, info, warn or error ($SCREENPOP_LOG_LEVEL)")

	root.AddCommand(c.serveCmd(), c.migrateCmd(), c.tenantCmd(), c.userCmd(), c.apikeyCmd(), c.keysCmd(), c.importCmd(), c.exportCmd(), c.workerCmd())
	root.AddCommand(c.checkEndpointCmd(), c.mockEndpointCmd())
	return root
}

// exactArgs is cobra.ExactArgs with a message that shows the usage line.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return errors.New("usage: " + cmd.UseLine())
		}
		return nil
	}
}
