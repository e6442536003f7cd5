package flowevent

import (
	"fmt"
	"regexp"
	"strings"
)

// secretNamePattern is what a secret name must match.
const secretNamePattern = `^[A-Za-z0-9_.-]{1,128}$`

var secretNameRE = regexp.MustCompile(secretNamePattern)

// ValidSecretName reports whether s can name a secret: 1 to 128 characters
// from [A-Za-z0-9_.-].
func ValidSecretName(s string) bool { return secretNameRE.MatchString(s) }

// reservedHeaders are the headers a node may not set: flowhook sets them
// itself, or they belong to the transport. Accept-Encoding is flowhook's so
// that a compressed response is always decoded, and bounded, before it is
// judged. Compare case-insensitively (see IsReservedHeader).
var reservedHeaders = []string{
	"Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE",
	"Trailer", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection",
	"Idempotency-Key", "webhook-id", "webhook-timestamp", "webhook-signature",
	"traceparent", "tracestate", "User-Agent", "Accept-Encoding",
}

// MaxHeaderNameBytes bounds a header's name.
const MaxHeaderNameBytes = 256

// IsReservedHeader reports whether name is a header a node may not set (Host,
// Content-Length, Idempotency-Key, webhook-*, traceparent, User-Agent,
// Accept-Encoding, ...), in any case.
func IsReservedHeader(name string) bool {
	for _, r := range reservedHeaders {
		if strings.EqualFold(name, r) {
			return true
		}
	}
	return false
}

// ValidHeaderName reports whether name is an RFC 7230 token.
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// ValidHeaderValue reports whether v can be sent as (part of) a header
// value: no control characters other than horizontal tab, which net/http
// would only refuse at send time.
func ValidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// checkHeaders checks the count and every header.
func checkHeaders(p *problems, headers []Header, o ValidateOptions) {
	if len(headers) > o.MaxHeaders {
		p.errorf("headers", "more than %d headers", o.MaxHeaders)
	}
	for i, h := range headers {
		checkHeader(p, fmt.Sprintf("headers[%d]", i), h, o)
	}
}

// checkHeader checks one header. Messages name the header only once its
// name is known to be a valid token (a pasted "Name: value" line must not
// echo the value) and never quote the value or prefix.
func checkHeader(p *problems, path string, h Header, o ValidateOptions) {
	nameOK := checkHeaderName(p, path+".name", h.Name)
	hasValue, hasSecret := h.Value != "", h.Secret != ""
	switch {
	case hasValue && hasSecret:
		p.errorf(path, "set either value or secret, not both")
	case !hasValue && !hasSecret:
		p.errorf(path, "needs a value or a secret")
	case hasSecret && !ValidSecretName(h.Secret):
		p.errorf(path+".secret", "must match %s", secretNamePattern)
	}
	if h.Prefix != "" && !hasSecret {
		p.errorf(path+".prefix", "only applies with a secret")
	}
	checkHeaderText(p, path+".value", h.Value, o)
	checkHeaderText(p, path+".prefix", h.Prefix, o)
	if nameOK && hasValue && IsCredentialHeader(h.Name) {
		p.warnf(path+".value", "header %s carries an inline credential; reference a secret instead", h.Name)
	}
}

// checkHeaderName checks a header's name and reports whether it is usable.
func checkHeaderName(p *problems, path, name string) bool {
	switch {
	case name == "":
		p.errorf(path, "required")
	case len(name) > MaxHeaderNameBytes:
		p.errorf(path, "longer than %d bytes", MaxHeaderNameBytes)
	case !ValidHeaderName(name):
		p.errorf(path, "is not a valid header name (RFC 7230 token)")
	case IsReservedHeader(name):
		p.errorf(path, "header %s is set by flowhook and cannot be configured", name)
	default:
		return true
	}
	return false
}

// checkHeaderText checks a header value or prefix: size and characters.
func checkHeaderText(p *problems, path, v string, o ValidateOptions) {
	if len(v) > o.MaxHeaderValueBytes {
		p.errorf(path, "longer than %d bytes", o.MaxHeaderValueBytes)
	}
	if !ValidHeaderValue(v) {
		p.errorf(path, "contains a control character (CR, LF, NUL, ...)")
	}
}

// credentialNames and credentialSuffixes identify headers that usually
// carry credentials (compared in lowercase).
var (
	credentialNames    = []string{"authorization", "cookie", "apikey", "token", "secret", "password"}
	credentialSuffixes = []string{"-key", "_key", "-token", "_token", "-secret", "_secret", "-password", "-auth", "-signature"}
)

// IsCredentialHeader reports whether a header of this name usually
// carries a credential (Authorization, Cookie, X-Api-Key, X-Auth-Token,
// ...), whose value belongs in a secret rather than inline.
//
// Idempotency-Key is not one: flowhook sets it itself, and seeing it is
// how a receiver's owner checks de-duplication.
func IsCredentialHeader(name string) bool {
	lower := strings.ToLower(name)
	if lower == "idempotency-key" {
		return false
	}
	for _, n := range credentialNames {
		if lower == n {
			return true
		}
	}
	for _, s := range credentialSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}
