package preview

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/secret"
)

// TestEnvVarMatchesStore checks that the variable render names is the
// one the secret store reads.
func TestEnvVarMatchesStore(t *testing.T) {
	names := []string{"crm_token", "crm.api-key", "Mixed-Case.9"}
	for _, n := range names {
		t.Setenv(secret.EnvVar("", n), "value-"+n)
	}
	s, err := secret.New(secret.Config{}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if v, ok := s.Secret(n); !ok || v != "value-"+n {
			t.Errorf("secret %q via %s: %q %v", n, secret.EnvVar("", n), v, ok)
		}
	}
	if got := secret.EnvVar("ACME_", "a.b-c"); got != "ACME_A_B_C" {
		t.Errorf("EnvVar with prefix = %s", got)
	}
}

func TestPlaceholders(t *testing.T) {
	p := newPlaceholders()
	var markers []string
	for i := range 12 {
		m, ok := p.Secret("s" + itoa(i))
		if !ok {
			t.Fatal("valid name did not resolve")
		}
		markers = append(markers, m)
	}
	if m, _ := p.Secret("s1"); m != markers[1] {
		t.Error("same name, different marker")
	}
	if _, ok := p.Secret("bad name"); ok {
		t.Error("invalid name resolved")
	}
	p.signingKey("wh")
	if k, _ := p.Secret("wh"); !strings.HasPrefix(k, "whsec_") {
		t.Errorf("signing secret resolves to %q", k)
	}
	if _, ok := p.Secret("bad name"); ok {
		t.Error("invalid name resolved")
	}
	got, names := p.replace("a"+markers[11]+"b"+markers[1], func(n string) string { return "<" + n + ">" })
	if got != "a<s11>b<s1>" || len(names) != 2 {
		t.Errorf("replace = %q %v", got, names)
	}
}
