// Package migrations holds the database schema as SQL files embedded in the
// binary and runs them with bun/migrate. It is a leaf: nothing of ours is
// imported here.
package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

//go:embed sql/*.sql
var files embed.FS

// advisoryLockKey serialises migrators across processes. bun's own lock table
// refuses a second migrator instead of making it wait, and its Init is not
// safe to run concurrently, so every migrator first queues on this lock.
const advisoryLockKey = 0x5c9ee9_0001

// Collection returns the embedded migrations. Discover reads the embedded FS,
// never the caller's source directory, so a shipped binary migrates too.
func Collection() (*migrate.Migrations, error) {
	sub, err := fs.Sub(files, "sql")
	if err != nil {
		return nil, err
	}
	m := migrate.NewMigrations()
	if err := m.Discover(sub); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return m, nil
}

// Fingerprint returns a hex SHA-256 over the names and contents of the
// embedded migration files, so a database built from them can be recognised
// as current (the test harness names its template database after it). It
// changes whenever a migration is added, renamed or edited.
func Fingerprint() string {
	h := sha256.New()
	// WalkDir visits in lexical order, so the sum is deterministic.
	err := fs.WalkDir(files, "sql", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		// Length prefixes keep name/content boundaries unambiguous.
		fmt.Fprintf(h, "%d:%s%d:", len(path), path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		// The files are compiled in; failing to read them is a build bug.
		panic(fmt.Sprintf("migrations: read embedded files: %v", err))
	}
	riverFingerprint(h)
	return hex.EncodeToString(h.Sum(nil))
}

func newMigrator(db *bun.DB) (*migrate.Migrator, error) {
	m, err := Collection()
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(db, m, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// withLock runs fn while holding the cross-process advisory lock and bun's
// migration lock.
func withLock(ctx context.Context, db *bun.DB, fn func(*migrate.Migrator) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrations: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", advisoryLockKey); err != nil {
		return fmt.Errorf("migrations: wait for lock: %w", err)
	}
	defer func() {
		_, unlockErr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", advisoryLockKey)
		err = errors.Join(err, unlockErr)
	}()

	migrator, err := newMigrator(db)
	if err != nil {
		return err
	}
	if err := migrator.Init(ctx); err != nil {
		return fmt.Errorf("migrations: init: %w", err)
	}
	if err := migrator.Lock(ctx); err != nil {
		// We hold the advisory lock, so nobody else is migrating: a row in
		// bun's lock table is left over from a migrator that crashed.
		if unlockErr := migrator.Unlock(ctx); unlockErr != nil {
			return fmt.Errorf("migrations: clear stale lock: %w", unlockErr)
		}
		if err := migrator.Lock(ctx); err != nil {
			return fmt.Errorf("migrations: lock: %w", err)
		}
	}
	defer func() { err = errors.Join(err, migrator.Unlock(context.WithoutCancel(ctx))) }()
	return fn(migrator)
}

// Up applies every migration not yet applied and returns their names.
func Up(ctx context.Context, db *bun.DB) ([]string, error) {
	var applied []string
	err := withLock(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrations: up: %w", err)
		}
		for _, mig := range group.Migrations {
			applied = append(applied, mig.Name+"_"+mig.Comment)
		}
		// The job queue's own schema, after ours (see river.go); its
		// versions are not listed in applied.
		_, err = riverUp(ctx, db)
		return err
	})
	return applied, err
}

// Down rolls back the last applied group and returns the names rolled back.
func Down(ctx context.Context, db *bun.DB) ([]string, error) {
	var rolled []string
	err := withLock(ctx, db, func(m *migrate.Migrator) error {
		river, err := riverDownIfLast(ctx, db, m)
		if err != nil {
			return err
		}
		rolled = append(rolled, river...)
		group, err := m.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("migrations: down: %w", err)
		}
		for _, mig := range group.Migrations {
			rolled = append(rolled, mig.Name+"_"+mig.Comment)
		}
		return nil
	})
	return rolled, err
}

// Status is one migration and whether it is applied.
type Status struct {
	Name    string
	Applied bool
	GroupID int64
}

// List reports every known migration with its state.
func List(ctx context.Context, db *bun.DB) ([]Status, error) {
	migrator, err := newMigrator(db)
	if err != nil {
		return nil, err
	}
	if err := migrator.Init(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("migrations: init: %w", err)
	}
	ms, err := migrator.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: status: %w", err)
	}
	out := make([]Status, 0, len(ms))
	for _, m := range ms {
		out = append(out, Status{Name: m.Name + "_" + m.Comment, Applied: m.IsApplied(), GroupID: m.GroupID})
	}
	return out, nil
}
