package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// maxDetail bounds Detail, which is copied into outcome events.
const maxDetail = 256

// headerError turns an error of reading the response header into one of
// the errors of errors.go.
func headerError(ctx context.Context, err error) error {
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errNoResponse
	case errors.As(err, &small):
		return errHeadersTooLarge
	case errors.Is(err, fasthttp.ErrTimeout), errors.As(err, &ne) && ne.Timeout():
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errHeaderTimeout
	case errors.As(err, new(*net.OpError)): // a refused client certificate included
		return err
	default:
		return &malformedError{err}
	}
}

// newError classifies err, raised while sending a request to u, and
// sanitises its text.
func newError(ctx context.Context, u *url.URL, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error's text holds the full URL
	}
	var stage *stageError
	inner := err
	if errors.As(err, &stage) {
		inner = stage.err
	}
	reason, detail := classify(ctx, inner)
	if stage != nil {
		detail = stage.stage + ": " + detail
	}
	return &Error{Reason: reason, Detail: scrub(detail, u), Err: err}
}

// classify maps a transport error to a reason and an unsanitised detail.
func classify(ctx context.Context, err error) (flowevent.Reason, string) {
	var blocked *blockedError
	switch {
	case errors.As(err, &blocked):
		return flowevent.ReasonBlockedDestination, blocked.detail()
	case errors.Is(ctx.Err(), context.Canceled), errors.Is(err, context.Canceled) && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return flowevent.ReasonConnectionError, "request canceled"
	case isTimeout(ctx, err):
		return flowevent.ReasonTimeout, timeoutDetail(ctx, err)
	case certificateRefused(err):
		return flowevent.ReasonAuthFailed, "client certificate refused: " + errText(err)
	case isTLS(err):
		return flowevent.ReasonTLSError, errText(err)
	case errors.Is(err, errHeadersTooLarge), strings.Contains(err.Error(), "server response headers exceeded"):
		return flowevent.ReasonResponseTooLarge, "response headers exceed the limit"
	case errors.Is(err, errBadLocation), strings.HasPrefix(err.Error(), "failed to parse Location header"):
		return flowevent.ReasonConnectionError, "redirect with an invalid Location header"
	default:
		return flowevent.ReasonConnectionError, errText(err)
	}
}

// isTimeout reports a deadline: the request context's, or a stage timeout
// (connect, TLS handshake, response headers, DNS).
func isTimeout(ctx context.Context, err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func timeoutDetail(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "deadline exceeded"
	default:
		return errText(err)
	}
}

// errText is err's text without the addresses that network errors carry:
// a *net.DNSError names the resolver ("lookup x on 10.0.0.2:53: no such
// host"), a *net.OpError the local address ("read tcp 10.1.2.3:40312->");
// both belong to flowhook's infrastructure, not to the endpoint.
func errText(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return "host not found"
		case dnsErr.IsTimeout:
			return "DNS lookup timed out"
		default:
			return "DNS lookup failed"
		}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Op + ": " + errText(op.Err)
	}
	var sys *os.SyscallError
	if errors.As(err, &sys) && sys.Err != nil {
		return sys.Syscall + ": " + sys.Err.Error()
	}
	return err.Error()
}

// isTLS reports a TLS handshake or certificate verification failure.
func isTLS(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	if errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid) {
		return true
	}
	return strings.Contains(err.Error(), "tls: ") // alerts and handshake errors are unexported
}

// refusals are the TLS alerts a server sends about the client's
// certificate (RFC 8446 section 6.2): missing, bad, expired, revoked, of an
// unknown authority, or not allowed.
var refusals = []string{
	"tls: bad certificate", "tls: unsupported certificate", "tls: revoked certificate",
	"tls: expired certificate", "tls: unknown certificate", "tls: unknown certificate authority",
	"tls: access denied", "tls: certificate required",
}

// certificateRefused reports an alert from the server refusing the
// client's certificate (or its absence): the endpoint rejected the
// credentials, as a 401 would. crypto/tls reports a received alert as a
// *net.OpError with Op "remote error".
func certificateRefused(err error) bool {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "remote error" || op.Err == nil {
		return false
	}
	msg := op.Err.Error()
	for _, r := range refusals {
		if msg == r {
			return true
		}
	}
	return false
}

// scrub removes from s anything of u that may carry personal data or
// secrets: the query (whole and value by value), the path, user info.
// Receivers can echo those back (in a Location header, say).
func scrub(s string, u *url.URL) string {
	if u != nil {
		s = redact(s, u.RawQuery, u.EscapedPath(), u.Path, u.User.String())
		s = redactQueryValues(s, u.RawQuery)
	}
	if len(s) > maxDetail {
		s = s[:maxDetail] + "..."
	}
	return s
}

// minRedact is the shortest value redacted on its own: shorter ones are too
// likely to match unrelated text, and carry little.
const minRedact = 4

func redact(s string, values ...string) string {
	for _, v := range values {
		if len(v) >= minRedact {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

func redactQueryValues(s, rawQuery string) string {
	if rawQuery == "" {
		return s
	}
	q, _ := url.ParseQuery(rawQuery)
	for _, vs := range q {
		for _, v := range vs {
			s = redact(s, v, url.QueryEscape(v))
		}
	}
	return s
}
