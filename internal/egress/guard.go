package egress

import (
	"context"
	"net/netip"
	"strings"
	"syscall"
)

// deniedRange is a denied address range and the class named in errors.
type deniedRange struct {
	prefix netip.Prefix
	class  string
}

// builtinDenied is denied unless an AllowCIDRs entry covers the address.
// netip's IsPrivate and friends miss several of these (CGNAT, 0/8, NAT64,
// 6to4, benchmarking), hence the explicit list. The IPv6 forms that carry
// an IPv4 address (IPv4-compatible, IPv4-translated, NAT64, 6to4, Teredo)
// are denied whole, whatever they embed: a translator or relay on the path
// would deliver them to that IPv4 address, public or not, and no webhook
// receiver is reached that way (see embeddedIPv4). IPv4-mapped addresses
// are the exception: they are unmapped and checked as IPv4, since the
// kernel dials them as IPv4.
var builtinDenied = []deniedRange{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("168.63.129.16/32"), "cloud platform service"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},
	{netip.MustParsePrefix("::ffff:0:0/96"), "IPv4-mapped"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "Teredo, protocol assignments"},
	{netip.MustParsePrefix("2001::/23"), "protocol assignments"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("5f00::/16"), "segment routing"},
	{netip.MustParsePrefix("fc00::/7"), "unique local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// guard decides which destinations may be dialled. It is immutable after
// newGuard and safe for concurrent use.
type guard struct {
	allow      []netip.Prefix
	deny       []deniedRange
	ports      map[uint16]bool // nil: any port
	hosts      map[string]bool
	hostSuffix []string // ".corp.example" for "*.corp.example"
}

func newGuard(cfg Config) *guard {
	g := &guard{deny: append([]deniedRange(nil), builtinDenied...)}
	for _, p := range cfg.AllowCIDRs {
		g.allow = append(g.allow, unmapPrefix(p))
	}
	for _, p := range cfg.DenyCIDRs {
		g.deny = append(g.deny, deniedRange{unmapPrefix(p), "operator deny list"})
	}
	g.setPorts(cfg.AllowPorts)
	g.setHosts(cfg.AllowHosts)
	return g
}

func (g *guard) setPorts(ports []int) {
	if len(ports) == 0 {
		return
	}
	g.ports = make(map[uint16]bool, len(ports))
	for _, p := range ports {
		g.ports[uint16(p)] = true
	}
}

func (g *guard) setHosts(hosts []string) {
	g.hosts = make(map[string]bool, len(hosts))
	for _, h := range hosts {
		if suffix, ok := strings.CutPrefix(h, "*"); ok {
			g.hostSuffix = append(g.hostSuffix, suffix)
			continue
		}
		g.hosts[h] = true
	}
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix into the IPv4 prefix it maps,
// since addresses are unmapped before they are checked.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	p = p.Masked()
	if !p.Addr().Is4In6() || p.Bits() < 96 {
		return p
	}
	return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
}

// hostAllowed reports whether host (as dialled, before resolution) is in
// the AllowHosts list.
func (g *guard) hostAllowed(host string) bool {
	if len(g.hosts) == 0 && len(g.hostSuffix) == 0 {
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if g.hosts[host] {
		return true
	}
	for _, s := range g.hostSuffix {
		if len(host) > len(s) && strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// checkPort reports a *blockedError when AllowPorts is set and excludes port.
func (g *guard) checkPort(port uint16) error {
	if g.ports == nil || g.ports[port] {
		return nil
	}
	return &blockedError{port: port, portDenied: true}
}

// checkAddr reports a *blockedError when ip:port may not be dialled.
func (g *guard) checkAddr(ip netip.Addr, port uint16) error {
	if err := g.checkPort(port); err != nil {
		return err
	}
	ip = ip.Unmap().WithZone("")
	for _, p := range g.allow {
		if p.Contains(ip) {
			return nil
		}
	}
	for _, d := range g.deny {
		if d.prefix.Contains(ip) {
			return &blockedError{addr: ip, port: port, class: g.describe(ip, d.class)}
		}
	}
	return nil
}

// controlAddr is the guarded dialer's ControlContext: it runs after the
// socket is created and before it connects, with the address being
// connected to, so it sees every resolved address of every dial.
func (g *guard) controlAddr(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &blockedError{class: "unparseable address"}
	}
	return g.checkAddr(ap.Addr(), ap.Port())
}

// controlPort is the ControlContext of dials to allow-listed host names:
// only the port is checked.
func (g *guard) controlPort(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &blockedError{class: "unparseable address"}
	}
	return g.checkPort(ap.Port())
}
