package secret

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestAccountScopes: an account resolves its own secrets and the shared
// ones granted to it, never another account's nor an ungranted shared one.
func TestAccountScopes(t *testing.T) {
	dir := t.TempDir()
	for _, a := range []string{"acme", "Evil_Corp", "shop-42"} {
		if err := os.Mkdir(filepath.Join(dir, a), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "acme", "crm_token"), "acme-file\n")
	writeFile(t, filepath.Join(dir, "Evil_Corp", "own"), "evil-file")
	writeFile(t, filepath.Join(dir, "crm_token"), "shared-file")
	writeFile(t, filepath.Join(dir, "granted"), "granted-file")
	writeFile(t, filepath.Join(dir, "everyone"), "everyone-file")
	t.Setenv("FLOWHOOK_SECRET_SHOP_42__API_KEY", "shop-env")
	t.Setenv("FLOWHOOK_SECRET_ACME__CRM_TOKEN", "acme-env")
	t.Setenv("FLOWHOOK_SECRET_ENV_SHARED", "shared-env")
	s := newStore(t, Config{Dir: dir, Grants: []Grant{
		{Account: "shop-42", Name: "granted"},
		{Account: "shop-42", Name: "env-shared"},
		{Account: EveryAccount, Name: "everyone"},
	}})
	tests := []struct {
		account, name, want string
		src                 Source
	}{
		{"acme", "crm_token", "acme-file", AccountFile}, // the file wins over the env
		{"Evil_Corp", "crm_token", "", NotFound},        // neither acme's nor the shared one
		{"Evil_Corp", "own", "evil-file", AccountFile},
		{"acme", "own", "", NotFound},
		{"shop-42", "api-key", "shop-env", AccountEnv},
		{"shop-42", "crm_token", "", NotFound}, // shared, not granted
		{"shop-42", "granted", "granted-file", SharedFile},
		{"acme", "granted", "", NotFound}, // granted to shop-42 only
		{"shop-42", "env-shared", "shared-env", SharedEnv},
		{"acme", "everyone", "everyone-file", SharedFile},
		{"Evil_Corp", "everyone", "everyone-file", SharedFile},
		{"", "crm_token", "", NotFound},
		{"*", "everyone", "", NotFound},
		{"../acme", "crm_token", "", NotFound},
	}
	for _, tt := range tests {
		got, ok := s.Secret(tt.account, tt.name)
		if got != tt.want || ok != (tt.src != NotFound) {
			t.Errorf("Secret(%q, %q) = %q, %v, want %q", tt.account, tt.name, got, ok, tt.want)
		}
		if src := s.Lookup(tt.account, tt.name); src != tt.src {
			t.Errorf("Lookup(%q, %q) = %s, want %s", tt.account, tt.name, src, tt.src)
		}
	}
}

// TestAccountEnvForms: environment names are one to one with the accounts
// that have them; ids that upper-casing would merge have none.
func TestAccountEnvForms(t *testing.T) {
	tests := []struct{ account, want string }{
		{"acme", "FLOWHOOK_SECRET_ACME__CRM_TOKEN"},
		{"shop-42", "FLOWHOOK_SECRET_SHOP_42__CRM_TOKEN"},
		{"Acme", ""},    // would share ACME with "acme"
		{"shop_42", ""}, // would share SHOP_42 with "shop-42"
		{"a--b", ""},    // would hold "__"
		{"-a", ""},      // would start with "_"
		{"a-", ""},      // would end with "_", next to the separator
		{"a__b", ""},    // underscores
		{"x1-y2-z3", "FLOWHOOK_SECRET_X1_Y2_Z3__CRM_TOKEN"},
	}
	for _, tt := range tests {
		if got := AccountEnvVar("", tt.account, "crm.token"); got != tt.want {
			t.Errorf("AccountEnvVar(%q) = %q, want %q", tt.account, got, tt.want)
		}
	}
	if got := EnvVar("", "crm.token"); got != "FLOWHOOK_SECRET_CRM_TOKEN" {
		t.Errorf("EnvVar = %q", got)
	}
	// A shared name whose variable would hold "__" has none: it would be
	// read as an account's.
	if got := EnvVar("", "acme__crm_token"); got != "" {
		t.Errorf("EnvVar(acme__crm_token) = %q, want none", got)
	}
}

// TestSharedNameNeverReadsAnAccountsVariable: a grant of a shared name
// that looks like an account's variable does not open that account's
// secret.
func TestSharedNameNeverReadsAnAccountsVariable(t *testing.T) {
	t.Setenv("FLOWHOOK_SECRET_ACME__CRM_TOKEN", "acme-env")
	s := newStore(t, Config{Grants: []Grant{{Account: EveryAccount, Name: "acme__crm_token"}}})
	if v, ok := s.Secret("evil", "acme__crm_token"); ok {
		t.Fatalf("evil read %q through a granted shared name", v)
	}
}

// TestAccountDirReload: account directories are polled like the top
// level, Kubernetes-style symbolic links included.
func TestAccountDirReload(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, Reload: 5 * time.Millisecond})
	target := filepath.Join(t.TempDir(), "acme")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(target, "tok"), "v1")
	if err := os.Symlink(target, filepath.Join(dir, "acme")); err != nil {
		t.Fatal(err)
	}
	s.poll()
	if v, ok := s.Secret("acme", "tok"); !ok || v != "v1" {
		t.Fatalf("after the account directory appeared: %q %v", v, ok)
	}
	writeFile(t, filepath.Join(target, "tok"), "v2-longer")
	s.poll()
	if v, _ := s.Secret("acme", "tok"); v != "v2-longer" {
		t.Fatalf("after the change: %q", v)
	}
}

func TestParseGrant(t *testing.T) {
	for in, ok := range map[string]bool{
		"acme:crm_token": true,
		"*:demo":         true,
		"acme":           false,
		"ac.me:tok":      false,
		"acme:":          false,
		"acme:a/b":       false,
	} {
		g, err := ParseGrant(in)
		if (err == nil) != ok {
			t.Errorf("ParseGrant(%q) = %v, %v", in, g, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ParseGrant(%q): %v does not wrap ErrInvalidConfig", in, err)
		}
		if err == nil && g.String() != in {
			t.Errorf("String() = %q, want %q", g.String(), in)
		}
	}
	if _, err := New(Config{Grants: []Grant{{Account: "bad acct", Name: "x"}}}, zerolog.Nop()); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("New with a bad grant: %v", err)
	}
}
