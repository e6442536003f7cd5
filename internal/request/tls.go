package request

import (
	"errors"
	"strconv"

	"github.com/flowhook/flowhook/internal/clienttls"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// clientTLS returns the TLS identity of a node's tls block: its secrets
// resolved in account's scope, parsed once per account and change (see
// internal/clienttls).
func (b *Builder) clientTLS(account string, t *flowevent.TLS) (*egress.ClientTLS, error) {
	var p clienttls.PEM
	refs := []struct {
		field, name string
		dst         *string
	}{
		{"tls.cert_secret", t.CertSecret, &p.Cert}, {"tls.key_secret", t.KeySecret, &p.Key}, {"tls.ca_secret", t.CASecret, &p.CA},
	}
	for _, r := range refs {
		if r.name == "" {
			continue
		}
		v, ok := b.secret(account, r.name)
		if !ok {
			return nil, missingSecret("secret " + strconv.Quote(r.name) + " for " + r.field + " not found")
		}
		*r.dst = v
	}
	id, err := b.tls.Identity(account, t.CertSecret+"\x00"+t.KeySecret+"\x00"+t.CASecret, p)
	switch {
	case errors.Is(err, clienttls.ErrCertificate):
		return nil, configError("tls: the client certificate (secret " + strconv.Quote(t.CertSecret) + ") and key (secret " +
			strconv.Quote(t.KeySecret) + ") cannot be used: a PEM certificate chain and its matching private key are needed")
	case errors.Is(err, clienttls.ErrCA):
		return nil, configError("tls: secret " + strconv.Quote(t.CASecret) + " (ca_secret) holds no PEM certificate")
	case err != nil:
		return nil, configError("tls: no client certificate and no certificate authority")
	}
	return id, nil
}
