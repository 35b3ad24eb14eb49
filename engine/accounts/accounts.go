// Package accounts holds the people side of screenpop: tenants, users with
// their roles and permissions, password sign-in with a rate limit, server-side
// sessions and tenant API keys. Every query that reads tenant-owned rows takes
// the caller's tenant id and filters on it.
package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/uptrace/bun"
)

// Role is what a user may do in general.
type Role string

const (
	RoleOperator Role = "operator" // system scope: tenants, parameters, whitelist
	RoleAdmin    Role = "admin"    // a tenant's tables, pages, pops, users
	RoleAgent    Role = "agent"    // sees pops
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOperator || r == RoleAdmin || r == RoleAgent }

// Permission is a right granted per user on top of the role.
type Permission string

// PermReveal lets a user see a masked value in clear; every reveal is audited.
const PermReveal Permission = "reveal"

// KnownPermissions lists every permission, for forms and validation.
var KnownPermissions = []Permission{PermReveal}

// Service is the accounts store.
type Service struct {
	db  bun.IDB
	now func() time.Time
	// BcryptCost is the password hashing cost; tests may lower it.
	BcryptCost int
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration
}

// New returns a Service on db.
func New(db bun.IDB) *Service {
	return &Service{db: db, now: time.Now, BcryptCost: 11, SessionTTL: 12 * time.Hour}
}

// Principal is who is making a request: a signed-in user or an API key.
type Principal struct {
	User   *User   // nil for API keys
	APIKey *APIKey // nil for users
}

// TenantID is the tenant the principal acts in; 0 for operators.
func (p *Principal) TenantID() int64 {
	switch {
	case p == nil:
		return 0
	case p.User != nil && p.User.TenantID != nil:
		return *p.User.TenantID
	case p.APIKey != nil:
		return p.APIKey.TenantID
	}
	return 0
}

// Role is the principal's role; API keys act as tenant admins, except keys
// bound to a page, which have no role: they serve that page's queryCustomer
// and nothing else.
func (p *Principal) Role() Role {
	switch {
	case p == nil:
		return ""
	case p.User != nil:
		return p.User.Role
	case p.APIKey != nil && p.APIKey.PageID == nil:
		return RoleAdmin
	}
	return ""
}

// Can reports whether the principal holds perm.
func (p *Principal) Can(perm Permission) bool {
	var list []string
	switch {
	case p == nil:
		return false
	case p.User != nil:
		list = p.User.Permissions
	case p.APIKey != nil:
		list = p.APIKey.Scopes
	}
	for _, have := range list {
		if have == string(perm) {
			return true
		}
	}
	return false
}

// randomToken returns n random bytes as unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken stores high-entropy secrets (session tokens, API keys): SHA-256 is
// enough for random 256-bit values and lets us look them up by hash.
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
