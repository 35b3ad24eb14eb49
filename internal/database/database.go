// Package database opens the PostgreSQL connection pool that every domain
// package uses through bun.IDB. It is a leaf so that tests of any package can
// open a database without pulling in the engine.
package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/screenpop/screenpop/internal/apperr"
)

// Options tunes the pool; zero values take the defaults.
type Options struct {
	MaxOpenConns int
	MaxIdleConns int
}

// Open connects to dsn (a postgres:// URL or key=value string) with pgx and
// returns a bun.DB on the PostgreSQL dialect after checking the server answers.
func Open(ctx context.Context, dsn string, opts Options) (*bun.DB, error) {
	db, err := openPool(dsn, opts)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("database: cannot reach PostgreSQL: %w", err)
	}
	return db, nil
}

// openPool makes the pool without connecting yet.
func openPool(dsn string, opts Options) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database: parse the connection string: %w", err)
	}
	// Caching statement descriptions keeps repeated queries at one round trip
	// without named prepared statements, which transaction poolers such as
	// PgBouncer cannot follow.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	sqldb := stdlib.OpenDB(*cfg)
	if opts.MaxOpenConns <= 0 {
		opts.MaxOpenConns = 20
	}
	if opts.MaxIdleConns <= 0 {
		opts.MaxIdleConns = opts.MaxOpenConns
	}
	sqldb.SetMaxOpenConns(opts.MaxOpenConns)
	sqldb.SetMaxIdleConns(opts.MaxIdleConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// InTx runs fn in a transaction, committing when it returns nil.
func InTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.RunInTx(ctx, &sql.TxOptions{}, fn)
}

// CopyFrom runs COPY … FROM STDIN (binary) into table's columns on conn,
// with the rows src yields, inside whatever transaction is open on conn.
// database/sql has no COPY, so it goes through the pgx connection under
// conn; the transaction's other statements go through database/sql on
// the same session. It returns the rows copied.
func CopyFrom(ctx context.Context, conn *sql.Conn, table string, columns []string, src pgx.CopyFromSource) (int64, error) {
	var n int64
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("database: COPY needs the pgx driver, not %T", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, src)
		return err
	})
	return n, err
}

// IsUniqueViolation reports whether err is PostgreSQL's unique_violation, the
// usual way a duplicate name surfaces.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// IsUnavailable reports whether err means PostgreSQL cannot serve now
// rather than that the query was wrong: no connection (refused, reset,
// closed, timed out), the server shutting down or starting up, out of
// connections or other resources, or a read-only standby after a failover.
// Such a failure is worth retrying later, and says nothing about the data.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),  // insufficient resources: too many connections…
			strings.HasPrefix(pgErr.Code, "57P"), // admin or crash shutdown, cannot connect now
			pgErr.Code == "25006":                // read-only transaction: a standby
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed")
}

// Classify turns a failure of the database itself into apperr's
// Unavailable (503, "temporarily unavailable"), keeping it as the cause;
// other errors pass unchanged.
func Classify(err error) error {
	if IsUnavailable(err) {
		if _, ok := apperr.As(err); !ok {
			return apperr.Wrap(apperr.Unavailable, err, "error.unavailable")
		}
	}
	return err
}

// LockTenantScope takes a transaction-scoped advisory lock on one scope
// (a kind of thing, such as "pages") of one tenant, so that check-then-insert
// steps such as per-tenant limits cannot race. The key is a 64-bit hash of
// scope and tenant id, so every tenant id fits, however large.
func LockTenantScope(ctx context.Context, tx bun.IDB, scope string, tenantID int64) error {
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(? || ':' || ?::text, 0))", scope, tenantID)
	return err
}
