package querycustomer

import (
	"crypto/x509"
	"net/netip"
)

// This file exists only in test builds. It is the one way to open loopback
// (and any other never-allowed address) so that tests and benchmarks can
// reach httptest servers on 127.0.0.1; production code cannot reach it.

// Loopback is what tests usually open: httptest listens on 127.0.0.1 (and
// ::1 where a test asks for it).
var Loopback = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// NewClientForTests is NewClient with the test hatch: the prefixes in
// testAllow are dialled even if the guard would refuse them always.
func NewClientForTests(opts Options, testAllow ...netip.Prefix) *Client {
	return newClient(opts, testAllow)
}

// TrustForTests makes the client trust an httptest TLS server's certificate.
func (c *Client) TrustForTests(pool *x509.CertPool) {
	c.tlsConfig.RootCAs = pool
}

// CheckAddressForTests runs the dial guard on network and address without
// dialling, for addresses no test can listen on (10.0.0.1, 169.254.169.254).
func (c *Client) CheckAddressForTests(network, address string) error {
	return c.guard.control(network, address, nil)
}
