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

// maxLinkParams bounds the call parameters of one pop link (Huawei's
// largest configuration passes 20, seed 002 §2.3).
const maxLinkParams = 50

// maxLinkValue bounds one parameter value.
const maxLinkValue = 1024

// PopLink is a signed pop link made for an integration.
type PopLink struct {
	Path      string    // /pop/{tenant}/{page}?…&ts=…&sig=…
	ExpiresAt time.Time // the link is refused after this (and once used)
}

// PopLinkInput is what an integration asks a pop link for: a published page
// of its tenant, the call's parameters in any platform's vocabulary, and
// optionally the dialect that reads them.
type PopLinkInput struct {
	PageID  int64
	Params  map[string]string
	Dialect string
}

// MakePopLink signs a pop link for an integration (platforms or middleware
// that can call an HTTP API before opening the pop): valid for
// dialect.DefaultMaxSkew either side of now, usable once. The page must be
// published; the parameters must be ones a pop can read.
func (r *Runtime) MakePopLink(ctx context.Context, tenantID int64, in PopLinkInput) (*PopLink, error) {
	t, err := r.accounts.TenantByID(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if _, _, err := r.pages.PublishedVersion(ctx, tenantID, in.PageID); err != nil {
		return nil, err
	}
	var v apperr.Fields
	if len(in.Params) > maxLinkParams {
		v.Add("params", "pop.too_many_params", maxLinkParams)
	}
	call := url.Values{}
	for k, val := range in.Params {
		switch {
		case !paramNamePattern.MatchString(k) || k == dialect.SigParam || k == dialect.TSParam || k == dialect.NonceParam || k == dialect.OverrideParam:
			v.Add("params."+k, "pop.param_name")
		case len(val) > maxLinkValue:
			v.Add("params."+k, "field.too_long", maxLinkValue)
		default:
			call.Set(k, val)
		}
	}
	if in.Dialect != "" {
		name, err := dialect.ParseName(in.Dialect)
		if err != nil {
			v.Add("dialect", "pop.dialect")
		}
		call.Set(dialect.OverrideParam, string(name))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := time.Now()
	return &PopLink{Path: r.SignLinkAt(tenantID, t.Slug, in.PageID, call, now), ExpiresAt: now.Add(dialect.DefaultMaxSkew)}, nil
}
