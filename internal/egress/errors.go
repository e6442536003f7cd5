package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Error is a request that produced no usable response. Reason is one of
// timeout, tls_error, blocked_destination, response_too_large,
// connection_error or invalid_config. Detail explains it for people; it and
// Error() never contain the request's URL, path or query (an IP address and
// port may appear). Err is the underlying error, for errors.Is and
// errors.As; its own text is not sanitised and must not be logged.
type Error struct {
	Reason flowevent.Reason
	Detail string
	Err    error
}

// Error returns "egress: <reason>: <detail>".
func (e *Error) Error() string { return "egress: " + string(e.Reason) + ": " + e.Detail }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// maxDetail bounds Detail, which is copied into outcome events.
const maxDetail = 256

// newError classifies err, raised while sending req (stage "") or reading
// its response body (stage "reading body"), and sanitises its text.
func newError(req *http.Request, stage string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error's text holds the full URL
	}
	reason, detail := classify(req.Context(), err)
	if stage != "" {
		detail = stage + ": " + detail
	}
	return &Error{Reason: reason, Detail: scrub(detail, req.URL), Err: err}
}

// classify maps a transport error to a reason and an unsanitised detail.
func classify(ctx context.Context, err error) (flowevent.Reason, string) {
	var blocked *blockedError
	switch {
	case errors.As(err, &blocked):
		return flowevent.ReasonBlockedDestination, blocked.detail()
	case isTimeout(ctx, err):
		return flowevent.ReasonTimeout, timeoutDetail(err)
	case errors.Is(err, context.Canceled):
		return flowevent.ReasonConnectionError, "request canceled"
	case isTLS(err):
		return flowevent.ReasonTLSError, err.Error()
	case strings.Contains(err.Error(), "server response headers exceeded"):
		// net/http offers no sentinel for MaxResponseHeaderBytes.
		return flowevent.ReasonResponseTooLarge, "response headers exceed the limit"
	case strings.HasPrefix(err.Error(), "failed to parse Location header"):
		return flowevent.ReasonConnectionError, "redirect with an invalid Location header"
	default:
		return flowevent.ReasonConnectionError, err.Error()
	}
}

// isTimeout reports a deadline: the request context's, or a stage timeout
// (connect, TLS handshake, response headers).
func isTimeout(ctx context.Context, err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func timeoutDetail(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "deadline exceeded"
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
