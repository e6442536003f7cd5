package preview

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/internal/signature"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// SecretRef is a secret a node uses. Secrets are scoped by account: the
// node's account resolves its own secrets, and shared ones the operator
// granted to it (see internal/secret).
type SecretRef struct {
	// Name is the secret's name in the node configuration.
	Name string `json:"name"`
	// Account is the scope the name resolves in: the node's account.
	Account string `json:"account"`
	// File is where the account's secret file lives, relative to
	// --secrets-dir: <account>/<name>.
	File string `json:"file"`
	// EnvVar is the environment variable flowhook reads the account's
	// secret from (when no file exists); empty when the account id has no
	// environment form. The curl command refers to it.
	EnvVar string `json:"env_var,omitempty"`
	// Found reports whether the secret resolves where render runs, and
	// Source from where ("account file", "shared file (granted)", ...).
	Found  bool   `json:"found"`
	Source string `json:"source,omitempty"`
	// Problem, when set, says why the secret's value, found here, would
	// not do: the send would end in invalid_config (a signing secret that
	// is not a whsec_ base64 key). It never quotes the value.
	Problem string `json:"problem,omitempty"`
}

// Secrets resolves a node's secrets in its account's scope
// (internal/secret.Store implements it).
type Secrets interface {
	Secret(account, name string) (string, bool)
	Lookup(account, name string) secret.Source
}

// placeholders stands in for the secret store while rendering: every
// secret resolves to a marker made of unreserved URL characters (so the
// builder writes it unescaped into a query), unique per secret and per
// render, which the output then replaces with a mask or a reference. The
// secret keying a signature resolves to a throw-away whsec_ key instead,
// since the builder parses it. Not safe for concurrent use.
type placeholders struct {
	nonce   string
	names   []string // secret names, in the order first resolved
	values  []string // their stand-in values
	signing string   // the signing secret's name, if any
	// pem are the stand-in PEM texts of a tls node's secrets, by name;
	// token the stand-in OAuth 2.0 access token (see standIns).
	pem   map[string]string
	token string
}

func newPlaceholders() *placeholders {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return &placeholders{nonce: hex.EncodeToString(b[:])}
}

// signingKey makes the secret name resolve to a throw-away signing key.
func (p *placeholders) signingKey(name string) { p.signing = name }

// Secret implements request.Secrets: a valid name always resolves, in
// every account.
func (p *placeholders) Secret(_, name string) (string, bool) {
	if !flowevent.ValidSecretName(name) {
		return "", false
	}
	for i, n := range p.names {
		if n == name {
			return p.values[i], true
		}
	}
	v := "fhsecret" + p.nonce + "n" + strconv.Itoa(len(p.names)) + "z"
	if pem, ok := p.pem[name]; ok {
		v = pem
	}
	if name == p.signing {
		var key [32]byte
		_, _ = rand.Read(key[:])
		v = signature.SecretPrefix + base64.StdEncoding.EncodeToString(key[:])
	}
	p.names, p.values = append(p.names, name), append(p.values, v)
	return v, true
}

// replace returns s with every stand-in value replaced by with(name);
// found reports the names met.
func (p *placeholders) replace(s string, with func(name string) string) (string, []string) {
	var found []string
	for i, name := range p.names {
		if strings.Contains(s, p.values[i]) {
			s = strings.ReplaceAll(s, p.values[i], with(name))
			found = append(found, name)
		}
	}
	return s, found
}

// next finds the first stand-in value in s: its index (-1 when none),
// length and secret name.
func (p *placeholders) next(s string) (int, int, string) {
	best, length, name := -1, 0, ""
	for i, n := range p.names {
		if j := strings.Index(s, p.values[i]); j >= 0 && (best < 0 || j < best) {
			best, length, name = j, len(p.values[i]), n
		}
	}
	return best, length, name
}
