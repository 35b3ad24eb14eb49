package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/spf13/cobra"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/logging"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/internal/pgserver"
	"github.com/screenpop/screenpop/migrations"
)

// embeddedDBName is the database the embedded cluster keeps our data in.
const embeddedDBName = "screenpop"

// runtime is an open database (and, without DATABASE_URL, the embedded
// cluster behind it) plus the engine on top.
type runtime struct {
	log *slog.Logger
	pg  *pgserver.Server // nil with DATABASE_URL
	db  *bun.DB
	eng *engine.Engine
}

func (c *cli) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.cfg.LogLevel))
	return logging.New(os.Stderr, level)
}

// open connects to the database, starting the embedded cluster if needed,
// and optionally applies migrations.
func (c *cli) open(ctx context.Context, migrate bool) (*runtime, error) {
	rt := &runtime{log: c.logger()}
	dsn := c.cfg.DatabaseURL
	if dsn == "" {
		pg, err := pgserver.Start(ctx, pgserver.Options{
			DataDir:    filepath.Join(c.cfg.DataDir, "postgres"),
			ListenAddr: c.cfg.PGListen,
			Logger:     rt.log,
		})
		if err != nil {
			return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		rt.pg = pg
		if err := ensureDatabase(ctx, pg.DSN("postgres"), embeddedDBName); err != nil {
			rt.close(ctx)
			return nil, err
		}
		dsn = pg.DSN(embeddedDBName)
	}
	db, err := database.Open(ctx, dsn, database.Options{})
	if err != nil {
		rt.close(ctx)
		return nil, err
	}
	rt.db = db
	if migrate {
		applied, err := migrations.Up(ctx, db)
		if err != nil {
			rt.close(ctx)
			return nil, err
		}
		for _, name := range applied {
			rt.log.Info("migration applied", "name", name)
		}
	}
	// The key file is created on the embedded default only: with an external
	// database, a new key would make existing encrypted data unreadable.
	key, err := masterkey.Load(c.cfg.MasterKeyFile, c.cfg.DatabaseURL == "" || os.Getenv("SCREENPOP_CREATE_MASTER_KEY") == "1")
	if err != nil {
		rt.close(ctx)
		return nil, fmt.Errorf("%w (set SCREENPOP_MASTER_KEY_FILE, or SCREENPOP_CREATE_MASTER_KEY=1 to create one)", err)
	}
	if rt.eng, err = engine.New(db, key); err != nil {
		rt.close(ctx)
		return nil, err
	}
	if days := c.cfg.CallRetentionDays; days > 0 {
		rt.eng.CallRetention = time.Duration(days) * 24 * time.Hour
	}
	return rt, nil
}

func (rt *runtime) close(ctx context.Context) {
	if rt.db != nil {
		_ = rt.db.Close()
	}
	if rt.pg != nil {
		if err := rt.pg.Stop(context.WithoutCancel(ctx)); err != nil {
			rt.log.Warn("stopping embedded PostgreSQL", "err", err)
		}
	}
}

// ensureDatabase creates dbname on the embedded cluster if it is missing.
func ensureDatabase(ctx context.Context, adminDSN, dbname string) error {
	db, err := database.Open(ctx, adminDSN, database.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.NewRaw("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", dbname).Scan(ctx, &exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+dbname)
	// Two instances starting together may race; the loser sees a duplicate.
	if err != nil && (database.IsUniqueViolation(err) || strings.Contains(err.Error(), "already exists")) {
		return nil
	}
	if err != nil {
		return errors.Join(fmt.Errorf("create database %s", dbname), err)
	}
	return nil
}

// withDB wraps a command's body: it opens the database (and, without
// DATABASE_URL, the embedded cluster) and always closes it again.
func (c *cli) withDB(migrate bool, fn func(ctx context.Context, rt *runtime, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		rt, err := c.open(ctx, migrate)
		if err != nil {
			return err
		}
		defer rt.close(ctx)
		return fn(ctx, rt, args)
	}
}
