package request

import (
	"context"
	"errors"
	"net/http"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Secrets resolves a secret by name (implemented by internal/secret.Store).
// It must be safe for concurrent use.
type Secrets interface {
	Secret(name string) (string, bool)
}

// Options carries what a request needs beyond its request event's data.
type Options struct {
	// TraceParent and TraceState are the W3C trace context to propagate,
	// usually the request event's CloudEvents distributed-tracing extension.
	// TraceParent is sent only when flowevent.ValidTraceParent accepts it,
	// TraceState only with it and only when flowevent.ValidTraceState
	// accepts it; otherwise they are dropped.
	TraceParent string
	TraceState  string
}

// Builder turns request events into outbound HTTP requests. It is safe for
// concurrent use by multiple goroutines.
type Builder struct {
	secrets   Secrets
	userAgent string
}

// NewBuilder returns a Builder that resolves secrets with secrets (nil: no
// secret resolves) and sends userAgent as User-Agent (an empty one, or one
// holding a control character, suppresses the header).
func NewBuilder(secrets Secrets, userAgent string) *Builder {
	if !flowevent.ValidHeaderValue(userAgent) {
		userAgent = ""
	}
	return &Builder{secrets: secrets, userAgent: userAgent}
}

// errNilContext reports a programming error of the caller.
var errNilContext = errors.New("request: nil context")

// Build returns the outbound request for one request event, with ctx
// attached, and where it goes. requestID is the request event's id, from
// which the idempotency headers are derived. The request has no body.
//
// Build does not validate the node (callers validate first) but never
// panics. It returns an *Error for a request it cannot build: secret_missing
// for an unresolvable secret, invalid_config for a node that cannot be sent
// (unknown method or parameter source, a URL that is not absolute http(s) or
// carries user info, a header that net/http would refuse), invalid_event for
// a value with no text form. On error the Target is still filled when the
// node URL can be read, so an outcome can name the endpoint.
func (b *Builder) Build(ctx context.Context, requestID string, req *flowevent.Request, opts Options) (*http.Request, Target, error) {
	if ctx == nil {
		return nil, Target{}, errNilContext
	}
	if req == nil {
		return nil, Target{}, &Error{Reason: flowevent.ReasonInvalidEvent, Detail: "request event has no data"}
	}
	if !validMethod(req.Node.Method) {
		return failed(req, configError("method must be GET, POST, PUT, PATCH or DELETE"))
	}
	rawURL, err := b.buildURL(req)
	if err != nil {
		return failed(req, err)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Node.Method, rawURL, nil)
	if err != nil {
		// Never wrap err: it quotes the URL, query included.
		return nil, Target{}, configError("url cannot be parsed")
	}
	t, err := targetOf(hr.URL)
	if err != nil {
		return nil, Target{}, err
	}
	if err := b.setHeaders(hr.Header, req.Node.Headers, requestID, opts); err != nil {
		return nil, t, err
	}
	return hr, t, nil
}

// failed returns err with the best Target the node URL yields; a URL that
// is itself unusable takes precedence as the error.
func failed(req *flowevent.Request, err error) (*http.Request, Target, error) {
	t, terr := targetOfRaw(req.Node.URL)
	if terr != nil {
		return nil, Target{}, terr
	}
	return nil, t, err
}

func validMethod(m string) bool {
	switch m {
	case flowevent.MethodGet, flowevent.MethodPost, flowevent.MethodPut, flowevent.MethodPatch, flowevent.MethodDelete:
		return true
	}
	return false
}

// secret resolves a secret; a nil Secrets resolves nothing.
func (b *Builder) secret(name string) (string, bool) {
	if b.secrets == nil || name == "" {
		return "", false
	}
	return b.secrets.Secret(name)
}
