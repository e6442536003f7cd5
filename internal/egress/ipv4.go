package egress

import (
	"net/netip"
	"strings"
)

// parseLegacyIPv4 parses the numeric IPv4 host forms that inet_aton and the
// WHATWG URL standard accept besides dotted-decimal: one to four parts,
// each decimal, octal (leading 0) or hexadecimal (0x), the last part
// filling the remaining bytes ("127.1", "2130706433", "0x7f000001",
// "0177.0.0.1"), with an optional trailing dot. It reports false for
// anything else, host names included.
//
// The dialer dials the address such a host denotes, so that the result
// does not depend on whether the system or the Go resolver would have
// looked it up. The guard checks that address like any other.
func parseLegacyIPv4(s string) (netip.Addr, bool) {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	var parts [4]uint64
	n := 0
	for part := range strings.SplitSeq(s, ".") {
		if n == len(parts) {
			return netip.Addr{}, false
		}
		v, ok := parseIPv4Part(part)
		if !ok {
			return netip.Addr{}, false
		}
		parts[n] = v
		n++
	}
	return assembleIPv4(parts[:n])
}

// assembleIPv4 combines parsed parts: all but the last are single bytes;
// the last fills the remaining 5-len(parts) bytes.
func assembleIPv4(parts []uint64) (netip.Addr, bool) {
	last := len(parts) - 1
	var v uint64
	for _, p := range parts[:last] {
		if p > 0xff {
			return netip.Addr{}, false
		}
		v = v<<8 | p
	}
	restBits := uint(8 * (4 - last))
	if parts[last] >= 1<<restBits {
		return netip.Addr{}, false
	}
	v = v<<restBits | parts[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Part parses one part: "0x" hex, "0" octal, or decimal; values
// above 2^32-1 are rejected.
func parseIPv4Part(p string) (uint64, bool) {
	base := uint64(10)
	switch {
	case len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true
		}
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	case p == "":
		return 0, false
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		d, ok := digitValue(p[i], base)
		if !ok {
			return 0, false
		}
		v = v*base + d
		if v > 0xffffffff {
			return 0, false
		}
	}
	return v, true
}

func digitValue(c byte, base uint64) (uint64, bool) {
	var d uint64
	switch {
	case c >= '0' && c <= '9':
		d = uint64(c - '0')
	case c >= 'a' && c <= 'f':
		d = uint64(c-'a') + 10
	case c >= 'A' && c <= 'F':
		d = uint64(c-'A') + 10
	default:
		return 0, false
	}
	return d, d < base
}
