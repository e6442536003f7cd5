package egress

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestGuardCheckAddr(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		addr      string
		port      uint16
		wantClass string // "" = allowed
	}{
		{"public v4", Config{}, "93.184.215.14", 443, ""},
		{"public v6", Config{}, "2606:4700::1111", 443, ""},
		{"loopback", Config{}, "127.0.0.1", 80, "loopback"},
		{"loopback high", Config{}, "127.255.255.254", 80, "loopback"},
		{"mapped loopback", Config{}, "::ffff:127.0.0.1", 80, "loopback"},
		{"v6 loopback", Config{}, "::1", 80, "loopback"},
		{"unspecified v4", Config{}, "0.0.0.0", 80, "this network"},
		{"unspecified v6", Config{}, "::", 80, "unspecified"},
		{"IPv4-compatible", Config{}, "::7f00:1", 80, "IPv4-compatible"},
		{"metadata", Config{}, "169.254.169.254", 80, "link-local"},
		{"cgnat", Config{}, "100.64.0.1", 80, "shared address space"},
		{"ten", Config{}, "10.1.2.3", 80, "private"},
		{"172.16/12", Config{}, "172.31.255.255", 80, "private"},
		{"172.32 is public", Config{}, "172.32.0.1", 80, ""},
		{"192.168", Config{}, "192.168.1.1", 80, "private"},
		{"benchmarking", Config{}, "198.19.0.1", 80, "benchmarking"},
		{"multicast", Config{}, "224.0.0.1", 80, "multicast"},
		{"broadcast", Config{}, "255.255.255.255", 80, "reserved"},
		{"azure wire server", Config{}, "168.63.129.16", 80, "cloud platform service"},
		{"nat64", Config{}, "64:ff9b::7f00:1", 80, "NAT64"},
		{"nat64 local", Config{}, "64:ff9b:1::1", 80, "NAT64"},
		{"6to4", Config{}, "2002:7f00:1::", 80, "6to4"},
		{"teredo", Config{}, "2001:0:4136:e378::1", 80, "protocol assignments"},
		{"ula", Config{}, "fd00:ec2::254", 80, "unique local"},
		{"link-local v6", Config{}, "fe80::1%eth0", 80, "link-local"},
		{"site-local", Config{}, "fec0::1", 80, "site-local"},
		{"v6 multicast", Config{}, "ff02::1", 80, "multicast"},
		{"allow cidr", Config{AllowCIDRs: pfx("127.0.0.0/8")}, "127.0.0.1", 80, ""},
		{"allow cidr mapped form", Config{AllowCIDRs: pfx("::ffff:127.0.0.0/104")}, "127.0.0.1", 80, ""},
		{"allow cidr elsewhere", Config{AllowCIDRs: pfx("10.0.0.0/8")}, "127.0.0.1", 80, "loopback"},
		{"allow beats operator deny", Config{AllowCIDRs: pfx("8.8.8.8/32"), DenyCIDRs: pfx("8.8.8.0/24")}, "8.8.8.8", 80, ""},
		{"operator deny", Config{DenyCIDRs: pfx("8.8.8.0/24")}, "8.8.8.9", 80, "operator deny list"},
		{"port allowed", Config{AllowPorts: []int{443}}, "93.184.215.14", 443, ""},
		{"port denied", Config{AllowPorts: []int{443}}, "93.184.215.14", 22, "port"},
		{"port denied despite allow cidr", Config{AllowPorts: []int{443}, AllowCIDRs: pfx("127.0.0.0/8")}, "127.0.0.1", 80, "port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newGuard(tt.cfg).checkAddr(netip.MustParseAddr(tt.addr), tt.port)
			if tt.wantClass == "" {
				if err != nil {
					t.Fatalf("checkAddr(%s) = %v, want allowed", tt.addr, err)
				}
				return
			}
			var be *blockedError
			if !errors.As(err, &be) {
				t.Fatalf("checkAddr(%s) = %v, want blocked", tt.addr, err)
			}
			if !strings.Contains(be.detail(), tt.wantClass) {
				t.Errorf("detail %q does not name %q", be.detail(), tt.wantClass)
			}
		})
	}
}

func TestGuardControlAddr(t *testing.T) {
	g := newGuard(Config{})
	for _, addr := range []string{"127.0.0.1:80", "[::1]:80", "[::ffff:10.0.0.1]:443", "not an address"} {
		if err := g.controlAddr(t.Context(), "tcp", addr, nil); err == nil {
			t.Errorf("controlAddr(%q) allowed", addr)
		}
	}
	if err := g.controlAddr(t.Context(), "tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("controlAddr(public) = %v", err)
	}
}

func TestGuardHostAllowed(t *testing.T) {
	g := newGuard(Config{AllowHosts: []string{"hooks.example.com", "*.corp.example"}})
	tests := []struct {
		host string
		want bool
	}{
		{"hooks.example.com", true},
		{"HOOKS.Example.COM", true},
		{"hooks.example.com.", true},
		{"x.hooks.example.com", false},
		{"example.com", false},
		{"a.corp.example", true},
		{"a.b.corp.example", true},
		{"corp.example", false},
		{"evilcorp.example", false},
		{"corp.example.evil", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := g.hostAllowed(tt.host); got != tt.want {
			t.Errorf("hostAllowed(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	if newGuard(Config{}).hostAllowed("hooks.example.com") {
		t.Error("empty allow list allowed a host")
	}
}

func pfx(ss ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range ss {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}
