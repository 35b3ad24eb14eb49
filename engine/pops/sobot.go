package pops

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
)

// VerifySobot checks a Sobot-signed pop request of the tenant. A secret
// sign that verifies, within its window and for the first time (nonces),
// authorises the request: authorised is true, and the customer parameters
// the sign does not cover are removed from params, so the customer comes
// only from signed parameters. The unkeyed basic sign, which anyone who
// knows the company id and an agent's e-mail can compute, verifies but
// authorises nothing (authorised is false: the caller goes on to the
// agent's session or a trusted address). A sign that fails is refused with
// its reason: expired, replayed or not matching.
func (s *Service) VerifySobot(ctx context.Context, nonces dialect.NonceStore, tenantID int64, params url.Values, now time.Time) (authorised bool, err error) {
	cfg, err := s.SobotConfig(ctx, tenantID)
	if err != nil {
		return false, err
	}
	flat := dialect.FromValues(params)
	scheme, err := dialect.VerifySobotOnce(ctx, nonces, cfg, flat, now)
	switch {
	case err == nil:
	case errors.Is(err, dialect.ErrSigExpired):
		return false, apperr.New(apperr.Unauthorized, "pop.expired")
	case errors.Is(err, dialect.ErrSigReplayed):
		return false, apperr.New(apperr.Unauthorized, "pop.replayed")
	case errors.As(err, new(*dialect.SigError)), errors.Is(err, dialect.ErrSobotConfig), errors.Is(err, dialect.ErrSobotUnkeyed):
		return false, apperr.New(apperr.Unauthorized, "pop.bad_signature")
	default:
		return false, err
	}
	if scheme.Weak() {
		return false, nil
	}
	for _, k := range dialect.SobotUnsignedCustomer(scheme, flat) {
		params.Del(k)
	}
	return true, nil
}
