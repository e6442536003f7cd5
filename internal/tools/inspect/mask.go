package inspect

import (
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Mask replaces a credential's value.
const Mask = "****"

// maskHeader returns the value shown for a header: a credential header's
// value is masked, keeping only an authentication scheme ("Bearer ****"),
// and a signature's keeps only its scheme ("sha256=****", "v1,****").
func maskHeader(name, value string) (string, bool) {
	switch {
	case isSignatureHeader(name):
		return maskSignature(value), true
	case IsCredentialHeader(name):
		return maskCredential(value), true
	}
	return value, false
}

// IsCredentialHeader reports whether a header of this name carries a
// credential or a signature and is masked: flowevent.IsCredentialHeader's
// names, Proxy-Authorization, Set-Cookie, and signature headers
// (webhook-signature, X-Hub-Signature-256, X-Signature, ...: any name
// holding "signature").
func IsCredentialHeader(name string) bool {
	switch strings.ToLower(name) {
	case "proxy-authorization", "set-cookie":
		return true
	}
	return isSignatureHeader(name) || flowevent.IsCredentialHeader(name)
}

// isSignatureHeader reports a header carrying a request signature: its
// value proves knowledge of a key, and with a known body can help guess a
// weak one.
func isSignatureHeader(name string) bool {
	return strings.Contains(strings.ToLower(name), "signature")
}

// maskSignature keeps a signature's leading scheme — a short word followed
// by "=" or "," as in "sha256=..." or "v1,..." — and masks the rest.
func maskSignature(value string) string {
	if i := strings.IndexAny(value, "=,"); i > 0 && i <= 16 && isSignatureScheme(value[:i]) {
		return value[:i+1] + Mask
	}
	return Mask
}

// isSignatureScheme reports a word that names a signature's scheme: a
// letter, then letters, digits or dashes ("sha256", "v1", "t").
func isSignatureScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || (c < '0' || c > '9') && c != '-') {
			return false
		}
	}
	return s != ""
}

// maskCredential keeps a leading authentication scheme (a single word of
// letters followed by a space, as in "Bearer x" or "Basic x") and masks the
// rest.
func maskCredential(value string) string {
	scheme, rest, ok := strings.Cut(value, " ")
	if ok && rest != "" && isSchemeWord(scheme) {
		return scheme + " " + Mask
	}
	return Mask
}

func isSchemeWord(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '-' {
			return false
		}
	}
	return true
}

// credentialParams are query parameter names (lower case, '-' read as
// '_') that carry credentials.
var credentialParams = []string{
	"key", "apikey", "api_key", "token", "access_token", "auth", "auth_token",
	"secret", "client_secret", "password", "passwd", "pwd", "sig", "signature",
}

// IsCredentialParam reports whether a query parameter of this name carries
// a credential and is masked: key, token, api_key, access_token, secret,
// password, signature and names ending in _key, _token, _secret,
// _password or _signature (dashes count as underscores, any case).
func IsCredentialParam(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	for _, c := range credentialParams {
		if n == c {
			return true
		}
	}
	for _, s := range []string{"_key", "_token", "_secret", "_password", "_signature"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// maskQuery masks credential parameters, and every value when all is set.
func maskQuery(fields []Field, all bool) {
	for i := range fields {
		f := &fields[i]
		if f.Value != "" && (all || IsCredentialParam(f.Name)) {
			f.Value, f.Masked = Mask, true
		}
	}
}
