package querycustomer

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/text/encoding/htmlindex"
)

// Limits of an Endpoint. The default timeout keeps an agent's pop responsive
// when an enterprise API is slow; the maximum keeps a misconfigured interface
// from holding connections open.
const (
	DefaultTimeout          = 3 * time.Second
	MaxTimeout              = 10 * time.Second
	MaxRetries              = 2
	DefaultMaxResponseBytes = 1 << 20 // 1 MB
	DefaultUserAgent        = "screenpop-querycustomer/1"
	maxRedirects            = 5
	maxErrorBody            = 64 << 10 // kept from a non-2xx reply for diagnosis
)

// ErrorKind classifies a failed Query so that a page can say "customer
// information unavailable (reason)" and a report can say what to fix.
type ErrorKind string

// The kinds of Error.
const (
	KindBadURL         ErrorKind = "bad_url"         // the endpoint configuration is unusable: URL, scheme, host, header
	KindRefusedAddress ErrorKind = "refused_address" // the guard refused the address the host resolved to
	KindConnect        ErrorKind = "connect"         // DNS failure, connection refused or reset, TLS failure
	KindTimeout        ErrorKind = "timeout"         // no complete answer within Endpoint.Timeout
	KindCanceled       ErrorKind = "canceled"        // the caller's context was canceled (the agent left)
	KindRedirect       ErrorKind = "redirect"        // a redirect to another origin, or too many
	KindHTTPStatus     ErrorKind = "http_status"     // a non-2xx status
	KindTooLarge       ErrorKind = "too_large"       // the reply exceeded Options.MaxResponseBytes
	KindNotJSON        ErrorKind = "not_json"        // the reply is not JSON, or not a JSON array
)

// Error is every error Query returns. Message is plain English meant for
// admins (it names the host, the status or the limit, never secrets from
// Headers); pages should show a translated text chosen by Kind.
type Error struct {
	Kind    ErrorKind
	Message string
	Status  int   // the HTTP status for KindHTTPStatus
	Err     error // the underlying error, for logs
}

func (e *Error) Error() string { return string(e.Kind) + ": " + e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Options configure a Client. The zero value is usable.
type Options struct {
	// AllowPrefixes opens private or reserved ranges that the guard refuses
	// by default, e.g. 10.20.0.0/16 for a CRM on the enterprise network.
	// Loopback, unspecified and link-local addresses stay refused whatever
	// this says. List narrow prefixes: 0.0.0.0/0 would open every reserved
	// range.
	AllowPrefixes []netip.Prefix
	// AllowLoopback opens loopback addresses (127.0.0.0/8, ::1, and names
	// resolving to them) that the guard otherwise always refuses. It exists
	// for one caller: `screenpop check-endpoint --allow-private`, where an
	// operator checks an endpoint running on their own machine and takes
	// responsibility for it. The web connector never sets it: a page must
	// never reach the server's own loopback services. Unspecified and
	// link-local addresses (0.0.0.0, 169.254.169.254) stay refused.
	AllowLoopback bool
	// MaxResponseBytes caps a reply body (after decompression); default 1 MB.
	MaxResponseBytes int64
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
}

// Endpoint is one configured external interface.
type Endpoint struct {
	URL string
	// Headers are added to every request (typically an authorisation
	// token). Content-Type, Content-Length, Host, Connection and
	// Transfer-Encoding belong to the client and are ignored here.
	Headers map[string]string
	// Timeout bounds the whole query, retries included; default 3s, at
	// most 10s.
	Timeout time.Duration
	// Retries (0–2) repeats a query only when the connection could not be
	// made, so the POST was never sent: a request that reached the server is
	// never repeated, since queryCustomer endpoints may log or bill each
	// call.
	Retries int
	// AllowHTTP permits http:// URLs; otherwise only https is used, since
	// replies carry customer data.
	AllowHTTP bool
}

// Result is what a Query did and got. Query returns one with every error
// except bad_url (Reply then empty), so that a conformance report can show
// the attempts, the time taken and, for http_status, too_large and not_json,
// what the endpoint did send.
type Result struct {
	Reply    Reply
	Status   int
	Duration time.Duration // the whole Query, retries included
	Raw      []byte        // the reply body as received, at most MaxResponseBytes
	Attempts int           // connection attempts made (1 + retries used)
}

// Client calls queryCustomer endpoints. It is safe for concurrent use and
// meant to be shared: one Client holds one pool of keep-alive connections
// per endpoint.
type Client struct {
	plain, secure *fasthttp.Client // http:// and https://, see transport.go
	tlsConfig     *tls.Config
	guard         *guard
	maxBytes      int64
	userAgent     string
}

// NewClient builds a Client.
func NewClient(opts Options) *Client { return newClient(opts, nil) }

func newClient(opts Options, testAllow []netip.Prefix) *Client {
	c := &Client{
		// HTTP/1.1 only (no ALPN): with HTTP/2 every query to an endpoint
		// shares one connection and its one reader; with 200 queries in
		// flight that added two to three times the latency and more CPU per
		// query than a pool of HTTP/1.1 connections.
		tlsConfig: &tls.Config{MinVersion: tls.VersionTLS12},
		guard:     newGuard(opts.AllowPrefixes, testAllow, opts.AllowLoopback),
		maxBytes:  opts.MaxResponseBytes,
		userAgent: opts.UserAgent,
	}
	// No proxy, deliberately: through HTTP(S)_PROXY the dial would go to
	// the proxy and the guard would vet the proxy's address, not the
	// endpoint's.
	c.plain = newTransport(c.dialPlain)
	c.secure = newTransport(c.dialTLS)
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxResponseBytes
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	return c
}

// CloseIdleConnections closes pooled connections, e.g. at shutdown.
func (c *Client) CloseIdleConnections() {
	c.plain.CloseIdleConnections()
	c.secure.CloseIdleConnections()
}

// SetAllowPrefixes replaces the operator's allow-list (Options.AllowPrefixes)
// of a running Client. New dials use it at once; idle pooled connections are
// closed so that none dialled under a wider list is reused. Connections in
// use finish their current query.
func (c *Client) SetAllowPrefixes(ps []netip.Prefix) {
	c.guard.setAllow(ps)
	c.CloseIdleConnections()
}

// AllowPrefixes returns the allow-list in force (normalised).
func (c *Client) AllowPrefixes() []netip.Prefix {
	return append([]netip.Prefix(nil), *c.guard.allow.Load()...)
}

// origin is scheme://host:port with the default port filled in.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// Query POSTs {"param": param} to the endpoint and parses the reply. Every
// error is an *Error; see Result for what comes back with it.
func (c *Client) Query(ctx context.Context, ep Endpoint, param string) (*Result, error) {
	start := time.Now()
	u, qerr := checkEndpoint(ep)
	if qerr != nil {
		return nil, qerr
	}
	timeout := ep.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	timeout = min(timeout, MaxTimeout)
	retries := min(max(ep.Retries, 0), MaxRetries)
	callerDone := ctx.Done()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	body, err := json.Marshal(Request{Param: param})
	if err != nil { // a string always marshals; kept for completeness
		return nil, &Error{Kind: KindBadURL, Message: "cannot encode the request", Err: err}
	}

	res := &Result{}
	var rp *reply
	for {
		res.Attempts++
		rp, err = c.exchange(ctx, callerDone, "POST", u, ep.Headers, body, c.maxBytes)
		if err == nil {
			break
		}
		qe := classify(ctx, err, timeout, u)
		if res.Attempts > retries || !retryable(err, qe) {
			res.Duration = time.Since(start)
			return res, qe
		}
		// A short pause lets a restarting server come back; the context
		// still bounds the total.
		select {
		case <-time.After(time.Duration(res.Attempts) * 100 * time.Millisecond):
		case <-ctx.Done():
			res.Duration = time.Since(start)
			return res, classify(ctx, ctx.Err(), timeout, u)
		}
	}
	res.Status = rp.status
	// A reply that raced the deadline is not trusted: past it nothing from
	// this exchange is used.
	if ctx.Err() != nil {
		res.Duration = time.Since(start)
		return res, classify(ctx, ctx.Err(), timeout, u)
	}
	if rp.status < 200 || rp.status > 299 {
		res.Raw = rp.body
		res.Duration = time.Since(start)
		return res, &Error{Kind: KindHTTPStatus, Status: rp.status, Message: fmt.Sprintf("the endpoint answered %s", statusText(rp.status))}
	}
	if rp.tooLarge {
		res.Raw = rp.body
		res.Duration = time.Since(start)
		detail := ""
		if rp.contentLength >= 0 {
			detail = fmt.Sprintf(" (Content-Length %d)", rp.contentLength)
		}
		return res, c.tooLarge(detail)
	}
	res.Raw = rp.body

	text, charsetViolation := toUTF8(rp.body, rp.contentType)
	rep, err := Parse(text)
	res.Duration = time.Since(start)
	if err != nil {
		return res, &Error{Kind: KindNotJSON, Message: err.Error(), Err: err}
	}
	if charsetViolation != nil {
		rep.Violations = append([]Violation{*charsetViolation}, rep.Violations...)
	}
	res.Reply = rep
	return res, nil
}

// header sets a request's headers: the endpoint's first (in canonical
// form), then the client's own, which win.
func (c *Client) header(h *fasthttp.RequestHeader, extra map[string]string) {
	for k, v := range extra {
		if ck := http.CanonicalHeaderKey(k); !reservedHeaders[ck] {
			h.Set(ck, v)
		}
	}
	h.SetContentType("application/json; charset=UTF-8")
	h.Set("Accept", "application/json")
	h.Set("Accept-Encoding", "gzip")
	h.SetUserAgent(c.userAgent)
}

// readCapped reads r to its end or to limit bytes, whichever comes first,
// into one buffer sized from Content-Length (hint, -1 when unknown) instead
// of growing one from 512 bytes.
func readCapped(r io.Reader, limit, hint int64) ([]byte, error) {
	size := int64(512)
	if hint >= 0 {
		size = min(hint+1, limit) // +1: the read that sees EOF needs no growth
	}
	buf := make([]byte, 0, size)
	lr := io.LimitedReader{R: r, N: limit}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (c *Client) tooLarge(detail string) *Error {
	return &Error{Kind: KindTooLarge, Message: "response larger than " + byteSize(c.maxBytes) + detail}
}

func byteSize(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// toUTF8 converts a body declared in another charset (GBK and GB18030 are
// common in Chinese enterprise systems) so that it renders, and returns the
// violation to report: the contract says charset=UTF-8.
func toUTF8(raw []byte, contentType string) ([]byte, *Violation) {
	if utf8Declared(contentType) {
		return raw, nil // the usual case, without parsing the media type
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return raw, nil
	}
	cs := strings.ToLower(strings.TrimSpace(params["charset"]))
	if cs == "" || cs == "utf-8" || cs == "utf8" {
		return raw, nil
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return raw, nil // unknown: parse as sent, Parse flags bytes that are not UTF-8
	}
	if name, _ := htmlindex.Name(enc); name == "utf-8" {
		return raw, nil
	}
	out, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return raw, nil
	}
	return out, &Violation{Path: "$", Rule: RuleUTF8, Got: "charset=" + cs + ", converted for display"}
}

// utf8Declared reports, cheaply, a Content-Type that declares no charset
// or UTF-8: "application/json", "application/json;charset=UTF-8".
func utf8Declared(ct string) bool {
	i := indexFold(ct, "charset=")
	if i < 0 {
		return true
	}
	v := strings.Trim(strings.TrimSpace(ct[i+len("charset="):]), `"`)
	return strings.EqualFold(v, "utf-8") || strings.EqualFold(v, "utf8")
}

// indexFold is strings.Index for an ASCII lower-case needle, ignoring case.
func indexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

// retryable: only failures to connect, where the request cannot have been
// sent. A refused address or an unknown host will not change in 100 ms.
func retryable(err error, qe *Error) bool {
	if qe.Kind != KindConnect {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func classify(ctx context.Context, err error, timeout time.Duration, u *url.URL) *Error {
	var qe *Error
	if errors.As(err, &qe) {
		return qe
	}
	var re *refusedError
	if errors.As(err, &re) {
		return &Error{Kind: KindRefusedAddress, Message: fmt.Sprintf("%s: %s", u.Hostname(), re.Error()), Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: KindTimeout, Message: fmt.Sprintf("no complete answer from %s within %v", u.Host, timeout), Err: err}
	}
	if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) || errors.Is(err, fasthttp.ErrNoFreeConns) {
		return &Error{Kind: KindTimeout, Message: fmt.Sprintf("no complete answer from %s within %v", u.Host, timeout), Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindCanceled, Message: "the query was canceled", Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &Error{Kind: KindTimeout, Message: fmt.Sprintf("no complete answer from %s within %v", u.Host, timeout), Err: err}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return &Error{Kind: KindConnect, Message: fmt.Sprintf("cannot resolve %s: %s", u.Hostname(), dnsErr.Err), Err: err}
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error() // url.Error repeats method and URL
	}
	return &Error{Kind: KindConnect, Message: fmt.Sprintf("cannot reach %s: %s", u.Host, msg), Err: err}
}

// reservedHeaders are set by the client itself.
var reservedHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "Connection": true, "Transfer-Encoding": true,
}

// CheckEndpoint validates an endpoint's configuration the way Query does
// before dialling (scheme, host, port, headers), for forms that save one.
// The error is an *Error of kind bad_url.
func CheckEndpoint(ep Endpoint) error {
	if _, err := checkEndpoint(ep); err != nil {
		return err
	}
	return nil
}

// checkEndpoint validates the configuration before anything is dialled.
func checkEndpoint(ep Endpoint) (*url.URL, *Error) {
	bad := func(format string, args ...any) *Error {
		return &Error{Kind: KindBadURL, Message: fmt.Sprintf(format, args...)}
	}
	u, err := url.Parse(strings.TrimSpace(ep.URL))
	if err != nil {
		return nil, &Error{Kind: KindBadURL, Message: "the URL does not parse", Err: err}
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !ep.AllowHTTP {
			return nil, bad("http:// is refused: customer data travels only over https unless the interface allows http")
		}
	default:
		return nil, bad("the URL must start with https://")
	}
	if u.User != nil {
		return nil, bad("credentials in the URL are refused: put them in a header")
	}
	host := u.Hostname()
	if host == "" {
		return nil, bad("the URL has no host")
	}
	if _, err := netip.ParseAddr(host); err != nil && numericHost(host) {
		// 2130706433, 0x7f000001, 127.1 and 0177.0.0.1 all mean 127.0.0.1 to
		// inet_aton (and so to cgo's getaddrinfo), while Go's own resolver
		// refuses them: refuse them here so the outcome never depends on the
		// resolver.
		return nil, bad("host %q is neither a name nor a standard IP address", host)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, bad("port %q is not a port number", p)
		}
	}
	for k, v := range ep.Headers {
		if !validHeaderName(k) {
			return nil, bad("header name %q is not valid", k)
		}
		if reservedHeaders[http.CanonicalHeaderKey(k)] {
			continue
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, bad("header %s has a line break or NUL in its value", k)
		}
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// numericHost reports whether host's last label is a number (decimal or
// 0x-hex): no top-level domain is numeric, so such a host can only be an
// IP address in one of inet_aton's non-standard forms.
func numericHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if h, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		last = h
		if last == "" {
			return true
		}
		return strings.Trim(last, "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
