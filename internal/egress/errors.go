package egress

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("egress: invalid config")

// Error is a request that produced no usable response. Reason is one of
// timeout, tls_error, auth_failed (the server refused the client
// certificate in the handshake), blocked_destination, response_too_large,
// connection_error or invalid_config. Detail explains it for people; it and
// Error() never contain the request's URL, path or query, nor an address
// of flowhook's own infrastructure (a resolver, a local address): only
// what failed, and for a blocked destination the address refused. Err is
// the underlying error, for errors.Is and errors.As; its own text is not
// sanitised and must not be logged.
type Error struct {
	Reason flowevent.Reason
	Detail string
	Err    error
}

// Error returns "egress: <reason>: <detail>".
func (e *Error) Error() string { return "egress: " + string(e.Reason) + ": " + e.Detail }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errors of the exchange that name what failed in flowhook's own words.
var (
	errNoResponse      = errors.New("connection closed before a response")
	errHeadersTooLarge = errors.New("response headers exceed the limit")
	errHeaderTimeout   = &timeoutError{"timeout awaiting response headers"}
	errTLSTimeout      = &timeoutError{"TLS handshake timeout"}
	errBadLocation     = errors.New("redirect with an invalid Location header")
)

// timeoutError is a stage timeout: a net.Error that timed out.
type timeoutError struct{ text string }

func (e *timeoutError) Error() string   { return e.text }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// stageError is an error raised at a named stage of the exchange
// ("reading body"), which the detail starts with.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// malformedError is a response that could not be parsed. Its text is
// fixed: the parser's own quotes the bytes received, which may echo the
// request.
type malformedError struct{ err error }

func (e *malformedError) Error() string { return "malformed response" }
func (e *malformedError) Unwrap() error { return e.err }

// blockedError is a dial the guard refused. Its text names the address and
// its class, never a host name, path or query.
type blockedError struct {
	addr       netip.Addr
	port       uint16
	class      string
	portDenied bool
}

func (e *blockedError) detail() string {
	switch {
	case e.portDenied:
		return "destination port " + strconv.Itoa(int(e.port)) + " is not allowed"
	case !e.addr.IsValid():
		return "destination is denied (" + e.class + ")"
	default:
		return "destination " + e.addr.String() + " is in a denied range (" + e.class + ")"
	}
}

func (e *blockedError) Error() string { return "egress: " + e.detail() }
