package egress

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// netTimeout is a net.Error that timed out, as the transport's stage
// timeouts are.
type netTimeout struct{}

func (netTimeout) Error() string   { return "net/http: timeout awaiting response headers" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

func TestNewErrorClassifies(t *testing.T) {
	const rawURL = "https://hooks.example.com/" + secretPath + "?email=" + secretQuery + "&n=1"
	blocked := &blockedError{addr: netip.MustParseAddr("10.0.0.1"), port: 80, class: "private"}
	tests := []struct {
		name   string
		err    error
		reason flowevent.Reason
		detail string // substring expected
	}{
		{"blocked in OpError", &net.OpError{Op: "dial", Net: "tcp", Err: blocked}, flowevent.ReasonBlockedDestination, "10.0.0.1 is in a denied range (private)"},
		{"deadline", context.DeadlineExceeded, flowevent.ReasonTimeout, "deadline exceeded"},
		{"stage timeout", netTimeout{}, flowevent.ReasonTimeout, "awaiting response headers"},
		{"canceled", context.Canceled, flowevent.ReasonConnectionError, "canceled"},
		{"unknown authority", &tlsVerifyErr{x509.UnknownAuthorityError{}}, flowevent.ReasonTLSError, "x509"},
		{"tls alert", &net.OpError{Op: "remote error", Err: errors.New("tls: handshake failure")}, flowevent.ReasonTLSError, "handshake failure"},
		{"header flood", errors.New("net/http: server response headers exceeded 65536 bytes; aborted"), flowevent.ReasonResponseTooLarge, "headers"},
		{"bad location", fmt.Errorf("failed to parse Location header %q: bad", "/x?email="+secretQuery), flowevent.ReasonConnectionError, "Location"},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, flowevent.ReasonConnectionError, "refused"},
		{"echo of the query", errors.New("odd reply: email=" + secretQuery + "&n=1"), flowevent.ReasonConnectionError, "odd reply"},
		{"echo of a value", errors.New("odd reply " + secretQuery), flowevent.ReasonConnectionError, "odd reply"},
		{"echo of the path", errors.New("odd reply /" + secretPath), flowevent.ReasonConnectionError, "odd reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := url.Parse(rawURL)
			wrapped := &url.Error{Op: "Get", URL: rawURL, Err: tt.err}
			e := newError(t.Context(), u, wrapped)
			if e.Reason != tt.reason || !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("got %s %q, want %s containing %q", e.Reason, e.Detail, tt.reason, tt.detail)
			}
			wantError(t, e, tt.reason)
			if !errors.Is(e, tt.err) {
				t.Errorf("errors.Is(e, cause) is false")
			}
		})
	}
}

// tlsVerifyErr wraps an x509 error as crypto/tls does.
type tlsVerifyErr struct{ err error }

func (e *tlsVerifyErr) Error() string { return "tls: failed to verify certificate: " + e.err.Error() }
func (e *tlsVerifyErr) Unwrap() error { return e.err }

func TestNewErrorUsesContextDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 0)
	defer cancel()
	u, _ := url.Parse("http://a.example/")
	<-ctx.Done()
	e := newError(ctx, u, &stageError{stage: "reading body", err: errors.New("read: connection reset")})
	if e.Reason != flowevent.ReasonTimeout || !strings.HasPrefix(e.Detail, "reading body: ") {
		t.Errorf("got %s %q", e.Reason, e.Detail)
	}
}

func TestScrubBoundsLength(t *testing.T) {
	if got := scrub(strings.Repeat("z", 1000), nil); len(got) > maxDetail+3 {
		t.Errorf("detail of %d bytes", len(got))
	}
}
