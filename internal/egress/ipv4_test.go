package egress

import (
	"net/netip"
	"testing"
)

func TestParseLegacyIPv4(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = not an IPv4 form
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0X7F000001", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0177.0.0.01", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"169.254.43518", "169.254.169.254"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"256.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"08.0.0.1", ""}, // 8 is not an octal digit
		{"0x1g", ""},
		{"", ""},
		{".", ""},
		{"1..2", ""},
		{"example.com", ""},
		{"123.example", ""},
		{"::1", ""},
		{"99999999999999999999", ""},
	}
	for _, tt := range tests {
		got, ok := parseLegacyIPv4(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("parseLegacyIPv4(%q) = %v, want not an address", tt.in, got)
			}
			continue
		}
		if !ok || got != netip.MustParseAddr(tt.want) {
			t.Errorf("parseLegacyIPv4(%q) = %v, %v, want %s", tt.in, got, ok, tt.want)
		}
	}
}

// FuzzParseLegacyIPv4 checks that the parser never panics, only yields
// IPv4 addresses, and agrees with netip on dotted-decimal input.
func FuzzParseLegacyIPv4(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "1.2.3", "0x", "00", "1.2.3.4.", "255.255.255.255"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseLegacyIPv4(s)
		if ok && !got.Is4() {
			t.Fatalf("parseLegacyIPv4(%q) = %v, not IPv4", s, got)
		}
		if want, err := netip.ParseAddr(s); err == nil && want.Is4() && (!ok || got != want) {
			t.Fatalf("parseLegacyIPv4(%q) = %v, %v; netip says %v", s, got, ok, want)
		}
	})
}
