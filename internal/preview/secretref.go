package preview

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// SecretRef is a secret a node uses.
type SecretRef struct {
	// Name is the secret's name in the node configuration.
	Name string `json:"name"`
	// EnvVar is the environment variable flowhook reads it from (when no
	// secret file of that name exists); the curl command refers to it.
	EnvVar string `json:"env_var"`
	// Found reports whether the secret resolves where render runs.
	Found bool `json:"found"`
}

// EnvVar returns the environment variable a secret is read from, as
// internal/secret maps names: prefix (default secret.DefaultEnvPrefix),
// then the name with ASCII letters upper-cased and '.' and '-' as '_'.
func EnvVar(prefix, name string) string {
	if prefix == "" {
		prefix = secret.DefaultEnvPrefix
	}
	return prefix + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r == '.' || r == '-':
			return '_'
		}
		return r
	}, name)
}

// Secrets resolves a secret by name (internal/secret.Store implements it).
type Secrets interface {
	Secret(name string) (string, bool)
}

// placeholders stands in for the secret store while rendering: every
// secret resolves to a marker made of unreserved URL characters (so the
// builder writes it unescaped into a query), unique per secret and per
// render, which the output then replaces with a mask or a reference.
type placeholders struct {
	nonce string
	names []string // index = marker number
}

func newPlaceholders() *placeholders {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return &placeholders{nonce: hex.EncodeToString(b[:])}
}

// Secret implements request.Secrets: a valid name always resolves.
func (p *placeholders) Secret(name string) (string, bool) {
	if !flowevent.ValidSecretName(name) {
		return "", false
	}
	for i, n := range p.names {
		if n == name {
			return p.marker(i), true
		}
	}
	p.names = append(p.names, name)
	return p.marker(len(p.names) - 1), true
}

func (p *placeholders) marker(i int) string {
	return "fhsecret" + p.nonce + "n" + strconv.Itoa(i) + "z"
}

// replace returns s with every marker replaced by with(name); found
// reports the names met.
func (p *placeholders) replace(s string, with func(name string) string) (string, []string) {
	var found []string
	for i, name := range p.names {
		m := p.marker(i)
		if strings.Contains(s, m) {
			s = strings.ReplaceAll(s, m, with(name))
			found = append(found, name)
		}
	}
	return s, found
}

// next finds the first marker in s: its index (-1 when none), length and
// secret name.
func (p *placeholders) next(s string) (int, int, string) {
	best, length, name := -1, 0, ""
	for i, n := range p.names {
		m := p.marker(i)
		if j := strings.Index(s, m); j >= 0 && (best < 0 || j < best) {
			best, length, name = j, len(m), n
		}
	}
	return best, length, name
}
