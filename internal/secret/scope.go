package secret

import (
	"fmt"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// scoped names one secret: an account's, or a shared one (account "",
// which is never a valid account id).
type scoped struct {
	account string
	name    string
}

// Grant lets an account (or every account, "*") resolve one shared secret.
type Grant struct {
	// Account is an account id, or "*" for every account.
	Account string
	// Name is the shared secret's name.
	Name string
}

// EveryAccount, as a Grant's Account, grants a shared secret to every
// account.
const EveryAccount = "*"

// ParseGrant reads "ACCOUNT:NAME", as the --grant-secret flag takes it.
func ParseGrant(s string) (Grant, error) {
	account, name, ok := strings.Cut(s, ":")
	g := Grant{Account: account, Name: name}
	if !ok {
		return Grant{}, fmt.Errorf("%w: grant %q: want ACCOUNT:NAME", ErrInvalidConfig, s)
	}
	return g, g.validate()
}

// String is the grant as ParseGrant reads it.
func (g Grant) String() string { return g.Account + ":" + g.Name }

func (g Grant) validate() error {
	if g.Account != EveryAccount && !flowevent.ValidAccount(g.Account) {
		return fmt.Errorf("%w: grant %q: account must be an account id or %q", ErrInvalidConfig, g.String(), EveryAccount)
	}
	if !flowevent.ValidSecretName(g.Name) {
		return fmt.Errorf("%w: grant %q: invalid secret name", ErrInvalidConfig, g.String())
	}
	return nil
}

// grants is the set of Grants, for lookups.
type grants map[scoped]bool

func newGrants(list []Grant) grants {
	g := make(grants, len(list))
	for _, x := range list {
		g[scoped{x.Account, x.Name}] = true
	}
	return g
}

// allow reports whether account may resolve the shared secret name.
func (g grants) allow(account, name string) bool {
	return g[scoped{account, name}] || g[scoped{EveryAccount, name}]
}

// accountEnvSeparator separates the account from the name in an account
// secret's environment variable.
const accountEnvSeparator = "__"

// envSafeAccount reports whether account has an environment form: lower
// case letters and digits, optionally joined by single hyphens. Those ids
// map one to one onto upper-case variable names without "__".
func envSafeAccount(account string) bool {
	if account == "" || account[0] == '-' || account[len(account)-1] == '-' || strings.Contains(account, "--") {
		return false
	}
	for i := 0; i < len(account); i++ {
		if c := account[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// envKeyOf is the variable of a secret without the prefix; ok is false when
// the secret has no environment form.
func envKeyOf(s scoped) (string, bool) {
	name := envKey(s.name)
	if s.account == "" {
		return name, !strings.Contains(name, accountEnvSeparator)
	}
	if !envSafeAccount(s.account) {
		return "", false
	}
	return envKey(s.account) + accountEnvSeparator + name, true
}

// EnvVar returns the environment variable a shared secret is read from:
// prefix (DefaultEnvPrefix when empty), then the name with ASCII letters
// upper-cased and '.' and '-' replaced by '_'; "" when the name has no
// environment form (it maps to a variable holding "__").
func EnvVar(prefix, name string) string {
	return envVar(prefix, scoped{name: name})
}

// AccountEnvVar returns the environment variable an account's secret is
// read from: prefix, the account upper-cased ('-' as '_'), "__", then the
// name as EnvVar maps it; "" when the account has no environment form (see
// the package documentation).
func AccountEnvVar(prefix, account, name string) string {
	return envVar(prefix, scoped{account: account, name: name})
}

func envVar(prefix string, s scoped) string {
	if prefix == "" {
		prefix = DefaultEnvPrefix
	}
	k, ok := envKeyOf(s)
	if !ok {
		return ""
	}
	return prefix + k
}

// envKey maps a name to its environment form without the prefix: ASCII
// letters upper-cased, '.' and '-' replaced by '_'.
func envKey(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r == '.' || r == '-':
			return '_'
		}
		return r
	}, name)
}
