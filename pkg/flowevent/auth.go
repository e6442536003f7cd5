package flowevent

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// Auth is how a node authenticates to its endpoint, beyond a static
// header: HTTP Basic authentication, or an OAuth 2.0 access token fetched
// with the client credentials grant. It is opt-in (NodeConfig.Auth); a node
// with Auth sets the Authorization header through it and may not set one
// itself. Kind picks the scheme; only the fields of that kind are read.
// Every credential is a secret reference, resolved in the node's account's
// scope: its value never travels in an event.
type Auth struct {
	// Kind is "basic" or "oauth2".
	Kind AuthKind `json:"kind"`
	// Username is the Basic user name, for Kind == basic (it may be
	// empty, and must not contain a colon).
	Username string `json:"username,omitempty"`
	// Secret names the secret holding the Basic password (Kind == basic)
	// or the OAuth 2.0 client secret (Kind == oauth2).
	Secret string `json:"secret"`
	// TokenURL is the token endpoint, an absolute http or https URL, for
	// Kind == oauth2. Token requests go through the same outbound guard
	// and limits as the node's own requests.
	TokenURL string `json:"token_url,omitempty"`
	// ClientID is the OAuth 2.0 client id, for Kind == oauth2.
	ClientID string `json:"client_id,omitempty"`
	// Scopes are requested with the token (the scope parameter), for Kind
	// == oauth2; none leaves the scope to the token endpoint.
	Scopes []string `json:"scopes,omitempty"`
	// Audience, when set, is sent as the audience parameter (for token
	// endpoints that issue tokens per API), for Kind == oauth2.
	Audience string `json:"audience,omitempty"`
	// ClientAuth says how the client authenticates to the token endpoint,
	// for Kind == oauth2: "basic" (the default, HTTP Basic with the
	// form-encoded client id and secret, which RFC 6749 requires servers
	// to support) or "body" (client_id and client_secret as form fields).
	ClientAuth ClientAuth `json:"client_auth,omitempty"`
}

// AuthKind names an authentication scheme of Auth.
type AuthKind string

// Authentication schemes.
const (
	// AuthBasic sends Authorization: Basic base64(username:password).
	AuthBasic AuthKind = "basic"
	// AuthOAuth2 sends Authorization: Bearer <access token>, the token
	// fetched from Auth.TokenURL with the client credentials grant
	// (RFC 6749 section 4.4), cached until shortly before it expires, and
	// fetched again once when the endpoint answers 401.
	AuthOAuth2 AuthKind = "oauth2"
)

// ClientAuth says how an OAuth 2.0 client authenticates to the token
// endpoint.
type ClientAuth string

// Client authentication methods of the token request.
const (
	ClientAuthBasic ClientAuth = "basic"
	ClientAuthBody  ClientAuth = "body"
)

// Limits of Auth.
const (
	// MaxScopes bounds Auth.Scopes.
	MaxScopes = 32
	// maxAuthText bounds Auth's user name, client id, audience and each
	// scope, in bytes.
	maxAuthText = 1024
)

// HeaderAuthorization is the header Auth sets.
const HeaderAuthorization = "Authorization"

// TLS is a node's own TLS identity toward its endpoint (opt-in,
// NodeConfig.TLS): a client certificate for endpoints behind mutual TLS,
// and private certificate authorities to trust instead of the public ones.
// Every field names a secret holding PEM text, resolved in the node's
// account's scope. The node's URL must be https.
type TLS struct {
	// CertSecret names the secret holding the client certificate chain
	// (PEM, leaf first); KeySecret the secret holding its private key
	// (PEM: PKCS #8, PKCS #1 or SEC 1). Set both or neither.
	CertSecret string `json:"cert_secret,omitempty"`
	KeySecret  string `json:"key_secret,omitempty"`
	// CASecret names the secret holding the certificate authorities (PEM)
	// that the endpoint's certificate must chain to. They replace the
	// public ones for this node's endpoint, as curl's --cacert does.
	CASecret string `json:"ca_secret,omitempty"`
}

// Condition limits a parameter to the profiles or events it applies to
// (Param.When): the parameter is sent only when the condition holds. From
// and Path name a value as a parameter does; exactly one of Exists, Equals
// and OneOf is set. A value "has a value" when it is present, not null and
// not the empty string.
type Condition struct {
	// From is profile or event.
	From ParamSource `json:"from"`
	// Path names the profile attribute or event field, as Param.Path.
	Path string `json:"path"`
	// Exists, when set, holds when the value has a value (true) or has
	// none (false).
	Exists *bool `json:"exists,omitempty"`
	// Equals holds when the value equals this JSON string, number or
	// boolean, compared as JSON (numbers by value; "5" is not 5).
	Equals json.RawMessage `json:"equals,omitempty"`
	// OneOf holds when the value equals one of these JSON strings, numbers
	// or booleans.
	OneOf []json.RawMessage `json:"one_of,omitempty"`
}

// Limits of conditions.
const (
	// MaxOneOf bounds Condition.OneOf.
	MaxOneOf = 32
	// MaxConditionValueBytes bounds each value of a condition.
	MaxConditionValueBytes = 256
)

// String describes c for people, without any profile or event value:
// `profile "country" is one of "SE", "NO"`.
func (c *Condition) String() string {
	var b strings.Builder
	b.WriteString(string(c.From))
	b.WriteString(" ")
	b.WriteString(strconv.Quote(c.Path))
	switch {
	case c.Exists != nil && *c.Exists:
		b.WriteString(" has a value")
	case c.Exists != nil:
		b.WriteString(" has no value")
	case c.Equals != nil:
		b.WriteString(" equals ")
		b.Write(c.Equals)
	default:
		b.WriteString(" is one of ")
		for i, v := range c.OneOf {
			if i > 0 {
				b.WriteString(", ")
			}
			b.Write(v)
		}
	}
	return b.String()
}

// Conditional reports whether p may be left out: it has OmitEmpty or When.
func (p *Param) Conditional() bool { return p.OmitEmpty || p.When != nil }

// MaxAuthFailedStatuses bounds NodeConfig.AuthFailedStatuses.
const MaxAuthFailedStatuses = 16

// CredentialsRejected reports whether an outcome with this reason and
// status says that the node's credentials were rejected: reason
// auth_failed, or token_failed with a 400, 401 or 403 from the token
// endpoint (RFC 6749 section 5.2: invalid_client, unauthorized_client,
// invalid_scope and friends). Node stats count these.
func CredentialsRejected(reason Reason, status int) bool {
	switch reason {
	case ReasonAuthFailed:
		return true
	case ReasonTokenFailed:
		return status == 400 || status == 401 || status == 403
	}
	return false
}

// CredentialsAccepted reports whether an outcome with this reason shows
// that the endpoint accepted the node's credentials: it answered, and not
// with a rejection (matched, status_mismatch, body_mismatch).
func CredentialsAccepted(reason Reason) bool {
	return reason == ReasonMatched || reason == ReasonStatusMismatch || reason == ReasonBodyMismatch
}

// TokenOrigin is the token URL's origin (scheme://host:port), the only
// part of it that logs and details name; "" when it cannot be parsed.
func (a *Auth) TokenOrigin() string {
	u, err := url.Parse(a.TokenURL)
	if err != nil || u.Host == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	host := strings.ToLower(u.Hostname())
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]"
	}
	return u.Scheme + "://" + host + ":" + port
}
