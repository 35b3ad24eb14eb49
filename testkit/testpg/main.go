// Command testpg runs a command (usually `go test ./...`) with one
// PostgreSQL server for the whole run: it starts a throwaway embedded cluster,
// sets DATABASE_URL for the command, and stops the cluster afterwards. Every
// test package then clones its own database from one migrated template on
// that server (see package testkit). With DATABASE_URL already set it just
// runs the command against that server.
//
//	go run ./testkit/testpg -- go test ./...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/screenpop/screenpop/internal/pgserver"
)

func main() {
	dir := flag.String("data-dir", "", "where the throwaway cluster lives (default var/test-postgres-<pid>; removed at the end)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: testpg [--data-dir DIR] -- COMMAND [ARGS...]\n\n"+
			"Runs COMMAND with DATABASE_URL pointing at a throwaway PostgreSQL cluster.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if *dir == "" {
		// One directory per run: two runs at once must not wipe each
		// other's cluster.
		*dir = fmt.Sprintf("var/test-postgres-%d", os.Getpid())
	}
	os.Exit(run(*dir, flag.Args()))
}

func run(dir string, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("DATABASE_URL") == "" {
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		// A cluster left in this directory by an interrupted run is stale:
		// start clean.
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "testpg:", err)
			return 1
		}
		srv, err := pgserver.Start(ctx, pgserver.Options{DataDir: dir, Logger: log, Ephemeral: true})
		if err != nil {
			fmt.Fprintln(os.Stderr, "testpg:", err)
			return 1
		}
		defer func() {
			if err := srv.Stop(context.WithoutCancel(ctx)); err != nil {
				fmt.Fprintln(os.Stderr, "testpg: stop:", err)
			}
			_ = os.RemoveAll(dir)
		}()
		os.Setenv("DATABASE_URL", srv.DSN("postgres"))
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// On Ctrl+C the child gets the signal from the terminal too; give it
	// time to clean up its databases before we stop the server.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "testpg:", err)
		return 1
	}
	return 0
}
