package flowevent

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// checkAuthOptions checks the opt-in credentials of a node: auth, tls and
// auth_failed_statuses, and that a node with auth does not set
// Authorization itself.
func checkAuthOptions(p *problems, n NodeConfig, o ValidateOptions) {
	if n.Auth != nil {
		checkAuth(p, *n.Auth, o)
		for i, h := range n.Headers {
			if strings.EqualFold(h.Name, HeaderAuthorization) {
				p.errorf(fmt.Sprintf("headers[%d].name", i), "Authorization is set by auth: remove this header or the auth block")
			}
		}
	}
	if n.TLS != nil {
		checkTLS(p, *n.TLS, n.URL)
	}
	checkAuthFailedStatuses(p, n.AuthFailedStatuses)
}

// checkAuth checks the auth block of its kind; fields of the other kind
// earn a warning.
func checkAuth(p *problems, a Auth, o ValidateOptions) {
	checkSecretRef(p, "auth.secret", a.Secret)
	switch a.Kind {
	case AuthBasic:
		if strings.Contains(a.Username, ":") {
			p.errorf("auth.username", "must not contain a colon (RFC 7617)")
		}
		checkAuthText(p, "auth.username", a.Username)
		if a.TokenURL != "" || a.ClientID != "" || len(a.Scopes) > 0 || a.Audience != "" || a.ClientAuth != "" {
			p.warnf("auth", "token_url, client_id, scopes, audience and client_auth are ignored when kind is basic")
		}
	case AuthOAuth2:
		checkTokenURL(p, a.TokenURL, o)
		if a.ClientID == "" {
			p.errorf("auth.client_id", "required when kind is oauth2")
		}
		checkAuthText(p, "auth.client_id", a.ClientID)
		checkAuthText(p, "auth.audience", a.Audience)
		checkScopes(p, a.Scopes)
		switch a.ClientAuth {
		case "", ClientAuthBasic, ClientAuthBody:
		default:
			p.errorf("auth.client_auth", "must be basic (the default) or body")
		}
		if a.Username != "" {
			p.warnf("auth.username", "ignored when kind is oauth2")
		}
	case "":
		p.errorf("auth.kind", "required: basic or oauth2")
	default:
		p.errorf("auth.kind", "must be basic or oauth2")
	}
}

// checkSecretRef checks a required secret name.
func checkSecretRef(p *problems, path, name string) {
	switch {
	case name == "":
		p.errorf(path, "required: the name of a secret")
	case !ValidSecretName(name):
		p.errorf(path, "must match %s", secretNamePattern)
	}
}

// checkAuthText checks a user name, client id, audience or scope: printable
// text of bounded length.
func checkAuthText(p *problems, path, s string) {
	if len(s) > maxAuthText || !utf8.ValidString(s) || !noControl(s) {
		p.errorf(path, "must be printable UTF-8 text of at most %d bytes", maxAuthText)
	}
}

// checkTokenURL checks an OAuth 2.0 token endpoint: an absolute http(s)
// URL as the node URL must be. Messages never quote it.
func checkTokenURL(p *problems, raw string, o ValidateOptions) {
	const path = "auth.token_url"
	if raw == "" {
		p.errorf(path, "required when kind is oauth2")
		return
	}
	sub := &problems{}
	checkURL(sub, raw, o)
	for _, pr := range sub.list {
		p.list = append(p.list, Problem{Path: p.prefix + path, Message: pr.Message, Warning: pr.Warning})
	}
}

// checkScopes checks OAuth 2.0 scopes: non-empty tokens without spaces
// (RFC 6749 section 3.3), not repeated.
func checkScopes(p *problems, scopes []string) {
	if len(scopes) > MaxScopes {
		p.errorf("auth.scopes", "more than %d scopes", MaxScopes)
	}
	seen := map[string]bool{}
	for i, s := range scopes {
		path := fmt.Sprintf("auth.scopes[%d]", i)
		switch {
		case s == "" || strings.ContainsAny(s, " \"\\") || !noControl(s) || len(s) > maxAuthText:
			p.errorf(path, "must be a scope token: 1 to %d bytes without spaces, quotes or backslashes", maxAuthText)
		case seen[s]:
			p.warnf(path, "scope %q is listed twice", s)
		}
		seen[s] = true
	}
}

// checkTLS checks a node's TLS identity: secret names, certificate and key
// together, and an https URL.
func checkTLS(p *problems, t TLS, rawURL string) {
	refs := []struct{ path, name string }{
		{"tls.cert_secret", t.CertSecret}, {"tls.key_secret", t.KeySecret}, {"tls.ca_secret", t.CASecret},
	}
	for _, r := range refs {
		if r.name != "" && !ValidSecretName(r.name) {
			p.errorf(r.path, "must match %s", secretNamePattern)
		}
	}
	switch {
	case t.CertSecret == "" && t.KeySecret == "" && t.CASecret == "":
		p.errorf("tls", "set cert_secret and key_secret (a client certificate), ca_secret (private certificate authorities), or both")
	case (t.CertSecret == "") != (t.KeySecret == ""):
		p.errorf("tls", "cert_secret and key_secret go together: a client certificate needs its key")
	}
	if u, err := url.Parse(rawURL); err == nil && u.Scheme != "" && !strings.EqualFold(u.Scheme, "https") {
		p.errorf("tls", "needs an https url")
	}
}

// checkAuthFailedStatuses checks the statuses a node adds to 401 and 403.
func checkAuthFailedStatuses(p *problems, codes []int) {
	if len(codes) > MaxAuthFailedStatuses {
		p.errorf("auth_failed_statuses", "more than %d status codes", MaxAuthFailedStatuses)
	}
	seen := map[int]bool{}
	for i, c := range codes {
		path := fmt.Sprintf("auth_failed_statuses[%d]", i)
		switch {
		case c < 400 || c > 599:
			p.errorf(path, "must be a 4xx or 5xx status code (400..599)")
		case c == 401 || c == 403:
			p.warnf(path, "%d always counts as auth_failed: no need to list it", c)
		case seen[c]:
			p.warnf(path, "status %d is listed twice", c)
		}
		seen[c] = true
	}
}

// checkCondition checks a parameter's when: source, path, and exactly one
// of exists, equals and one_of with scalar values.
func checkCondition(p *problems, path string, c Condition) {
	switch c.From {
	case FromProfile, FromEvent:
		checkParamPath(p, path+".path", Param{From: c.From, Path: c.Path})
	default:
		p.errorf(path+".from", "must be profile or event")
	}
	n := 0
	if c.Exists != nil {
		n++
	}
	if c.Equals != nil {
		n++
		checkConditionValue(p, path+".equals", c.Equals)
	}
	if c.OneOf != nil {
		n++
		switch {
		case len(c.OneOf) == 0:
			p.errorf(path+".one_of", "needs at least one value")
		case len(c.OneOf) > MaxOneOf:
			p.errorf(path+".one_of", "more than %d values", MaxOneOf)
		}
		for i, v := range c.OneOf {
			checkConditionValue(p, fmt.Sprintf("%s.one_of[%d]", path, i), v)
		}
	}
	if n != 1 {
		p.errorf(path, "set exactly one of exists, equals and one_of")
	}
}

// checkConditionValue checks one value of equals or one_of: a JSON string,
// number or boolean of bounded size. Messages never quote it.
func checkConditionValue(p *problems, path string, v json.RawMessage) {
	switch {
	case len(v) > MaxConditionValueBytes:
		p.errorf(path, "longer than %d bytes", MaxConditionValueBytes)
	case !json.Valid(v):
		p.errorf(path, "is not a JSON value")
	default:
		switch strings.TrimSpace(string(v))[0] {
		case '{', '[', 'n':
			p.errorf(path, "must be a string, a number or a boolean (use exists for a missing or null value)")
		}
	}
}
