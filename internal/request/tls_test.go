package request

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/internal/clienttls/clienttlstest"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

func TestClientTLS(t *testing.T) {
	ca := clienttlstest.NewCA(t, "root")
	leaf := ca.Client(t, "acme-client")
	secrets := secretMap{"cert": leaf.CertPEM, "key": leaf.KeyPEM, "ca": ca.PEM, "junk": "-----BEGIN PRIVATE KEY-----\nPLANTED-KEY\n-----END PRIVATE KEY-----\n"}
	b := NewBuilder(secrets, "")
	n := node(flowevent.MethodPost, "https://bank.example/h")
	n.TLS = &flowevent.TLS{CertSecret: "cert", KeySecret: "key", CASecret: "ca"}
	out, _, err := b.Outbound("r", event(n, nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out.TLS == nil || out.TLS.Owner != "acme" || len(out.TLS.Certificates) != 1 || out.TLS.RootCAs == nil {
		t.Fatalf("identity %+v", out.TLS)
	}
	again, _, _ := b.Outbound("r2", event(n, nil, nil), Options{})
	if again.TLS != out.TLS {
		t.Error("identity parsed again for the same secrets")
	}
	var re *Error
	// Another account resolves none of acme's secrets.
	other := event(n, nil, nil)
	other.Account = "evil"
	if _, _, err := b.Outbound("r", other, Options{}); !errors.As(err, &re) || re.Reason != flowevent.ReasonSecretMissing ||
		re.Detail != `secret "cert" for tls.cert_secret not found` {
		t.Errorf("other account: %v", err)
	}
	n.TLS = &flowevent.TLS{CertSecret: "cert", KeySecret: "junk"}
	if _, _, err := b.Outbound("r", event(n, nil, nil), Options{}); !errors.As(err, &re) || re.Reason != flowevent.ReasonInvalidConfig ||
		strings.Contains(re.Detail, "PLANTED") || strings.Contains(re.Detail, "BEGIN") {
		t.Errorf("unusable key: %v", err)
	}
	n.URL = "http://bank.example/h"
	n.TLS = &flowevent.TLS{CASecret: "ca"}
	if _, _, err := b.Outbound("r", event(n, nil, nil), Options{}); !errors.As(err, &re) || re.Reason != flowevent.ReasonInvalidConfig {
		t.Errorf("tls over http: %v", err)
	}
}
