package external

import "context"

// PostJSON delivers a JSON body to a tenant-configured https webhook (the
// telephony side's dial-out endpoint) through the shared, address-guarded
// client, with the operator's private-range allow-list in force.
func (s *Service) PostJSON(ctx context.Context, url string, body any) error {
	if err := s.ensureAllow(ctx); err != nil {
		return err
	}
	return s.Client().PostJSON(ctx, url, body)
}
