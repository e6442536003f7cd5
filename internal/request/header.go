package request

import (
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Canonical names of the headers flowhook sets itself.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerWebhookID      = "Webhook-Id"
	headerUserAgent      = "User-Agent"
	headerTraceParent    = "Traceparent"
	headerTraceState     = "Tracestate"
)

// reserved reports whether a node header must be ignored: one flowevent
// reserves (flowhook's own, and the transport's), or User-Agent, which
// Builder sets.
func reserved(name string) bool {
	return flowevent.IsReservedHeader(name) || strings.EqualFold(name, headerUserAgent)
}

// maxOwnFields is how many fields flowhook may add after the node's:
// Idempotency-Key, Webhook-Id, User-Agent, Traceparent, Tracestate,
// Content-Type, Webhook-Timestamp and Webhook-Signature; a node with auth
// adds Authorization.
const maxOwnFields = 8

// fields returns the request's header fields: the node's headers in
// order, names as configured, secrets resolved; then the Authorization of
// the node's auth; then flowhook's own; then
// the body's Content-Type unless a node header sets one; then a signed
// node's signature. They share one backing array.
func (b *Builder) fields(req *flowevent.Request, requestID string, opts Options, contentType string, body []byte) ([]egress.Field, error) {
	headers := req.Node.Headers
	own := maxOwnFields
	if req.Node.Auth != nil {
		own++
	}
	fs := make([]egress.Field, 0, len(headers)+own)
	hasContentType := false
	for i := range headers {
		hd := &headers[i]
		if !flowevent.ValidHeaderName(hd.Name) {
			return nil, configError(headerRef(i, hd) + " has an invalid name")
		}
		if reserved(hd.Name) {
			continue
		}
		if req.Node.Auth != nil && strings.EqualFold(hd.Name, flowevent.HeaderAuthorization) {
			return nil, configError(headerRef(i, hd) + " conflicts with auth, which sets Authorization")
		}
		v, err := b.headerValue(req.Account, i, hd)
		if err != nil {
			return nil, err
		}
		fs = append(fs, egress.Field{Name: hd.Name, Value: v})
		hasContentType = hasContentType || strings.EqualFold(hd.Name, headerContentType)
	}
	if a := req.Node.Auth; a != nil {
		v, err := b.authorization(req.Account, a, opts)
		if err != nil {
			return nil, err
		}
		fs = append(fs, egress.Field{Name: flowevent.HeaderAuthorization, Value: v})
	}
	key := flowevent.IdempotencyKey(req.Account, requestID)
	fs = b.ownFields(fs, key, opts)
	if contentType != "" && !hasContentType {
		fs = append(fs, egress.Field{Name: headerContentType, Value: contentType})
	}
	if s := req.Node.Signing; s != nil {
		return b.sign(fs, req.Account, s, key, body)
	}
	return fs, nil
}

// headerValue is a header's inline value, or its prefix and a secret of
// account.
func (b *Builder) headerValue(account string, i int, hd *flowevent.Header) (string, error) {
	if hd.Secret == "" {
		if !flowevent.ValidHeaderValue(hd.Value) {
			return "", configError(headerRef(i, hd) + " value contains a control character")
		}
		return hd.Value, nil
	}
	s, ok := b.secret(account, hd.Secret)
	if !ok {
		return "", missingSecret("secret " + strconv.Quote(hd.Secret) + " for " + headerRef(i, hd) + " not found")
	}
	if !flowevent.ValidHeaderValue(hd.Prefix) || !flowevent.ValidHeaderValue(s) {
		return "", configError(headerRef(i, hd) + " value (prefix or secret " + strconv.Quote(hd.Secret) + ") contains a control character")
	}
	if hd.Prefix == "" {
		return s, nil
	}
	return hd.Prefix + s, nil
}

// headerRef names a header by position and name, never by value.
func headerRef(i int, hd *flowevent.Header) string {
	return "headers[" + strconv.Itoa(i) + "] " + strconv.Quote(hd.Name)
}

// ownFields appends flowhook's own fields: the idempotency key twice
// (Idempotency-Key quoted, webhook-id bare), User-Agent (empty when
// suppressed: egress then sends none), and the trace context when valid.
func (b *Builder) ownFields(fs []egress.Field, key string, opts Options) []egress.Field {
	fs = append(fs,
		egress.Field{Name: headerIdempotencyKey, Value: `"` + key + `"`},
		egress.Field{Name: headerWebhookID, Value: key})
	fs = append(fs, egress.Field{Name: headerUserAgent, Value: b.userAgent}) // empty: none is sent
	if !flowevent.ValidTraceParent(opts.TraceParent) {
		return fs
	}
	fs = append(fs, egress.Field{Name: headerTraceParent, Value: opts.TraceParent})
	if opts.TraceState != "" && flowevent.ValidTraceState(opts.TraceState) {
		fs = append(fs, egress.Field{Name: headerTraceState, Value: opts.TraceState})
	}
	return fs
}
