package database_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// What counts as "the database cannot serve now" (503, retry) rather than
// a failed query (500) or an answer (404…).
func TestIsUnavailable(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code}) }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"no rows", sql.ErrNoRows, false},
		{"unique violation", pg("23505"), false},
		{"syntax error", pg("42601"), false},
		{"too many connections", pg("53300"), true},
		{"out of memory", pg("53200"), true},
		{"admin shutdown (restart)", pg("57P01"), true},
		{"starting up", pg("57P03"), true},
		{"connection failure", pg("08006"), true},
		{"read-only standby", pg("25006"), true},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"bad conn", driver.ErrBadConn, true},
		{"pool wait timed out", context.DeadlineExceeded, true},
		{"client went away", context.Canceled, false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := database.IsUnavailable(tt.err); got != tt.want {
				t.Fatalf("IsUnavailable(%v) = %v, want %v", tt.err, got, tt.want)
			}
			classified := database.Classify(tt.err)
			if got := apperr.Is(classified, apperr.Unavailable); got != tt.want {
				t.Fatalf("Classify(%v) unavailable = %v, want %v", tt.err, got, tt.want)
			}
			if tt.want && !errors.Is(classified, tt.err) {
				t.Fatalf("Classify lost the cause %v", tt.err)
			}
		})
	}
}
