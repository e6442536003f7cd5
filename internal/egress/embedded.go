package egress

import "net/netip"

// Prefixes of the IPv6 forms whose embedded IPv4 address is named in a
// denial (RFC 4291 2.5.5.1, RFC 2765, RFC 6052, RFC 3056, RFC 4380).
var (
	compatiblePrefix = netip.MustParsePrefix("::/96")
	translatedPrefix = netip.MustParsePrefix("::ffff:0:0:0/96")
	nat64Prefix      = netip.MustParsePrefix("64:ff9b::/96")
	sixToFourPrefix  = netip.MustParsePrefix("2002::/16")
	teredoPrefix     = netip.MustParsePrefix("2001::/32")
)

// embeddedIPv4 returns the IPv4 address an IPv6 address carries, for the
// forms a translator or tunnel delivers to that IPv4 address: the last 32
// bits of an IPv4-compatible, IPv4-translated or well-known-prefix NAT64
// address; bits 16-47 of a 6to4 address; the client address of a Teredo
// address (its last 32 bits, inverted). The local-use NAT64 prefix
// 64:ff9b:1::/48 places the address where the operator chose, so it is
// not decoded (the whole prefix is denied).
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() || ip.Is4In6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case compatiblePrefix.Contains(ip), translatedPrefix.Contains(ip), nat64Prefix.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFourPrefix.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	case teredoPrefix.Contains(ip):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// describe is the class of a denied address, followed by the IPv4 address
// it embeds and that address's own class when it has one:
// "NAT64; embeds 127.0.0.1, loopback".
func (g *guard) describe(ip netip.Addr, class string) string {
	v4, ok := embeddedIPv4(ip)
	if !ok {
		return class
	}
	class += "; embeds " + v4.String()
	for _, d := range g.deny {
		if d.prefix.Contains(v4) {
			return class + ", " + d.class
		}
	}
	return class
}
