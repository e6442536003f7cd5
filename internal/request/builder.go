package request

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flowhook/flowhook/internal/clienttls"
	"github.com/flowhook/flowhook/internal/egress"
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
	// AccessToken is the OAuth 2.0 access token of a node with auth kind
	// oauth2, sent as Authorization: Bearer; the caller fetches it
	// (internal/oauth). Other nodes ignore it.
	AccessToken string
}

// Builder turns request events into outbound HTTP requests. It is safe for
// concurrent use by multiple goroutines.
type Builder struct {
	secrets   Secrets
	userAgent string
	now       func() time.Time
	tls       *clienttls.Identities
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
	b := &Builder{secrets: secrets, userAgent: userAgent, now: time.Now, tls: clienttls.New(0, 0)}
	for _, o := range opts {
		o(b)
	}
	return b
}

// Outbound returns the outbound request for one request event, and where
// it goes: what the dispatcher sends with internal/egress. requestID is
// the request event's id, from which the idempotency headers are derived.
// In query mode (the default) the request has no body. Header fields keep
// the names the node configures, in order, flowhook's own after them. A
// signed node's signature is computed at every call, with a fresh
// timestamp.
//
// Outbound does not validate the node (callers validate first) but never
// panics. It returns an *Error for a request it cannot build: secret_missing
// for an unresolvable secret, invalid_config for a node that cannot be sent
// (unknown method, body mode or parameter source, a body on GET or DELETE,
// JSON body names that clash, a URL that is not absolute http(s) or
// carries user info, a header name or value that HTTP refuses, a signing
// secret that is not a whsec_ key, TLS secrets that are not a usable PEM
// certificate, key or CA), invalid_event for a value with no text (or
// JSON) form. A node with tls gets its TLS identity (egress.Request.TLS),
// parsed once per account and change of its secrets. On error the Target is still filled when the node URL can
// be read, so an outcome can name the endpoint.
func (b *Builder) Outbound(requestID string, req *flowevent.Request, opts Options) (*egress.Request, Target, error) {
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
	u, err := url.Parse(rawURL)
	if err != nil {
		// Never wrap err: it quotes the URL, query included.
		return nil, Target{}, configError("url cannot be parsed")
	}
	t, err := targetOf(u)
	if err != nil {
		return nil, Target{}, err
	}
	out := &egress.Request{Method: req.Node.Method, URL: u, Body: body}
	if out.Header, err = b.fields(req, requestID, opts, contentType, body); err != nil {
		return nil, t, err
	}
	if n := req.Node.TLS; n != nil {
		if u.Scheme != "https" {
			return nil, t, configError("tls needs an https url")
		}
		if out.TLS, err = b.clientTLS(req.Account, n); err != nil {
			return nil, t, err
		}
	}
	return out, t, nil
}

// Build is Outbound as an *http.Request with ctx attached, for the tools
// that show a request (flowhook render): the same method, the same parsed
// URL, the same header fields (under canonical keys, as http.Header keeps
// them) and the same body, set with GetBody.
func (b *Builder) Build(ctx context.Context, requestID string, req *flowevent.Request, opts Options) (*http.Request, Target, error) {
	if ctx == nil {
		return nil, Target{}, errNilContext
	}
	out, t, err := b.Outbound(requestID, req, opts)
	if err != nil {
		return nil, t, err
	}
	hr, err := http.NewRequestWithContext(ctx, out.Method, "http://placeholder/", bodyReader(out.Body))
	if err != nil {
		return nil, t, configError("request cannot be built")
	}
	hr.URL, hr.Host = out.URL, strings.TrimSuffix(out.URL.Host, ":")
	for _, f := range out.Header {
		hr.Header.Add(f.Name, f.Value)
	}
	return hr, t, nil
}

// failed returns err with the best Target the node URL yields; a URL that
// is itself unusable takes precedence as the error.
func failed(req *flowevent.Request, err error) (*egress.Request, Target, error) {
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
