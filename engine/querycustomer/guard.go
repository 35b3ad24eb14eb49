package querycustomer

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"syscall"

	"code.dny.dev/ssrf"
)

// guard decides, at dial time, whether an address may be connected to. It
// runs as net.Dialer.Control, that is after DNS resolution and for every
// connection including those of redirects, so a name that resolves to a
// public address when the admin saves it and to 127.0.0.1 when an agent's
// call comes in (DNS rebinding) is still refused.
//
// The order of the checks:
//  1. testAllow (set only by tests, see export_test.go) opens anything;
//  2. Options.AllowLoopback (the CLI's explicit --allow-private, never the
//     web connector) opens loopback addresses, and only those;
//  3. addresses that are never allowed: loopback, unspecified, "this
//     network" 0.0.0.0/8, link-local (the 169.254.169.254 metadata service
//     included), and NAT64 addresses embedding one of those;
//  4. the operator's allow-list (Options.AllowPrefixes, or later
//     Client.SetAllowPrefixes) opens private and reserved ranges, e.g.
//     10.20.0.0/16 for an on-premises CRM;
//  5. everything ssrf refuses by default: RFC 1918 private ranges, CGNAT,
//     documentation and benchmark ranges, multicast, and for IPv6 anything
//     outside global unicast (fc00::/7 unique-local included).
type guard struct {
	// allow is swapped as a whole when the operator edits the list, while
	// dials read it: an atomic pointer, no lock on the dial path.
	allow atomic.Pointer[[]netip.Prefix]
	// testAllow lets tests reach httptest servers on 127.0.0.1. It is
	// deliberately unexported and only set by export_test.go.
	testAllow     []netip.Prefix
	allowLoopback bool
	ssrf          *ssrf.Guardian
}

func newGuard(allow, testAllow []netip.Prefix, allowLoopback bool) *guard {
	g := &guard{
		testAllow:     normalizePrefixes(testAllow),
		allowLoopback: allowLoopback,
		// Any port: enterprise APIs live on 8443 and 8080 as often as on
		// 443, and the port adds nothing once the address is vetted.
		ssrf: ssrf.New(ssrf.WithAnyPort()),
	}
	g.setAllow(allow)
	return g
}

func (g *guard) setAllow(ps []netip.Prefix) {
	n := normalizePrefixes(ps)
	g.allow.Store(&n)
}

// normalizePrefixes drops invalid prefixes, masks host bits, and turns
// IPv4-mapped IPv6 prefixes (::ffff:10.0.0.0/104) into IPv4 ones, because
// the guard compares unmapped addresses.
func normalizePrefixes(ps []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		if !p.IsValid() {
			continue
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				continue // spans more than the mapped range: ambiguous, ignore
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out
}

// refusedError is the reason a dial was refused by the guard; Query turns
// it into an *Error of kind refused_address.
type refusedError struct {
	Addr   string
	Reason string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("address %s is not allowed (%s)", e.Addr, e.Reason)
}

var (
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8") // Linux dials 0.x.x.x as the local host
	nat64       = netip.MustParsePrefix("64:ff9b::/96")
)

// neverAllowed says why a can never be dialled, or "" if the allow-list
// and ssrf may decide.
func neverAllowed(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsUnspecified() || thisNetwork.Contains(a):
		return "unspecified address, which reaches the local host"
	case a.IsLinkLocalUnicast():
		return "link-local, where cloud metadata services live"
	case a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return "link-local multicast"
	case nat64.Contains(a):
		// 64:ff9b::7f00:1 is 127.0.0.1 through a NAT64 gateway.
		b := a.As16()
		if why := neverAllowed(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); why != "" {
			return why + " inside NAT64"
		}
	}
	return ""
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// control is the net.Dialer Control function.
func (g *guard) control(network, address string, c syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &refusedError{Addr: address, Reason: "not an IP address and port"}
	}
	a := ap.Addr().Unmap().WithZone("")
	if contains(g.testAllow, a) {
		return nil
	}
	if g.allowLoopback && a.IsLoopback() {
		return nil
	}
	if why := neverAllowed(a); why != "" {
		return &refusedError{Addr: a.String(), Reason: why}
	}
	if contains(*g.allow.Load(), a) {
		return nil
	}
	if err := g.ssrf.Safe(network, address, c); err != nil {
		return &refusedError{Addr: a.String(), Reason: "private or reserved range (" + err.Error() + "); an operator may allow-list private prefixes"}
	}
	return nil
}
