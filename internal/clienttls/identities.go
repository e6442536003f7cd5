// Package clienttls turns a node's TLS secrets — a client certificate
// and its key, private certificate authorities, all PEM — into the TLS
// identity its outbound requests carry (egress.ClientTLS), and keeps the
// parsed identities per account.
//
// Parsing a certificate and a key costs tens of microseconds and a few
// kilobytes; a node's events carry the same secrets, so each identity is
// parsed once per account and change of its secrets, and kept in a bounded
// cache (internal/accountcache) where one account's identities never
// serve, nor push out, another's. An identity's ID is a digest of its PEM
// texts: the connection pool keeps connections made with it apart from
// every other identity's, and from other accounts' even when their PEM
// texts are the same.
package clienttls

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"strings"

	"github.com/flowhook/flowhook/internal/accountcache"
	"github.com/flowhook/flowhook/internal/egress"
)

// Default bounds of an Identities cache.
const (
	DefaultMax        = 1024
	DefaultPerAccount = 32
)

// PEM are the PEM texts of one identity: Cert and Key together (a client
// certificate chain and its private key), CA (roots), or both.
type PEM struct {
	Cert, Key, CA string
}

// Identities parses and keeps TLS identities. It is safe for concurrent
// use by multiple goroutines.
type Identities struct {
	cache *accountcache.Cache[string, *entry]
}

// entry is a parsed identity and the texts it was parsed from.
type entry struct {
	pem PEM
	id  *egress.ClientTLS
}

// New returns an Identities keeping at most max identities, perAccount per
// account (DefaultMax and DefaultPerAccount when <= 0).
func New(max, perAccount int) *Identities {
	if max <= 0 {
		max = DefaultMax
	}
	if perAccount <= 0 {
		perAccount = DefaultPerAccount
	}
	return &Identities{cache: accountcache.New[string, *entry](max, perAccount)}
}

// Identity returns account's identity for the texts p, named by ref (the
// node's secret names, so that a node's identity is found without hashing
// its texts): parsed when ref is new to account or its texts changed
// (rotated secrets), else the kept one.
func (ids *Identities) Identity(account, ref string, p PEM) (*egress.ClientTLS, error) {
	if e, ok := ids.cache.Get(account, ref); ok && e.pem == p {
		return e.id, nil
	}
	id, err := parse(account, p)
	if err != nil {
		return nil, err
	}
	ids.cache.Put(account, ref, &entry{pem: p, id: id})
	return id, nil
}

// parse makes the identity of p for account.
func parse(account string, p PEM) (*egress.ClientTLS, error) {
	id := &egress.ClientTLS{Owner: strings.Clone(account)} // kept: not a substring of an event
	if p.Cert == "" && p.Key == "" && p.CA == "" {
		return nil, ErrEmpty
	}
	if p.Cert != "" || p.Key != "" {
		pair, err := tls.X509KeyPair([]byte(p.Cert), []byte(p.Key))
		if err != nil {
			return nil, ErrCertificate
		}
		id.Certificates = []tls.Certificate{pair}
	}
	if p.CA != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(p.CA)) {
			return nil, ErrCA
		}
		id.RootCAs = pool
	}
	sum := sha256.New()
	for _, s := range [...]string{p.Cert, p.Key, p.CA} {
		sum.Write([]byte(s))
		sum.Write([]byte{0})
	}
	id.ID = hex.EncodeToString(sum.Sum(nil)[:16])
	return id, nil
}
