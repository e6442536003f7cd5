package egress

import (
	"crypto/tls"
	"crypto/x509"
)

// ClientTLS is a request's own TLS identity toward an https endpoint: a
// client certificate for endpoints behind mutual TLS, and certificate
// authorities that replace the trusted roots. internal/clienttls makes
// them from a node's PEM secrets.
//
// A connection made with an identity belongs to it: it is pooled under the
// origin, Owner and ID, so it carries only requests of the same origin,
// Owner and ID, never one of another account, nor one of a node with
// another certificate or other roots, nor one without an identity. A
// ClientTLS must not be changed once used.
type ClientTLS struct {
	// Owner is the account the identity belongs to. The pool gives up an
	// owner's idle connections to make room for another's only while it
	// holds at least as many.
	Owner string
	// ID identifies the certificate, key and roots within Owner (a digest
	// of them): two identities with the same Owner and ID must be the same.
	ID string
	// Certificates are presented when the server asks for a client
	// certificate.
	Certificates []tls.Certificate
	// RootCAs, when set, are the only roots trusted for the endpoint's
	// certificate (the Config's RootCAs or the system's otherwise).
	RootCAs *x509.CertPool
}

// poolKey is the pool key of connections to origin key made with id.
func (id *ClientTLS) poolKey(key string) string {
	return key + "#" + id.Owner + "/" + id.ID
}

// config returns base with id's certificates and roots.
func (id *ClientTLS) config(base *tls.Config) *tls.Config {
	if id == nil {
		return base
	}
	if len(id.Certificates) > 0 {
		base.Certificates = id.Certificates
	}
	if id.RootCAs != nil {
		base.RootCAs = id.RootCAs
	}
	return base
}
