package request

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Secrets resolves a secret by name within an account's scope
// (implemented by internal/secret.Store): a node references only its own
// account's secrets, and those the operator granted to it. It must be safe
// for concurrent use.
type Secrets interface {
	Secret(account, name string) (string, bool)
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
	now       func() time.Time
}

// BuilderOption tunes a Builder.
type BuilderOption func(*Builder)

// WithClock sets the clock of signature timestamps (default time.Now). It
// must be safe for concurrent use.
func WithClock(now func() time.Time) BuilderOption {
	return func(b *Builder) {
		if now != nil {
			b.now = now
		}
	}
}

// NewBuilder returns a Builder that resolves secrets with secrets (nil: no
// secret resolves) and sends userAgent as User-Agent (an empty one, or one
// holding a control character, suppresses the header).
func NewBuilder(secrets Secrets, userAgent string, opts ...BuilderOption) *Builder {
	if !flowevent.ValidHeaderValue(userAgent) {
		userAgent = ""
	}
	b := &Builder{secrets: secrets, userAgent: userAgent, now: time.Now}
	for _, o := range opts {
		o(b)
	}
	return b
}

// errNilContext reports a programming error of the caller.
var errNilContext = errors.New("request: nil context")

// Build returns the outbound request for one request event, with ctx
// attached, and where it goes. requestID is the request event's id, from
// which the idempotency headers are derived. In query mode (the default)
// the request has no body; in json and form mode its body is set with
// GetBody, so it can be sent again. A signed node's signature is computed
// at every Build, with a fresh timestamp.
//
// Build does not validate the node (callers validate first) but never
// panics. It returns an *Error for a request it cannot build: secret_missing
// for an unresolvable secret, invalid_config for a node that cannot be sent
// (unknown method, body mode or parameter source, a body on GET or DELETE,
// JSON body names that clash, a URL that is not absolute http(s) or
// carries user info, a header that net/http would refuse, a signing secret
// that is not a whsec_ key), invalid_event for a value with no text (or
// JSON) form. On error the Target is still filled when the node URL can be
// read, so an outcome can name the endpoint.
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
	mode, err := bodyMode(&req.Node)
	if err != nil {
		return failed(req, err)
	}
	rawURL, body, contentType, err := b.payload(mode, req)
	if err != nil {
		return failed(req, err)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Node.Method, rawURL, bodyReader(body))
	if err != nil {
		// Never wrap err: it quotes the URL, query included.
		return nil, Target{}, configError("url cannot be parsed")
	}
	t, err := targetOf(hr.URL)
	if err != nil {
		return nil, Target{}, err
	}
	if err := b.setHeaders(hr.Header, req, requestID, opts); err != nil {
		return nil, t, err
	}
	setContentType(hr.Header, contentType)
	if s := req.Node.Signing; s != nil {
		if err := b.sign(hr.Header, req.Account, s, hr.Header[headerWebhookID][0], body); err != nil {
			return nil, t, err
		}
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

// secret resolves a secret of account; a nil Secrets resolves nothing.
func (b *Builder) secret(account, name string) (string, bool) {
	if b.secrets == nil || name == "" {
		return "", false
	}
	return b.secrets.Secret(account, name)
}
