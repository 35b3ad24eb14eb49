package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// User is a person who signs in.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID           int64     `bun:",pk,autoincrement" json:"id"`
	TenantID     *int64    `bun:"tenant_id" json:"tenantId,omitempty"`
	Username     string    `bun:",notnull" json:"username"`
	DisplayName  string    `bun:",notnull" json:"displayName"`
	Role         Role      `bun:",notnull" json:"role"`
	Permissions  []string  `bun:",array,notnull" json:"permissions"`
	WorkNo       *string   `bun:"work_no" json:"workNo,omitempty"`
	PasswordHash string    `bun:",notnull" json:"-"`
	Disabled     bool      `bun:",notnull" json:"disabled"`
	CreatedAt    time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
}

// Can reports whether the user holds perm.
func (u *User) Can(perm Permission) bool { return slices.Contains(u.Permissions, string(perm)) }

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$`)

// NewUser is the input for CreateUser.
type NewUser struct {
	TenantID    *int64 // nil for operators
	Username    string
	DisplayName string
	Role        Role
	Permissions []string
	Password    string
	// WorkNo is the agent's work number (工号) on the telephony side; call
	// events name agents by it. Optional.
	WorkNo string
}

var workNoPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

func (n *NewUser) validate() error {
	n.Username = strings.TrimSpace(n.Username)
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	var v apperr.Fields
	if !usernamePattern.MatchString(n.Username) {
		v.Add("username", "field.username")
	}
	if utf8.RuneCountInString(n.DisplayName) > 128 {
		v.Add("displayName", "field.too_long", 128)
	}
	if !n.Role.Valid() {
		v.Add("role", "field.role")
	} else if (n.Role == RoleOperator) != (n.TenantID == nil) {
		v.Add("role", "user.operator_tenant")
	}
	for _, p := range n.Permissions {
		if !slices.Contains(KnownPermissions, Permission(p)) {
			v.Add("permissions", "field.permission", p)
		}
	}
	if utf8.RuneCountInString(n.Password) < MinPasswordLength {
		v.Add("password", "field.password_short", MinPasswordLength)
	}
	n.WorkNo = strings.TrimSpace(n.WorkNo)
	if n.WorkNo != "" && !workNoPattern.MatchString(n.WorkNo) {
		v.Add("workNo", "field.work_no")
	}
	return v.Err()
}

func workNoPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func uniqueUserError(err error) error {
	field, key := "username", "user.username_taken"
	if strings.Contains(err.Error(), "work_no") {
		field, key = "workNo", "user.work_no_taken"
	}
	e := apperr.Field(field, key)
	e.Code = apperr.Conflict
	return e
}

// CreateUser adds a user with a hashed password.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	perms := in.Permissions
	if perms == nil {
		perms = []string{}
	}
	if err := checkGrant(ctx, 0, nil, perms); err != nil {
		return nil, err
	}
	u := &User{
		TenantID: in.TenantID, Username: in.Username, DisplayName: in.DisplayName,
		Role: in.Role, Permissions: perms, PasswordHash: string(hash), WorkNo: workNoPtr(in.WorkNo),
	}
	if _, err := s.db.NewInsert().Model(u).Returning("*").Exec(ctx); err != nil {
		if database.IsUniqueViolation(err) {
			return nil, s.usernameConflict(ctx, in, uniqueUserError(err))
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	if err := s.recordAction(ctx, u.TenantID, "user.create", fmt.Sprintf("user:%d", u.ID),
		map[string]any{"user": u.Username, "role": string(u.Role), "permissions": u.Permissions}); err != nil {
		return nil, err
	}
	return u, nil
}

// ListUsers returns the users of one tenant.
func (s *Service) ListUsers(ctx context.Context, tenantID int64) ([]User, error) {
	var us []User
	err := s.db.NewSelect().Model(&us).Where("tenant_id = ?", tenantID).Order("id").Scan(ctx)
	return us, err
}

// ListOperators returns the system-scope users.
func (s *Service) ListOperators(ctx context.Context) ([]User, error) {
	var us []User
	err := s.db.NewSelect().Model(&us).Where("tenant_id IS NULL").Order("id").Scan(ctx)
	return us, err
}

// GetUser returns a user of the tenant; another tenant's user is not found.
func (s *Service) GetUser(ctx context.Context, tenantID, id int64) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("id = ? AND tenant_id = ?", id, tenantID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("user.not_found")
	}
	return u, err
}

// UserUpdate changes a user; nil fields stay as they are.
type UserUpdate struct {
	DisplayName *string
	Permissions []string // nil: unchanged
	Disabled    *bool
	WorkNo      *string // "" clears it
}

// UpdateUser changes a user of the tenant.
func (s *Service) UpdateUser(ctx context.Context, tenantID, id int64, up UserUpdate) (*User, error) {
	u, err := s.GetUser(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	var v apperr.Fields
	if up.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*up.DisplayName)
		if utf8.RuneCountInString(u.DisplayName) > 128 {
			v.Add("displayName", "field.too_long", 128)
		}
	}
	before := u.Permissions
	if up.Permissions != nil {
		for _, p := range up.Permissions {
			if !slices.Contains(KnownPermissions, Permission(p)) {
				v.Add("permissions", "field.permission", p)
			}
		}
		if err := checkGrant(ctx, u.ID, before, up.Permissions); err != nil {
			return nil, err
		}
		u.Permissions = up.Permissions
	}
	if up.Disabled != nil {
		u.Disabled = *up.Disabled
	}
	if up.WorkNo != nil {
		w := strings.TrimSpace(*up.WorkNo)
		if w != "" && !workNoPattern.MatchString(w) {
			v.Add("workNo", "field.work_no")
		}
		u.WorkNo = workNoPtr(w)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	_, err = s.db.NewUpdate().Model(u).Column("display_name", "permissions", "disabled", "work_no").
		Where("id = ? AND tenant_id = ?", id, tenantID).Exec(ctx)
	if database.IsUniqueViolation(err) {
		return nil, uniqueUserError(err)
	}
	if err != nil {
		return nil, err
	}
	if !sameSet(before, u.Permissions) {
		if err := s.recordAction(ctx, &tenantID, "user.permissions", fmt.Sprintf("user:%d", u.ID),
			map[string]any{"user": u.Username, "before": before, "after": u.Permissions}); err != nil {
			return nil, err
		}
	}
	if u.Disabled {
		// Signing a user out everywhere is part of disabling them.
		if _, err := s.db.NewDelete().Model((*session)(nil)).Where("user_id = ?", id).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// SetPassword replaces a user's password (by username, for the CLI) and ends
// their sessions.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return apperr.Field("password", "field.password_short", MinPasswordLength)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.BcryptCost)
	if err != nil {
		return err
	}
	var id int64
	// QueryRowContext reads the reply to its end, so a failed commit is an
	// error rather than a reset reported as done.
	err = s.db.QueryRowContext(ctx, `UPDATE users SET password_hash = ? WHERE username = ? RETURNING id`,
		string(hash), username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("user.not_found")
	}
	if err != nil {
		return err
	}
	_, err = s.db.NewDelete().Model((*session)(nil)).Where("user_id = ?", id).Exec(ctx)
	return err
}

// UserByWorkNo finds the tenant's user with a work number.
func (s *Service) UserByWorkNo(ctx context.Context, tenantID int64, workNo string) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("tenant_id = ? AND work_no = ?", tenantID, workNo).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("user.not_found")
	}
	return u, err
}

// usernameConflict keeps other tenants private: user names are unique
// across the server (one sign-in form), but "taken" is said only when the
// name belongs to the caller's own tenant, whose users the admin sees
// anyway. A name of another tenant (or an operator) gets the answer of a
// name that cannot be used, which says nothing about who has it.
func (s *Service) usernameConflict(ctx context.Context, in NewUser, err error) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 || e.Fields[0].Field != "username" {
		return err
	}
	q := s.db.NewSelect().Model((*User)(nil)).Where("username = ?", in.Username)
	if in.TenantID != nil {
		q = q.Where("tenant_id = ?", *in.TenantID)
	} else {
		q = q.Where("tenant_id IS NULL")
	}
	if own, qerr := q.Exists(ctx); qerr != nil || own {
		return err
	}
	return apperr.Field("username", "user.username_unavailable")
}
