package web

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// realClient makes c.IP() the client's address when the request comes
// from a trusted reverse proxy (SCREENPOP_TRUSTED_PROXIES): the
// X-Forwarded-For chain (or the Forwarded header) is read from the right,
// past our own proxies, to the first address none of them is; what a
// client writes into those headers itself stands further left and is never
// reached. From any other address the headers are ignored. Sign-in limits,
// sessions, logs and trusted address ranges all use c.IP().
func (s *Server) realClient(c *fiber.Ctx) error {
	if len(s.cfg.TrustedProxies) == 0 {
		return c.Next()
	}
	// fasthttp keeps one RequestCtx per connection, and with it an address
	// set for an earlier request: start again from the connection's peer.
	if conn := c.Context().Conn(); conn != nil {
		c.Context().SetRemoteAddr(conn.RemoteAddr())
	}
	if !s.trustedProxy(c.Context().RemoteIP()) {
		return c.Next()
	}
	chain := forwardedChain(c)
	for i := len(chain) - 1; i >= 0; i-- {
		ip := chain[i]
		if ip == nil {
			break // unparseable: believe no further
		}
		if !s.trustedProxy(ip) || i == 0 {
			c.Context().SetRemoteAddr(&net.TCPAddr{IP: ip})
			break
		}
	}
	return c.Next()
}

func (s *Server) trustedProxy(ip net.IP) bool {
	for _, n := range s.cfg.TrustedProxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedChain lists the addresses of X-Forwarded-For, or else of the
// Forwarded header's for= parameters, left (first hop) to right; an entry
// that is not an address is nil.
func forwardedChain(c *fiber.Ctx) []net.IP {
	var out []net.IP
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		for _, part := range strings.Split(string(v), ",") {
			out = append(out, parseHostIP(strings.TrimSpace(part)))
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, v := range c.Request().Header.PeekAll("Forwarded") {
		for _, elem := range strings.Split(string(v), ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					out = append(out, parseHostIP(strings.Trim(val, `"`)))
				}
			}
		}
	}
	return out
}

// parseHostIP reads "1.2.3.4", "1.2.3.4:80", "[::1]:80" or "::1".
func parseHostIP(s string) net.IP {
	if ip := net.ParseIP(s); ip != nil {
		return ip
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		return net.ParseIP(strings.Trim(h, "[]"))
	}
	return net.ParseIP(strings.Trim(s, "[]"))
}
