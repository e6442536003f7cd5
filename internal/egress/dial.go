package egress

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// dialer is the Transport's DialContext. Every connection flowhook opens to
// a customer endpoint goes through it.
type dialer struct {
	guard *guard
	// guarded checks every address it connects to (ControlContext).
	guarded net.Dialer
	// trusted dials allow-listed host names: ports are still checked.
	trusted net.Dialer
}

func newDialer(g *guard, cfg Config) *dialer {
	d := &dialer{guard: g}
	for _, nd := range []*net.Dialer{&d.guarded, &d.trusted} {
		nd.Timeout = cfg.ConnectTimeout
		nd.KeepAlive = 30 * time.Second // net/http's default
		nd.Resolver = cfg.Resolver
	}
	d.guarded.ControlContext = g.controlAddr
	d.trusted.ControlContext = g.controlPort
	return d
}

// DialContext dials addr ("host:port"). Host names in AllowHosts are dialled
// without the address check; everything else is checked on the address
// actually connected to, once per connection attempt, so a DNS answer that
// changes between dials (rebinding) is checked again. IP literals, legacy
// numeric IPv4 forms included, are checked before any socket is opened.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if d.guard.hostAllowed(host) {
		return d.trusted.DialContext(ctx, network, addr)
	}
	ip, ok := literalIP(host)
	if !ok {
		return d.guarded.DialContext(ctx, network, addr)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if err := d.guard.checkAddr(ip, uint16(port)); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	return d.guarded.DialContext(ctx, network, netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
}

// literalIP parses host as an IP address in any form a resolver might
// accept as one.
func literalIP(host string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip, true
	}
	return parseLegacyIPv4(host)
}
