package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"slices"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// The job queue (github.com/riverqueue/river) keeps its tables (river_job,
// river_leader, river_queue, …) under its own migrations, which rivermigrate
// runs. They belong to our import migration: Up applies them right after
// ours, under the same lock, and Down removes them when it rolls back the
// group that holds importsMigration, so a database migrated all the way
// down holds neither.

// importsMigration is the migration that introduced the job queue.
const importsMigration = "20261126000005"

func riverMigrator(db *bun.DB) (*rivermigrate.Migrator[*sql.Tx], error) {
	return rivermigrate.New(riverdatabasesql.New(db.DB), &rivermigrate.Config{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// riverUp applies river's pending migrations and returns their names.
func riverUp(ctx context.Context, db *bun.DB) ([]string, error) {
	m, err := riverMigrator(db)
	if err != nil {
		return nil, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrations: river up: %w", err)
	}
	var names []string
	for _, v := range res.Versions {
		names = append(names, fmt.Sprintf("river_%03d_%s", v.Version, v.Name))
	}
	return names, nil
}

// riverDownIfLast removes river's schema when the group that Rollback is
// about to undo holds importsMigration.
func riverDownIfLast(ctx context.Context, db *bun.DB, m *migrate.Migrator) ([]string, error) {
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: status: %w", err)
	}
	last := ms.LastGroup()
	if last == nil || !slices.ContainsFunc(last.Migrations, func(x migrate.Migration) bool { return x.Name == importsMigration }) {
		return nil, nil
	}
	rm, err := riverMigrator(db)
	if err != nil {
		return nil, err
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1})
	if err != nil {
		return nil, fmt.Errorf("migrations: river down: %w", err)
	}
	var names []string
	for _, v := range res.Versions {
		names = append(names, fmt.Sprintf("river_%03d_%s", v.Version, v.Name))
	}
	return names, nil
}

// riverFingerprint adds river's migrations to a fingerprint, so a river
// upgrade that brings new ones is noticed like one of ours.
func riverFingerprint(h hash.Hash) {
	m, err := rivermigrate.New(riverdatabasesql.New(nil), nil)
	if err != nil {
		panic(fmt.Sprintf("migrations: river: %v", err))
	}
	for _, v := range m.AllVersions() {
		fmt.Fprintf(h, "river:%d:%d:%s%d:%s", v.Version, len(v.SQLUp), v.SQLUp, len(v.SQLDown), v.SQLDown)
	}
}
