package external

import (
	"context"
	"errors"
	"time"

	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
)

// Reasons a page shows beside "customer information unavailable", besides
// the querycustomer.ErrorKind values (timeout, too_large, not_json, …).
const (
	ReasonNotConfigured = "not_configured" // the interface no longer exists
	ReasonNotGranted    = "not_granted"    // the tenant's grant was withdrawn
)

// cached is what a Fetch needs of an interface: its endpoint (headers
// opened) and the tenants granted it. Loading happens once per CacheTTL
// however many pops ask at the same moment: later callers wait on ready.
type cached struct {
	ready   chan struct{}
	at      time.Time
	err     error
	found   bool
	ep      querycustomer.Endpoint
	tenants map[int64]bool
}

// endpoint returns the interface's cached entry, loading it when absent or
// older than CacheTTL.
func (s *Service) endpoint(ctx context.Context, id int64) (*cached, error) {
	s.mu.Lock()
	c := s.cache[id]
	if c != nil {
		select {
		case <-c.ready:
			if s.now().Sub(c.at) >= CacheTTL || c.err != nil {
				c = nil // stale or failed: load again
			}
		default: // being loaded: wait below
		}
	}
	if c != nil {
		s.mu.Unlock()
		select {
		case <-c.ready:
			return c, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c = &cached{ready: make(chan struct{})}
	s.cache[id] = c
	s.mu.Unlock()

	// The load outlives a caller who gives up: others may be waiting on it.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	c.load(lctx, s, id)
	c.at = s.now()
	close(c.ready)
	return c, c.err
}

func (c *cached) load(ctx context.Context, s *Service, id int64) {
	it, err := s.Get(ctx, id)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return // found stays false
		}
		c.err = err
		return
	}
	headers, err := s.Headers(it)
	if err != nil {
		c.err = err
		return
	}
	c.found = true
	c.ep = querycustomer.Endpoint{URL: it.URL, Headers: headers, Timeout: it.Timeout(), Retries: it.Retries, AllowHTTP: it.AllowHTTP}
	c.tenants = make(map[int64]bool, len(it.TenantIDs))
	for _, t := range it.TenantIDs {
		c.tenants[t] = true
	}
}

// Fetch implements pages.ExternalSource: it queries the interface for the
// tenant with the shared client. Every failure of the interface itself
// (timeout, refused address, too large, not JSON, …) is a
// *pages.ExternalError whose Reason the page shows; only failures of
// screenpop's own database are plain errors.
func (s *Service) Fetch(ctx context.Context, tenantID, interfaceID int64, param string) (*pages.ExternalReply, error) {
	if err := s.ensureAllow(ctx); err != nil {
		return nil, err
	}
	c, err := s.endpoint(ctx, interfaceID)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &pages.ExternalError{Reason: string(querycustomer.KindCanceled), Err: err}
		}
		return nil, err
	}
	if !c.found {
		return nil, &pages.ExternalError{Reason: ReasonNotConfigured, Err: errors.New("the interface was deleted")}
	}
	if !c.tenants[tenantID] {
		return nil, &pages.ExternalError{Reason: ReasonNotGranted, Err: errors.New("the interface is not granted to the tenant")}
	}
	start := time.Now()
	res, err := s.Client().Query(ctx, c.ep, param)
	if err != nil {
		reason := string(querycustomer.KindConnect)
		var qe *querycustomer.Error
		if errors.As(err, &qe) {
			reason = string(qe.Kind)
		}
		s.observe(interfaceID, start, reason)
		return nil, &pages.ExternalError{Reason: reason, Err: err}
	}
	s.observe(interfaceID, start, "ok")
	return toReply(res.Reply), nil
}

func (s *Service) observe(interfaceID int64, start time.Time, outcome string) {
	if s.ObserveCall != nil {
		s.ObserveCall(interfaceID, time.Since(start), outcome)
	}
}

// toReply turns what Parse could render into the page's input. Violations
// are not the agent's business: the operator sees them in the interface's
// check and in `screenpop check-endpoint`.
func toReply(r querycustomer.Reply) *pages.ExternalReply {
	out := &pages.ExternalReply{Objects: make([]pages.ExternalObject, 0, len(r.Objects))}
	for _, o := range r.Objects {
		eo := pages.ExternalObject{Name: o.Name, Values: make([]pages.ExternalValue, 0, len(o.Values))}
		for _, v := range o.Values {
			eo.Values = append(eo.Values, pages.ExternalValue{
				Name: v.Name, Display: v.Text(), Type: tables.FieldType(v.Type),
				MaskStyle: tables.MaskStyle(v.MaskStyle), Mandatory: v.Mandatory,
			})
		}
		out.Objects = append(out.Objects, eo)
	}
	return out
}

// Check queries an interface once, as the operator's "test" does, reading
// its settings afresh (not from the cache). The result is for
// querycustomer.WriteReport; err is the query's *querycustomer.Error, if any.
func (s *Service) Check(ctx context.Context, id int64, param string) (*querycustomer.Result, error) {
	it, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	headers, err := s.Headers(it)
	if err != nil {
		return nil, err
	}
	if err := s.ensureAllow(ctx); err != nil {
		return nil, err
	}
	ep := querycustomer.Endpoint{URL: it.URL, Headers: headers, Timeout: it.Timeout(), Retries: it.Retries, AllowHTTP: it.AllowHTTP}
	return s.Client().Query(ctx, ep, param)
}
