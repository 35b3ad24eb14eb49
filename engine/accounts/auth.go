package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/screenpop/screenpop/internal/apperr"
)

// Sign-in rate limit: failures are counted per username and per source
// address over a sliding window, in the database so all instances agree.
const (
	LoginWindow        = 15 * time.Minute
	MaxFailuresPerUser = 5
	MaxFailuresPerIP   = 30
	sessionTokenBytes  = 32
)

// dummyHash is compared against when the username is unknown, so the answer
// takes as long as for a known user and does not reveal which names exist.
// It is made on first use, not at start-up: a bcrypt hash costs about
// 120 ms of CPU, which every CLI command would pay for nothing. A server
// makes it at start (PrepareLogin), so no login waits for it.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("screenpop-timing-equaliser"), 11)
	return h
})

// PrepareLogin makes what the first login needs ahead of it.
func PrepareLogin() { dummyHash() }

type loginFailure struct {
	bun.BaseModel `bun:"table:login_failures"`

	ID       int64     `bun:",pk,autoincrement"`
	Username string    `bun:",notnull"`
	IP       string    `bun:"ip,notnull"`
	At       time.Time `bun:",nullzero,notnull,default:current_timestamp"`
}

// Login checks a username and password. Every failure gets the same error
// (auth.bad_credentials); too many recent failures for the name or the
// address get apperr.RateLimited before the password is even looked at.
//
// The attempt is counted before the password is checked, and counting is
// serialised per name and per address, so parallel guesses cannot all pass
// the check before any of them is recorded: at most MaxFailuresPerUser
// attempts per name (MaxFailuresPerIP per address) reach bcrypt in a window.
func (s *Service) Login(ctx context.Context, username, password, ip string) (*User, error) {
	username = strings.TrimSpace(username)
	attemptID, err := s.countAttempt(ctx, username, ip)
	if err != nil {
		return nil, err
	}

	u := new(User)
	err = s.db.NewSelect().Model(u).Where("username = ?", username).Scan(ctx)
	hash := dummyHash()
	switch {
	case err == nil:
		hash = []byte(u.PasswordHash)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && err == nil && !u.Disabled
	if ok && u.TenantID != nil {
		t, terr := s.TenantByID(ctx, *u.TenantID)
		if terr != nil {
			return nil, terr
		}
		ok = !t.Disabled
	}
	if !ok {
		// The attempt recorded above stays: it is this failure.
		return nil, apperr.New(apperr.Unauthorized, "auth.bad_credentials")
	}
	// A success forgets this name's failures (and this attempt); the address
	// keeps its count so one valid account cannot be used to reset guessing
	// at others.
	_, err = s.db.NewDelete().Model((*loginFailure)(nil)).
		Where("lower(username) = lower(?) OR id = ?", username, attemptID).Exec(ctx)
	return u, err
}

// countAttempt records a sign-in attempt as a failure unless the name or
// the address is over its limit, in which case it answers RateLimited.
// Advisory locks on the name and on the address (taken in a fixed order, so
// two attempts cannot deadlock) make the count and the insert one step.
func (s *Service) countAttempt(ctx context.Context, username, ip string) (int64, error) {
	var id int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		keys := []int64{lockKey("login-user:" + strings.ToLower(username)), lockKey("login-ip:" + ip)}
		slices.Sort(keys)
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", k); err != nil {
				return fmt.Errorf("lock login attempts: %w", err)
			}
		}
		var byUser, byIP int
		err := tx.NewSelect().Model((*loginFailure)(nil)).
			ColumnExpr("count(*) FILTER (WHERE lower(username) = lower(?))", username).
			ColumnExpr("count(*) FILTER (WHERE ip = ?)", ip).
			Where("at > ?", s.now().Add(-LoginWindow)).
			Where("lower(username) = lower(?) OR ip = ?", username, ip).
			Scan(ctx, &byUser, &byIP)
		if err != nil {
			return fmt.Errorf("count login failures: %w", err)
		}
		if byUser >= MaxFailuresPerUser || byIP >= MaxFailuresPerIP {
			return apperr.New(apperr.RateLimited, "error.rate_limited")
		}
		f := &loginFailure{Username: username, IP: ip}
		if _, err := tx.NewInsert().Model(f).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("record login attempt: %w", err)
		}
		id = f.ID
		return nil
	})
	return id, err
}

// lockKey maps a name to a PostgreSQL advisory lock key.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

type session struct {
	bun.BaseModel `bun:"table:sessions"`

	TokenHash []byte    `bun:",pk"`
	UserID    int64     `bun:",notnull"`
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp"`
	ExpiresAt time.Time `bun:",notnull"`
	IP        string    `bun:"ip,notnull"`
	UserAgent string    `bun:",notnull"`
}

// CreateSession starts a session for the user and returns its token, which
// only the cookie holds; the database keeps its hash.
func (s *Service) CreateSession(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	token := randomToken(sessionTokenBytes)
	if len(userAgent) > 512 {
		userAgent = userAgent[:512]
	}
	sess := &session{TokenHash: hashToken(token), UserID: userID, ExpiresAt: s.now().Add(s.SessionTTL), IP: ip, UserAgent: userAgent}
	if _, err := s.db.NewInsert().Model(sess).Exec(ctx); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	// Opportunistic clean-up keeps the table small without a scheduler.
	_, _ = s.db.NewDelete().Model((*session)(nil)).Where("expires_at < ?", s.now().Add(-time.Hour)).Exec(ctx)
	return token, nil
}

// SessionUser returns the user of a live session, or apperr.Unauthorized.
func (s *Service) SessionUser(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	u := new(User)
	err := s.db.NewSelect().Model(u).
		Join("JOIN sessions AS s ON s.user_id = u.id").
		Join("LEFT JOIN tenants AS t ON t.id = u.tenant_id").
		Where("s.token_hash = ?", hashToken(token)).
		Where("s.expires_at > ?", s.now()).
		Where("NOT u.disabled").
		Where("t.id IS NULL OR NOT t.disabled").
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	return u, err
}

// DeleteSession ends a session (sign-out).
func (s *Service) DeleteSession(ctx context.Context, token string) error {
	_, err := s.db.NewDelete().Model((*session)(nil)).Where("token_hash = ?", hashToken(token)).Exec(ctx)
	return err
}
