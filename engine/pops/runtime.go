package pops

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/pages"
)

// The pop runtime (SPEC §8): /pop/{tenant}/{page} renders a published
// custom page for a call, whichever platform frames it. The Runtime detects
// the platform's dialect, authorises the request (signed link, the
// platform's own signature, an agent session, or a trusted address),
// normalises the call and asks pages for the model. It also decides what
// the agent workspace shows for a call event, forwards dial-out requests
// and creates the simulator's events. It knows nothing of HTTP: the web
// layer fills a Request from the HTTP request and writes the Result.
// Nothing of a customer is ever given to an unauthorised request.

// Runtime is the pop runtime of the engine.
type Runtime struct {
	pops     *Service
	accounts *accounts.Service
	pages    *pages.Service
	calls    *calls.Service
	nonces   dialect.NonceStore
	key      masterkey.Key
	webhooks WebhookPoster
	// reads are the database replicas the pop's lookups and render may
	// read from (nil: the primary only).
	reads *database.Replicas

	tenants sync.Map // slug → cachedTenant
}

// SetReplicas lets pops read their tenant, page, configuration and
// customer from the replicas r (writes — nonces of signed links, sessions,
// call events — stay on the primary). Call before serving.
func (r *Runtime) SetReplicas(reads *database.Replicas) { r.reads = reads }

// WebhookPoster posts a JSON body to a tenant-configured https endpoint
// (the engine's address-guarded client).
type WebhookPoster interface {
	PostJSON(ctx context.Context, url string, body any) error
}

// NewRuntime returns the pop runtime. key is the master key the signed
// links' keys are derived from; webhooks may be nil, which turns dial-out
// forwarding off.
func NewRuntime(ps *Service, as *accounts.Service, pgs *pages.Service, cs *calls.Service,
	nonces dialect.NonceStore, key masterkey.Key, webhooks WebhookPoster) *Runtime {
	return &Runtime{pops: ps, accounts: as, pages: pgs, calls: cs, nonces: nonces, key: key, webhooks: webhooks}
}

// Request is one platform request for a pop, as read from HTTP.
type Request struct {
	Method string // GET or POST (URL POST)
	// Params are the query and, for a POST, the form body. For the live
	// page's content requests they include the hash or message values the
	// script forwarded as query parameters.
	Params url.Values
	// SessionTokens are the agent sessions the browser presented (the pop
	// session first); empty ones are skipped.
	SessionTokens []string
	ClientIP      string
	// Fragment is the live page's refresh: the same checks, only the body.
	Fragment bool
	// CTISeatBack says a login.cgi round trip was started moments ago in
	// this browser: the CTI homepage opened now is the client coming back,
	// shown whether or not it adds user and sid (never sent to be seated
	// again, which could loop).
	CTISeatBack bool
}

// Target is a resolved /pop/{tenant}/{page}: whom the request is for, even
// when it is then refused (the refusal is framed by the same platforms and
// offers the tenant's sign-in).
type Target struct {
	Tenant   *accounts.Tenant
	PageID   int64
	Settings *PlatformSettings
	Path     string // /pop/{slug}/{page}
}

// Result is what a pop request shows.
type Result struct {
	Model   *pages.Model
	Dialect dialect.Name
	// Live is "hash" or "message" for pages that keep listening for calls;
	// ContentURL is where they fetch the new content.
	Live       string
	ContentURL string
	// HashContentURL is set on a page waiting for a call that listens for
	// nothing else (the plain /pop/{tenant}/{page}, without ?dialect=):
	// Tencent TCCC configured with that address passes each call only in
	// the URL hash (seed 001: "https://www.qq.com#?mobile=18888888888&type=phone"),
	// so the page follows a "#?" hash and fetches the call from here, as
	// the ?dialect=tencent page does.
	HashContentURL string
	// RetryURL is where the "Retry" of an unavailable page goes; when
	// RetryPost is set the retry is a form posting it there.
	RetryURL  string
	RetryPost url.Values
	// Seat is set, and nothing else but Dialect, when the CTI client's
	// homepage was opened before the client's seat sign-in by an agent
	// signed in to screenpop, with the tenant's CTI unified login on: the
	// web layer sends the agent on to be seated (see ctiNeedsSeat).
	Seat *accounts.User
}

// liveDialects get a page that keeps listening: Tencent updates the URL
// hash on each call, Huawei's Web API and Sobot post messages.
var liveDialects = map[dialect.Name]string{
	dialect.Tencent:      "hash",
	dialect.HuaweiWebAPI: "message",
	dialect.Sobot:        "message",
}

// Resolve finds the tenant and page of /pop/{slug}/{page} (page is the raw
// path parameter).
func (r *Runtime) Resolve(ctx context.Context, slug, page string) (*Target, error) {
	ctx = database.WithReplicaReads(ctx, r.reads)
	t, err := r.tenantBySlug(ctx, slug)
	if apperr.Is(err, apperr.Unavailable) {
		return nil, err // the database is down, not the tenant unknown: 503
	}
	if err != nil || t.Disabled {
		return nil, apperr.NotFoundf("pop.tenant_not_found")
	}
	pageID, err := strconv.ParseInt(page, 10, 64)
	if err != nil || pageID <= 0 {
		return nil, apperr.NotFoundf("page.not_found")
	}
	ps, err := r.pops.CachedSettings(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	return &Target{Tenant: t, PageID: pageID, Settings: ps, Path: popPath(t.Slug, pageID)}, nil
}

func popPath(slug string, pageID int64) string { return fmt.Sprintf("/pop/%s/%d", slug, pageID) }

// tenantTTL is how long a pop may use a tenant read earlier: every pop
// needs it, and disabling a tenant takes effect within this time.
const tenantTTL = 2 * time.Second

type cachedTenant struct {
	t       *accounts.Tenant
	expires time.Time
}

// tenantBySlug is TenantBySlug for the pop hot path, cached briefly.
func (r *Runtime) tenantBySlug(ctx context.Context, slug string) (*accounts.Tenant, error) {
	if c, ok := r.tenants.Load(slug); ok && time.Now().Before(c.(cachedTenant).expires) {
		return c.(cachedTenant).t, nil
	}
	t, err := r.accounts.TenantBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	// The caller's string may point into a reused request buffer: the key
	// must be a copy.
	r.tenants.Store(strings.Clone(slug), cachedTenant{t: t, expires: time.Now().Add(tenantTTL)})
	return t, nil
}

// Open authorises a pop request for a resolved target and returns what it
// shows: the page for the call, or the page waiting for one.
func (r *Runtime) Open(ctx context.Context, pt *Target, req Request) (*Result, error) {
	// Only reads made through database.Read follow this mark; the
	// authorisation's writes (nonces, CTI sessions) go to the primary.
	ctx = database.WithReplicaReads(ctx, r.reads)
	// A page echoes its parameters: an unbounded one would come back
	// several times its size.
	if k, limit := dialect.TooLong(req.Params); k != "" {
		return nil, apperr.New(apperr.BadRequest, "pop.param_too_long", k, limit)
	}
	opts, err := r.pops.ParamOptions(ctx, pt.Tenant.ID, pt.PageID)
	if err != nil {
		return nil, err
	}
	// Numbers whose "+" query or form decoding turned into a space get it
	// back before anything reads them (a Sobot sign covers the "+" too).
	req.Params = cloneValues(req.Params)
	dialect.RestoreNumbers(req.Params, numberNames(opts)...)
	flat := dialect.FromValues(req.Params)
	callParams := map[string]string{}
	for k, v := range flat {
		if k != dialect.OverrideParam && k != dialect.SigParam && k != dialect.TSParam && k != dialect.NonceParam && k != "lang" {
			callParams[k] = v
		}
	}
	name, derr := dialect.DetectWith(flat, req.Method, req.Params.Get(dialect.OverrideParam), opts)
	if derr != nil && len(callParams) > 0 {
		return nil, apperr.New(apperr.Invalid, "pop.dialect")
	}
	agent, err := r.authorize(ctx, pt, req, name)
	if err != nil {
		return nil, err
	}
	if ctiNeedsSeat(pt, req, name, callParams, agent) {
		return &Result{Dialect: name, Seat: agent}, nil
	}
	if name == dialect.Sobot {
		// What authorisation dropped (unsigned customer parameters) is gone.
		for k := range callParams {
			if !req.Params.Has(k) {
				delete(callParams, k)
			}
		}
	}
	res := &Result{Dialect: name}
	if mode, ok := liveDialects[name]; ok && !req.Fragment {
		res.Live = mode
		res.ContentURL = contentURL(pt, name)
	}
	m, err := r.model(ctx, pt, name, callParams, opts)
	if err != nil {
		return nil, err
	}
	res.Model = m
	if m.State == pages.StateWaiting && res.Live == "" && !req.Fragment {
		res.HashContentURL = contentURL(pt, dialect.Tencent)
	}
	if m.State == pages.StateError {
		r.setRetry(pt, req, res)
	}
	return res, nil
}

// contentURL is where a live page of the dialect fetches each new call.
func contentURL(pt *Target, name dialect.Name) string {
	return pt.Path + "/content?" + url.Values{dialect.OverrideParam: {string(name)}}.Encode()
}

// model asks pages for the page of the call, or for its frame waiting for
// one when there are no call parameters (a live page before its first
// event, or a homepage opened at sign-in).
func (r *Runtime) model(ctx context.Context, pt *Target, name dialect.Name, callParams map[string]string, opts dialect.Options) (*pages.Model, error) {
	if len(callParams) == 0 {
		_, v, err := r.pages.PublishedVersion(ctx, pt.Tenant.ID, pt.PageID)
		if err != nil {
			return nil, err
		}
		return &pages.Model{Layout: v.Definition.Layout, Columns: v.Definition.Columns, State: pages.StateWaiting}, nil
	}
	dc, err := dialect.NormalizeWith(name, callParams, opts)
	if err != nil && !errors.Is(err, dialect.ErrNoCustomer) {
		return nil, apperr.New(apperr.Invalid, "pop.dialect")
	}
	return r.pages.RenderPublished(ctx, pt.Tenant.ID, pt.PageID, toPageCall(dc), pages.RenderOptions{})
}

// toPageCall turns a dialect's call into the renderer's.
func toPageCall(dc dialect.Call) pages.Call {
	return pages.Call{
		CustomerNumber: dc.CustomerNumber, CallerNum: dc.CallerNum, CalledNum: dc.CalledNum, CallID: dc.CallID,
		Direction: string(dc.Direction), MediaType: dc.MediaType, WorkNo: dc.WorkNo, AgentName: dc.AgentName,
		Platform: string(dc.Dialect), AssociatedData: dc.AssociatedData, Params: dc.Params,
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// authorize decides whether this request may see customer data of the
// tenant. A presented credential that fails is refused outright rather than
// falling back to another method, so a bad signature is never silently
// accepted because the same browser happens to hold a session. It returns
// the agent when an agent session authorised the request, else nil.
func (r *Runtime) authorize(ctx context.Context, pt *Target, req Request, name dialect.Name) (*accounts.User, error) {
	params := req.Params
	if params.Has(dialect.SigParam) {
		return nil, r.checkLink(ctx, pt, params)
	}
	if name == dialect.Sobot && params.Get("sign") != "" {
		// Drops the customer parameters the sign does not cover; the basic
		// sign (no secret) is no credential, so the checks below follow.
		if ok, err := r.pops.VerifySobot(ctx, r.nonces, pt.Tenant.ID, params, time.Now()); ok || err != nil {
			return nil, err
		}
	}
	for _, token := range req.SessionTokens {
		if token != "" {
			u, err := r.accounts.SessionUser(ctx, token)
			if err == nil && u.TenantID != nil && *u.TenantID == pt.Tenant.ID {
				if name == dialect.CTI && ctiSID(params) != "" {
					// The CTI client's homepage (seed 003 §三): remember
					// the sid for this agent.
					if _, err := r.bindCTISession(ctx, pt.Tenant.ID, u, params); err != nil {
						return nil, err
					}
				}
				return u, nil
			}
		}
	}
	if name == dialect.CTI && ctiSID(params) != "" {
		ok, err := r.ctiSessionValid(ctx, pt.Tenant.ID, params)
		if err != nil {
			return nil, err
		}
		if ok {
			return nil, nil
		}
	}
	if pt.Settings.TrustsAddress(req.ClientIP) {
		return nil, nil
	}
	return nil, apperr.New(apperr.Unauthorized, "pop.unauthorized")
}

// setRetry sets where the "Retry" of an unavailable page goes: the same pop
// for the same call. A signed link is single use, so its retry carries a
// fresh signature over the same parameters (this request has just proved it
// held a valid one). A form post (Huawei URL POST) is retried as a form, so
// its parameters stay out of the URL; a live page's content request is
// retried as the whole page.
func (r *Runtime) setRetry(pt *Target, req Request, res *Result) {
	q := url.Values{}
	for k, vs := range req.Params {
		q[k] = vs
	}
	if q.Has("sign") && !q.Has(dialect.SigParam) {
		// A Sobot sign is single use too: the retry becomes one of our own
		// signed links over the parameters the sign vouched for.
		q.Del("sign")
		q.Set(dialect.SigParam, "")
	}
	if q.Has(dialect.SigParam) {
		// A signature is per second: a retry signed in the second of the
		// link it replaces would be that link, already used, so it is
		// dated at least a second later (well inside the allowed skew).
		at := time.Now()
		if ts, err := strconv.ParseInt(q.Get(dialect.TSParam), 10, 64); err == nil && at.Unix() <= ts {
			at = time.Unix(ts+1, 0)
		}
		q = dialect.Sign(r.linkKey(pt.Tenant.ID), pt.Path, q, at)
	}
	if req.Method == "POST" {
		res.RetryURL, res.RetryPost = pt.Path, q
		return
	}
	res.RetryURL = pt.Path
	if len(q) > 0 {
		res.RetryURL += "?" + q.Encode()
	}
}
