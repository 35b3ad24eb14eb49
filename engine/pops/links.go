package pops

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
)

// Signed pop links: a pop URL carrying a call, signed with a key of the
// tenant, valid for a few minutes and usable once.

// linkKey is the tenant's key for signed pop links.
func (r *Runtime) linkKey(tenantID int64) []byte {
	return r.key.Derive("pop-link:"+strconv.FormatInt(tenantID, 10), 32)
}

// SignLink returns a signed pop link for a call, as a path with its query
// (the workspace frames it from our own origin; integrations put the public
// base URL in front).
func (r *Runtime) SignLink(tenantID int64, slug string, pageID int64, call url.Values) string {
	return r.SignLinkAt(tenantID, slug, pageID, call, time.Now())
}

// SignLinkAt signs as of the given time (links for later, and tests).
func (r *Runtime) SignLinkAt(tenantID int64, slug string, pageID int64, call url.Values, at time.Time) string {
	path := popPath(slug, pageID)
	signed := dialect.Sign(r.linkKey(tenantID), path, call, at)
	return path + "?" + signed.Encode()
}

// checkLink accepts a signed link once, within the allowed skew, and
// refuses it with the reason otherwise.
func (r *Runtime) checkLink(ctx context.Context, pt *Target, params url.Values) error {
	err := dialect.VerifyOnce(ctx, r.nonces, r.linkKey(pt.Tenant.ID), pt.Path, params, time.Now(), dialect.DefaultMaxSkew)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, dialect.ErrSigExpired):
		return apperr.New(apperr.Unauthorized, "pop.expired")
	case errors.Is(err, dialect.ErrSigReplayed):
		return apperr.New(apperr.Unauthorized, "pop.replayed")
	case errors.Is(err, dialect.ErrBadSignature), errors.Is(err, dialect.ErrSigMissing):
		return apperr.New(apperr.Unauthorized, "pop.bad_signature")
	default:
		return err
	}
}
