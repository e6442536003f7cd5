package egress

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestDeniedLoopbackSpellings complements TestDeniedTargets with more ways
// of writing a loopback address, in the URL or in a DNS answer. Every one
// is refused before a connection is opened. (Only loopback spellings: a
// guard failure must not send traffic off this machine.)
func TestDeniedLoopbackSpellings(t *testing.T) {
	target := newCountingListener(t, "127.0.0.1:0")
	dns := newFakeDNS()
	dns.set("mapped.flowhook.test", "::ffff:127.0.0.1")
	dns.set("mixed.flowhook.test", "127.0.0.1", "::ffff:7f00:1")
	c := newClient(t, Config{Resolver: dns.resolver()})
	for _, host := range []string{
		"0x7f.1",
		"0x7f.0.0.1",
		"0x7F.0X0.0.0x1",
		"017700000001",
		"0177.1",
		"127.0.1",
		"[::ffff:7f00:1]",
		"[0:0:0:0:0:ffff:127.0.0.1]",
		"[::FFFF:127.0.0.1]",
		"localhost",
		"mapped.flowhook.test",
		"mixed.flowhook.test",
	} {
		t.Run(host, func(t *testing.T) {
			url := fmt.Sprintf("http://%s:%d/%s?q=%s", host, target.port(), secretPath, secretQuery)
			_, err := get(t, c, url, 5*time.Second)
			e := wantError(t, err, flowevent.ReasonBlockedDestination)
			if !strings.Contains(e.Detail, "loopback") {
				t.Errorf("detail %q does not name loopback", e.Detail)
			}
		})
	}
	if n := target.acceptedBeforeProbe(t); n != 0 {
		t.Errorf("%d connections reached the denied target", n)
	}
}

// TestTLSMinimumVersion: a receiver that only speaks TLS 1.0/1.1 is refused
// even though its certificate is trusted; the same receiver offering 1.2
// is accepted.
func TestTLSMinimumVersion(t *testing.T) {
	tests := []struct {
		name     string
		min, max uint16
		wantOK   bool
	}{
		{"TLS 1.0 only", tls.VersionTLS10, tls.VersionTLS10, false},
		{"TLS 1.1 only", tls.VersionTLS10, tls.VersionTLS11, false},
		{"TLS 1.2", tls.VersionTLS12, tls.VersionTLS12, true},
		{"TLS 1.3", tls.VersionTLS13, tls.VersionTLS13, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "secure")
			}))
			srv.TLS = &tls.Config{MinVersion: tt.min, MaxVersion: tt.max}
			srv.StartTLS()
			t.Cleanup(srv.Close)
			cfg := loopback()
			cfg.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

			resp, err := get(t, newClient(t, cfg), srv.URL+"/"+secretPath+"?q="+secretQuery, 5*time.Second)
			if tt.wantOK {
				if err != nil || string(resp.Body) != "secure" {
					t.Fatalf("Do: %v %v", resp, err)
				}
				return
			}
			wantError(t, err, flowevent.ReasonTLSError)
		})
	}
}
