package querycustomer

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// The transport is fasthttp's client, not net/http's. With 200 queries in
// flight on one endpoint, net/http spent about 40–55 µs of CPU per query
// (a reader and a writer goroutine per connection, hand-offs between them
// and the caller, a header map per request) against 12–17 µs for
// fasthttp, which writes the request and reads the reply on the caller's
// goroutine; on a busy machine that CPU is what turns into tail latency
// (BenchmarkQueryOverhead, BenchmarkQueryCPU). fasthttp speaks HTTP/1.1
// only, which is what the client wants anyway (see newClient).
//
// What net/http did for us and fasthttp does not is done here: TLS in our
// own dial (so the guard vets the address first), same-origin redirects,
// gzip with a cap after decompression, cancellation by context, and
// noticing that the server closed a pooled keep-alive connection before a
// query is written on it (keepAliveConn).

// newTransport builds the fasthttp client for one scheme. Each has its own
// pool; dial is the guarded dial, with TLS for https.
func newTransport(dial fasthttp.DialFuncWithTimeout) *fasthttp.Client {
	return &fasthttp.Client{
		DialTimeout: dial,
		// A busy contact center pops hundreds of calls at once on one CRM:
		// up to 256 queries run at once per endpoint, each on its own
		// keep-alive connection; more wait for a free one (within their
		// timeout) rather than open a storm of connections on the CRM.
		MaxConnsPerHost:    256,
		MaxConnWaitTimeout: MaxTimeout,
		// Pooled connections idle for 30 s are closed; servers that close
		// sooner (Node.js after 5 s) are noticed by keepAliveConn and the
		// query goes out on another connection (retryIdleClosed).
		MaxIdleConnDuration: 30 * time.Second,
		// Room for the reply's header; the body is streamed and capped by
		// the caller.
		ReadBufferSize:           16 << 10,
		StreamResponseBody:       true,
		NoDefaultUserAgentHeader: true,
		RetryIfErr:               retryIdleClosed,
		// Each attempt takes another pooled connection; after a server
		// restart every one of them may be dead.
		MaxIdemponentCallAttempts: 16,
	}
}

// retryIdleClosed repeats a request that was not sent because its pooled
// connection turned out to be closed by the server (see keepAliveConn):
// nothing reached the server, so sending it on another connection is safe.
// A failure after the request was written is never repeated here.
func retryIdleClosed(_ *fasthttp.Request, _ int, err error) (resetTimeout, retry bool) {
	return false, errors.Is(err, errIdleClosed)
}

// errIdleClosed refuses to write a request on a pooled connection that the
// server closed while it sat idle.
var errIdleClosed = errors.New("the server closed an idle keep-alive connection")

// keepAliveConn checks a pooled connection before a new request goes out on
// it. Servers close idle keep-alive connections (Node.js after 5 s, nginx
// after 75 s); net/http notices with a goroutine reading every idle
// connection, fasthttp does not notice at all, and a request written on
// such a connection fails after the fact, when it can no longer be told
// apart from one the server read. So before the first write of a request
// on a connection that has carried a reply and then sat idle for
// idleCheckAfter, one non-blocking read looks for the server's close.
type keepAliveConn struct {
	net.Conn
	tcp       syscall.Conn // the TCP connection under TLS, for the check
	replied   bool         // the connection has had reply bytes since the last request began
	lastReply time.Time    // when reply bytes last arrived
}

// idleCheckAfter spares the check (a system call) to connections in
// steady use: no server closes a keep-alive connection idle for less
// (the shortest common timeout is Node.js's 5 s), and a server ending a
// connection for another reason says so in its last reply (Connection:
// close), which fasthttp honours.
var idleCheckAfter = 100 * time.Millisecond

func (c *keepAliveConn) Write(p []byte) (int, error) {
	if c.replied {
		c.replied = false
		if time.Since(c.lastReply) >= idleCheckAfter && closedWhileIdle(c.tcp) {
			return 0, errIdleClosed
		}
	}
	return c.Conn.Write(p)
}

func (c *keepAliveConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.replied = true
		c.lastReply = time.Now()
	}
	return n, err
}

// tlsKeepAliveConn has Handshake, which tells fasthttp that the connection
// is TLS already (dialTLS did it), so that it does not wrap it again.
type tlsKeepAliveConn struct {
	keepAliveConn
}

func (c *tlsKeepAliveConn) Handshake() error { return nil }

// dialTCP is the guarded TCP dial.
func (c *Client) dialTCP(addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: min(timeout, MaxTimeout), KeepAlive: 30 * time.Second, Control: c.guard.control}
	return d.Dial("tcp", addr)
}

func (c *Client) dialPlain(addr string, timeout time.Duration) (net.Conn, error) {
	conn, err := c.dialTCP(addr, timeout)
	if err != nil {
		return nil, err
	}
	return &keepAliveConn{Conn: conn, tcp: conn.(syscall.Conn)}, nil
}

// dialTLS dials and completes the TLS handshake within the request's time.
func (c *Client) dialTLS(addr string, timeout time.Duration) (net.Conn, error) {
	start := time.Now()
	conn, err := c.dialTCP(addr, timeout)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	cfg := c.tlsConfig.Clone()
	cfg.ServerName = host
	tc := tls.Client(conn, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), min(timeout, MaxTimeout)-time.Since(start))
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return &tlsKeepAliveConn{keepAliveConn{Conn: tc, tcp: conn.(syscall.Conn)}}, nil
}

// reply is what an exchange got: the final response after redirects.
type reply struct {
	status      int
	contentType string
	body        []byte // at most the caller's limit
	// tooLarge: the body went past the limit; contentLength says whether
	// the server declared it (>= 0) or it was found while reading (-1).
	tooLarge      bool
	contentLength int
}

// exchange sends method to u with headers and body, follows redirects
// within the origin, and reads the final reply's body up to limit bytes
// (maxErrorBody for a non-2xx status). The request is bounded by ctx's
// deadline. When the caller can cancel (callerDone, the Done channel of
// the context the caller passed in, is not nil) it runs on its own
// goroutine so that exchange returns at once on cancellation; otherwise
// the deadline alone ends it, without the cost of a goroutine.
func (c *Client) exchange(ctx context.Context, callerDone <-chan struct{}, method string, u *url.URL, headers map[string]string, body []byte, limit int64) (*reply, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(MaxTimeout)
	}
	if callerDone == nil {
		return c.follow(method, u, headers, body, limit, deadline)
	}
	type outcome struct {
		r   *reply
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := c.follow(method, u, headers, body, limit, deadline)
		done <- outcome{r, err}
	}()
	select {
	case o := <-done:
		return o.r, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// follow runs the exchange and its redirects.
func (c *Client) follow(method string, u *url.URL, headers map[string]string, body []byte, limit int64, deadline time.Time) (*reply, error) {
	first := u
	for redirects := 0; ; redirects++ {
		r, location, err := c.roundTrip(method, u, headers, body, limit, deadline)
		if err != nil || location == "" {
			return r, err
		}
		if redirects == maxRedirects {
			return nil, &Error{Kind: KindRedirect, Message: fmt.Sprintf("more than %d redirects", maxRedirects)}
		}
		next, err := u.Parse(location)
		if err != nil {
			return nil, &Error{Kind: KindRedirect, Message: "the redirect's Location does not parse", Err: err}
		}
		if origin(first) != origin(next) {
			return nil, &Error{Kind: KindRedirect, Message: fmt.Sprintf("redirect from %s to %s refused: only redirects to the same scheme, host and port are followed", origin(first), origin(next))}
		}
		// As browsers and net/http do: 307 and 308 repeat the request,
		// 301, 302 and 303 turn it into a GET without a body.
		if r.status != 307 && r.status != 308 {
			method, body = "GET", nil
		}
		u = next
	}
}

// roundTrip is one request and its reply. For a redirect it returns the
// Location to follow.
func (c *Client) roundTrip(method string, u *url.URL, headers map[string]string, body []byte, limit int64, deadline time.Time) (r *reply, location string, err error) {
	fc := c.plain
	if strings.EqualFold(u.Scheme, "https") {
		fc = c.secure
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(u.String())
	req.Header.SetMethod(method)
	c.header(&req.Header, headers)
	if body != nil {
		req.SetBodyRaw(body)
	}
	if err := fc.DoDeadline(req, resp, deadline); err != nil {
		return nil, "", err
	}
	// The connection goes back to the pool only if its reply was read to
	// the end; otherwise it is closed.
	drained := false
	defer func() {
		if !drained {
			resp.SetConnectionClose()
		}
		resp.CloseBodyStream()
	}()

	r = &reply{status: resp.StatusCode(), contentType: string(resp.Header.ContentType()), contentLength: resp.Header.ContentLength()}
	switch r.status {
	case 301, 302, 303, 307, 308:
		if loc := resp.Header.Peek("Location"); len(loc) > 0 {
			_, drained, err = readBody(resp, maxErrorBody)
			return r, string(loc), err
		}
	}
	if r.status < 200 || r.status > 299 {
		limit = min(limit, maxErrorBody)
	}
	if int64(r.contentLength) > limit {
		r.tooLarge = true
		return r, "", nil
	}
	stream := io.Reader(resp.BodyStream())
	if enc := resp.Header.ContentEncoding(); len(enc) > 0 && strings.EqualFold(string(enc), "gzip") {
		// Capped after decompression: a small gzip bomb stops at the limit.
		zr, err := gzip.NewReader(stream)
		if err != nil {
			return nil, "", err
		}
		r.contentLength = -1
		r.body, err = readCapped(zr, limit+1, -1)
		if err != nil {
			return nil, "", err
		}
	} else {
		// One byte more than allowed, to tell "exactly the limit" from
		// "over it" without trusting Content-Length.
		var eof bool
		r.body, eof, err = readBody(resp, limit+1)
		if err != nil {
			return nil, "", err
		}
		drained = eof
	}
	if int64(len(r.body)) > limit {
		r.body = r.body[:limit]
		r.tooLarge, r.contentLength = true, -1
	}
	return r, "", nil
}

// readBody reads a streamed reply body up to limit bytes and says whether
// it reached the end.
func readBody(resp *fasthttp.Response, limit int64) (data []byte, eof bool, err error) {
	s := resp.BodyStream()
	if s == nil {
		return nil, true, nil
	}
	hint := int64(resp.Header.ContentLength())
	data, err = readCapped(s, limit, hint)
	if err != nil {
		return data, false, err
	}
	if int64(len(data)) < limit {
		return data, true, nil
	}
	// Exactly limit bytes: at the end only if the server said so.
	return data, hint >= 0 && hint <= limit, nil
}
