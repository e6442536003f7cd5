package clienttls

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/internal/clienttls/clienttlstest"
)

func TestIdentity(t *testing.T) {
	ca := clienttlstest.NewCA(t, "private root")
	leaf := ca.Client(t, "acme-client")
	ids := New(0, 0)
	a, err := ids.Identity("acme", "n1", PEM{Cert: leaf.CertPEM, Key: leaf.KeyPEM, CA: ca.PEM})
	if err != nil {
		t.Fatal(err)
	}
	if a.Owner != "acme" || len(a.Certificates) != 1 || a.RootCAs == nil || len(a.ID) != 32 {
		t.Fatalf("identity %+v", a)
	}
	again, _ := ids.Identity("acme", "n1", PEM{Cert: leaf.CertPEM, Key: leaf.KeyPEM, CA: ca.PEM})
	if again != a {
		t.Error("same texts parsed again")
	}
	// The same texts in another account: another owner, never the same
	// identity.
	b, _ := ids.Identity("evil", "n1", PEM{Cert: leaf.CertPEM, Key: leaf.KeyPEM, CA: ca.PEM})
	if b == a || b.Owner != "evil" {
		t.Errorf("accounts share an identity")
	}
	// Rotated secret: parsed afresh, another ID.
	leaf2 := ca.Client(t, "acme-client")
	c, _ := ids.Identity("acme", "n1", PEM{Cert: leaf2.CertPEM, Key: leaf2.KeyPEM, CA: ca.PEM})
	if c == a || c.ID == a.ID {
		t.Error("rotated certificate kept the old identity")
	}
	// CA only.
	d, err := ids.Identity("acme", "n2", PEM{CA: ca.PEM})
	if err != nil || len(d.Certificates) != 0 || d.RootCAs == nil {
		t.Errorf("ca only: %+v %v", d, err)
	}
}

func TestIdentityErrorsNeverQuotePEM(t *testing.T) {
	ca := clienttlstest.NewCA(t, "root")
	leaf := ca.Client(t, "c")
	other := ca.Client(t, "d")
	tests := []struct {
		name string
		p    PEM
		want error
	}{
		{"key of another certificate", PEM{Cert: leaf.CertPEM, Key: other.KeyPEM}, ErrCertificate},
		{"no key", PEM{Cert: leaf.CertPEM}, ErrCertificate},
		{"not PEM", PEM{Cert: "MIIB-not-pem", Key: "secret-key-material"}, ErrCertificate},
		{"ca not PEM", PEM{CA: "not a certificate"}, ErrCA},
		{"nothing", PEM{}, ErrEmpty},
	}
	for _, tt := range tests {
		_, err := New(0, 0).Identity("acme", "n", tt.p)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "secret-key-material")) {
			t.Errorf("%s: error quotes key material: %v", tt.name, err)
		}
	}
}

func TestStandIn(t *testing.T) {
	p, err := StandIn()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(0, 0).Identity("acme", "n", p); err != nil {
		t.Fatalf("stand-in does not parse: %v", err)
	}
}
