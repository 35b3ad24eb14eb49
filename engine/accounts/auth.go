package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("screenpop-timing-equaliser"), 11)

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
func (s *Service) Login(ctx context.Context, username, password, ip string) (*User, error) {
	username = strings.TrimSpace(username)
	since := s.now().Add(-LoginWindow)
	var byUser, byIP int
	err := s.db.NewSelect().Model((*loginFailure)(nil)).
		ColumnExpr("count(*) FILTER (WHERE lower(username) = lower(?))", username).
		ColumnExpr("count(*) FILTER (WHERE ip = ?)", ip).
		Where("at > ?", since).
		Where("lower(username) = lower(?) OR ip = ?", username, ip).
		Scan(ctx, &byUser, &byIP)
	if err != nil {
		return nil, fmt.Errorf("count login failures: %w", err)
	}
	if byUser >= MaxFailuresPerUser || byIP >= MaxFailuresPerIP {
		return nil, apperr.New(apperr.RateLimited, "error.rate_limited")
	}

	u := new(User)
	err = s.db.NewSelect().Model(u).Where("username = ?", username).Scan(ctx)
	hash := dummyHash
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
		if _, err := s.db.NewInsert().Model(&loginFailure{Username: username, IP: ip}).Exec(ctx); err != nil {
			return nil, fmt.Errorf("record login failure: %w", err)
		}
		return nil, apperr.New(apperr.Unauthorized, "auth.bad_credentials")
	}
	// A success forgets this name's failures; the address keeps its count so
	// one valid account cannot be used to reset guessing at others.
	_, err = s.db.NewDelete().Model((*loginFailure)(nil)).Where("lower(username) = lower(?)", username).Exec(ctx)
	return u, err
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
