package request

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

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

// reservedCount is how many headers setReserved may set.
const reservedCount = 5

// reserved reports whether a node header must be ignored: one flowevent
// reserves (flowhook's own, and the transport's), or User-Agent, which
// Builder sets.
func reserved(name string) bool {
	return flowevent.IsReservedHeader(name) || strings.EqualFold(name, headerUserAgent)
}

// setHeaders adds the node's headers in order, resolving secrets, then
// flowhook's own. Values share one backing array, so that a request's
// headers cost one allocation rather than one each.
func (b *Builder) setHeaders(h http.Header, req *flowevent.Request, requestID string, opts Options) error {
	headers := req.Node.Headers
	vals := make([]string, len(headers)+reservedCount)
	for i := range headers {
		hd := &headers[i]
		if !flowevent.ValidHeaderName(hd.Name) {
			return configError(headerRef(i, hd) + " has an invalid name")
		}
		if reserved(hd.Name) {
			continue
		}
		v, err := b.headerValue(req.Account, i, hd)
		if err != nil {
			return err
		}
		key := textproto.CanonicalMIMEHeaderKey(hd.Name)
		if prev, ok := h[key]; ok {
			h[key] = append(prev, v)
			continue
		}
		vals[i] = v
		h[key] = vals[i : i+1 : i+1]
	}
	b.setReserved(h, vals[len(headers):], req.Account, requestID, opts)
	return nil
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

// setReserved sets flowhook's own headers, their values in vals (at least
// reservedCount long).
func (b *Builder) setReserved(h http.Header, vals []string, account, requestID string, opts Options) {
	key := flowevent.IdempotencyKey(account, requestID)
	vals[0], vals[1], vals[2] = `"`+key+`"`, key, b.userAgent
	h[headerIdempotencyKey] = vals[0:1:1]
	h[headerWebhookID] = vals[1:2:2]
	h[headerUserAgent] = vals[2:3:3]
	if !flowevent.ValidTraceParent(opts.TraceParent) {
		return
	}
	vals[3] = opts.TraceParent
	h[headerTraceParent] = vals[3:4:4]
	if opts.TraceState != "" && flowevent.ValidTraceState(opts.TraceState) {
		vals[4] = opts.TraceState
		h[headerTraceState] = vals[4:5:5]
	}
}
