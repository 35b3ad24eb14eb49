package pops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/audit"
)

// The login.cgi way of the CTI client's unified login (seed 003 §二):
// "业务系统登录成功后，先重定向到一个特殊的URL … login.cgi?user=101&pass=…&url=…
// 该URL是CTI席位端框架内嵌的Web服务器的URL，此URL仅能在本机访问。席位端根据URL后的
// 参数进行用户认证，并实现CTI系统的入席登录，登录成功后主窗口页面自动调回url参数中的
// 页面". screenpop is the business system: after an agent signs in to it
// in the client's main window, it redirects there with the agent's CTI
// work number (the user's 工号) and CTI password — stored by an admin,
// sealed with the tenant's key, or typed by the agent at sign-in — and
// url, screenpop's own absolute address to come back to.
//
// The password travels in a URL to a server on the agent's own machine,
// as the client requires; it is never stored in clear, shown back,
// logged, or sent anywhere else.

// DefaultCTILoginURL is the client's embedded web server (seed 003 §二).
const DefaultCTILoginURL = "http://localhost:180/cgi-bin/login.cgi"

// CTILoginAddress is where agents are sent to be seated.
func (ps *PlatformSettings) CTILoginAddress() string {
	if ps.CTILoginURL != "" {
		return ps.CTILoginURL
	}
	return DefaultCTILoginURL
}

// validCTILoginURL: an absolute http(s) address of its own, without
// credentials, query or fragment (screenpop appends the query).
func validCTILoginURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil &&
		u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" && !strings.ContainsAny(raw, " \t\r\n\\")
}

func ctiPasswordAD(tenantID, userID int64) []byte {
	return []byte("screenpop:cti-password:" + strconv.FormatInt(tenantID, 10) + ":" + strconv.FormatInt(userID, 10))
}

// MaxCTIPasswordLength bounds a CTI password.
const MaxCTIPasswordLength = 128

// SetCTIPassword stores an agent's CTI password sealed with the tenant's
// key (bound to the user), or removes it when password is empty. The user
// must be the tenant's. The change is audited with its actor ("set" or
// "removed"; the password never enters the entry), in the same
// transaction; removing a password that was not stored changes nothing and
// is not audited.
func (s *Service) SetCTIPassword(ctx context.Context, tenantID, userID int64, password string) error {
	if len(password) > MaxCTIPasswordLength || strings.ContainsAny(password, "\x00\r\n") {
		return apperr.Field("ctiPassword", "user.cti_password", MaxCTIPasswordLength)
	}
	var username string
	err := s.db.NewSelect().Table("users").Column("username").Where("id = ? AND tenant_id = ?", userID, tenantID).Scan(ctx, &username)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("user.not_found")
	}
	if err != nil {
		return err
	}
	var sealed []byte
	if password != "" {
		if sealed, err = s.sealer.Seal(ctx, tenantID, []byte(password), ctiPasswordAD(tenantID, userID)); err != nil {
			return err
		}
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		change := "set"
		if password == "" {
			res, err := tx.NewDelete().Table("cti_credentials").Where("tenant_id = ? AND user_id = ?", tenantID, userID).Exec(ctx)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			change = "removed"
		} else if _, err := tx.NewRaw(`INSERT INTO cti_credentials (tenant_id, user_id, password_sealed) VALUES (?, ?, ?)
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET password_sealed = EXCLUDED.password_sealed, updated_at = now()`,
			tenantID, userID, sealed).Exec(ctx); err != nil {
			return err
		}
		actor := accounts.ActorFrom(ctx)
		detail := actor.AuditDetail()
		detail["user"] = username
		detail["change"] = change
		return audit.Record(ctx, tx, audit.Entry{TenantID: &tenantID, UserID: actor.AuditUserID(),
			Action: AuditCTIPassword, Target: fmt.Sprintf("user:%d", userID), Detail: detail})
	})
}

// AuditCTIPassword is the audit action of setting or removing an agent's
// CTI password.
const AuditCTIPassword = "user.cti_password"

// CTIPasswordSet reports whether an agent has a stored CTI password; the
// password itself never leaves the engine but in the login.cgi redirect.
func (s *Service) CTIPasswordSet(ctx context.Context, tenantID, userID int64) (bool, error) {
	n, err := s.db.NewSelect().Table("cti_credentials").Where("tenant_id = ? AND user_id = ?", tenantID, userID).Count(ctx)
	return n > 0, err
}

func (s *Service) ctiPassword(ctx context.Context, tenantID, userID int64) (string, bool, error) {
	var sealed []byte
	err := s.db.NewSelect().Table("cti_credentials").Column("password_sealed").
		Where("tenant_id = ? AND user_id = ?", tenantID, userID).Scan(ctx, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	pt, err := s.sealer.Open(ctx, tenantID, sealed, ctiPasswordAD(tenantID, userID))
	if err != nil {
		return "", false, fmt.Errorf("open the CTI password of user %d: %w", userID, err)
	}
	return string(pt), true, nil
}

// CTILoginRedirect returns where an agent who has just signed in from the
// CTI client goes to be seated (the client's login.cgi, with user, pass
// and url in the seed's order), or "" when the tenant has not turned the
// login.cgi way on. typed is the CTI password the agent typed at sign-in
// (preferred), else the stored one is used. back must be screenpop's own
// absolute address; the caller builds it from its base URL and a checked
// path, never from the request.
func (s *Service) CTILoginRedirect(ctx context.Context, tenantID int64, u *accounts.User, typed, back string) (string, error) {
	ps, err := s.Settings(ctx, tenantID)
	if err != nil || !ps.CTIUnifiedLogin {
		return "", err
	}
	if u.WorkNo == nil || strings.TrimSpace(*u.WorkNo) == "" {
		return "", apperr.New(apperr.Invalid, "cti.no_work_no")
	}
	password := typed
	if password == "" {
		var ok bool
		if password, ok, err = s.ctiPassword(ctx, tenantID, u.ID); err != nil {
			return "", err
		} else if !ok {
			return "", apperr.New(apperr.Invalid, keyNoCTIPassword)
		}
	}
	if len(password) > MaxCTIPasswordLength {
		return "", apperr.Field("ctiPassword", "user.cti_password", MaxCTIPasswordLength)
	}
	// "login.cgi?user=101&pass=3B4D5C6D7E8F9A3B4D5C6D7E8F9&url=http:%3F%3F%3Fmain": each
	// value escaped, so no value can add a parameter, a line or a fragment.
	return ps.CTILoginAddress() + "?user=" + url.QueryEscape(strings.TrimSpace(*u.WorkNo)) +
		"&pass=" + url.QueryEscape(password) + "&url=" + url.QueryEscape(back), nil
}

const keyNoCTIPassword = "cti.no_password"

// NeedsCTIPassword reports whether CTILoginRedirect refused for want of a
// CTI password: none typed and none stored, so the agent is to type it.
func NeedsCTIPassword(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Key == keyNoCTIPassword
}
