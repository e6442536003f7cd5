package egress

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestDeniedIPv6Embeddings: IPv6 notations that embed an IPv4 address or
// reach local networks through a translator, a tunnel or a segment-routing
// domain. Each is refused by the guard (blocked_destination), before any
// socket connects. Rows marked dialledBefore were let through by the guard
// of issue 12 (finding 7): the request was dialled and ended in
// connection_error (no route on the test machine) instead of
// blocked_destination. The class names the range; where the range embeds
// an IPv4 address the detail names it too.
func TestDeniedIPv6Embeddings(t *testing.T) {
	target := newCountingListener(t, "127.0.0.1:0")
	c := newClient(t, Config{})
	tests := []struct {
		host          string
		class         string
		embeds        string // the embedded IPv4 address named in the detail
		dialledBefore bool
	}{
		{"[::ffff:0:7f00:1]", "IPv4-translated", "127.0.0.1", true},
		{"[::ffff:0:127.0.0.1]", "IPv4-translated", "127.0.0.1", true},
		{"[::FFFF:0:a9fe:a9fe]", "IPv4-translated", "169.254.169.254", true},
		{"[0:0:0:0:ffff:0:10.0.0.1]", "IPv4-translated", "10.0.0.1", true},
		{"[::ffff:0:808:808]", "IPv4-translated", "8.8.8.8", true},
		{"[::7f00:1]", "IPv4-compatible", "127.0.0.1", false},
		{"[::127.0.0.1]", "IPv4-compatible", "127.0.0.1", false},
		{"[64:ff9b::127.0.0.1]", "NAT64", "127.0.0.1", false},
		{"[64:ff9b::a9fe:a9fe]", "NAT64", "169.254.169.254", false},
		{"[64:ff9b::808:808]", "NAT64", "8.8.8.8", false},
		{"[64:ff9b:1::a00:1]", "NAT64", "", false},
		{"[64:ff9b:1:ffff::1]", "NAT64", "", false},
		{"[2002:7f00:1::1]", "6to4", "127.0.0.1", false},
		{"[2002:a00:1:1::1]", "6to4", "10.0.0.1", false},
		{"[2002:c0a8:101::]", "6to4", "192.168.1.1", false},
		{"[2001:0:4136:e378:8000:63bf:80ff:fffe]", "Teredo", "127.0.0.1", false},
		{"[2001::f5ff:fffe]", "Teredo", "10.0.0.1", false},
		{"[2001:db8::1]", "documentation", "", false},
		{"[5f00::1]", "segment routing", "", true},
		{"[5f00:ffff::7f00:1]", "segment routing", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			url := fmt.Sprintf("http://%s:%d/%s?q=%s", tt.host, target.port(), secretPath, secretQuery)
			_, err := get(t, c, url, 2*time.Second)
			e := wantError(t, err, flowevent.ReasonBlockedDestination)
			if !strings.Contains(e.Detail, tt.class) {
				t.Errorf("detail %q does not name %q", e.Detail, tt.class)
			}
			if tt.embeds != "" && !strings.Contains(e.Detail, "embeds "+tt.embeds) {
				t.Errorf("detail %q does not name the embedded %s", e.Detail, tt.embeds)
			}
		})
	}
	if n := target.acceptedBeforeProbe(t); n != 0 {
		t.Errorf("%d connections reached the denied target", n)
	}
}

func TestEmbeddedIPv4(t *testing.T) {
	tests := []struct{ in, want string }{
		{"::7f00:1", "127.0.0.1"},
		{"::ffff:0:a00:1", "10.0.0.1"},
		{"64:ff9b::c0a8:101", "192.168.1.1"},
		{"2002:a9fe:a9fe::1", "169.254.169.254"},
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1"},
		{"::ffff:127.0.0.1", ""}, // mapped: unmapped and checked as IPv4 instead
		{"64:ff9b:1::a00:1", ""},
		{"2606:4700::1111", ""},
		{"127.0.0.1", ""},
	}
	for _, tt := range tests {
		got, ok := embeddedIPv4(netip.MustParseAddr(tt.in))
		if tt.want == "" {
			if ok {
				t.Errorf("embeddedIPv4(%s) = %v, want none", tt.in, got)
			}
			continue
		}
		if !ok || got != netip.MustParseAddr(tt.want) {
			t.Errorf("embeddedIPv4(%s) = %v, %v, want %s", tt.in, got, ok, tt.want)
		}
	}
}
