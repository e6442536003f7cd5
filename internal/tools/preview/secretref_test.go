package preview

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/secret"
)

// TestEnvVarMatchesStore checks that the variable render names for an
// account's secret is the one the secret store reads for that account.
func TestEnvVarMatchesStore(t *testing.T) {
	names := []string{"crm_token", "crm.api-key", "Mixed-Case.9"}
	for _, n := range names {
		t.Setenv(secret.AccountEnvVar("", DefaultAccount, n), "value-"+n)
	}
	s, err := secret.New(secret.Config{}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		ref := secretRefs(DefaultAccount, []string{n}, "", Options{Secrets: s})[0]
		if v, ok := s.Secret(DefaultAccount, n); !ok || v != "value-"+n || !ref.Found || ref.Source != "account environment" {
			t.Errorf("secret %q via %s: %q %v, ref %+v", n, ref.EnvVar, v, ok, ref)
		}
		if other := secretRefs("other", []string{n}, "", Options{Secrets: s})[0]; other.Found {
			t.Errorf("secret %q resolved for another account: %+v", n, other)
		}
	}
	if got := secret.AccountEnvVar("ACME_", "shop-1", "a.b-c"); got != "ACME_SHOP_1__A_B_C" {
		t.Errorf("AccountEnvVar with prefix = %s", got)
	}
}

func TestPlaceholders(t *testing.T) {
	p := newPlaceholders()
	var markers []string
	for i := range 12 {
		m, ok := p.Secret("demo", "s"+itoa(i))
		if !ok {
			t.Fatal("valid name did not resolve")
		}
		markers = append(markers, m)
	}
	if m, _ := p.Secret("demo", "s1"); m != markers[1] {
		t.Error("same name, different marker")
	}
	if _, ok := p.Secret("demo", "bad name"); ok {
		t.Error("invalid name resolved")
	}
	p.signingKey("wh")
	if k, _ := p.Secret("demo", "wh"); !strings.HasPrefix(k, "whsec_") {
		t.Errorf("signing secret resolves to %q", k)
	}
	if _, ok := p.Secret("demo", "bad name"); ok {
		t.Error("invalid name resolved")
	}
	got, names := p.replace("a"+markers[11]+"b"+markers[1], func(n string) string { return "<" + n + ">" })
	if got != "a<s11>b<s1>" || len(names) != 2 {
		t.Errorf("replace = %q %v", got, names)
	}
}
