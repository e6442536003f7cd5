package egress

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/clienttls/clienttlstest"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// mtlsReceiver is a receiver behind mutual TLS that counts new
// connections and notes the client certificate each request came with.
type mtlsReceiver struct {
	url   string
	conns atomic.Int64
	mu    sync.Mutex
	seen  []string // client certificate common name per request
}

func newMTLSReceiver(t *testing.T, serverCA, clientCA *clienttlstest.CA) *mtlsReceiver {
	r := &mtlsReceiver{}
	srv := clienttlstest.MutualTLSServer(t, serverCA, clientCA, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seen = append(r.seen, req.TLS.PeerCertificates[0].Subject.CommonName)
		r.mu.Unlock()
		fmt.Fprint(w, "ok")
	}), func(s *http.Server) {
		s.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				r.conns.Add(1)
			}
		}
	})
	r.url = srv.URL
	return r
}

func (r *mtlsReceiver) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) == 0 {
		return ""
	}
	return r.seen[len(r.seen)-1]
}

func identity(owner string, ca *clienttlstest.CA, leaf clienttlstest.Leaf) *ClientTLS {
	return &ClientTLS{Owner: owner, ID: leaf.TLS.Leaf.Subject.CommonName + fmt.Sprint(leaf.TLS.Leaf.SerialNumber),
		Certificates: []tls.Certificate{leaf.TLS}, RootCAs: ca.Pool()}
}

func getWith(t *testing.T, c *Client, url string, id *ClientTLS) (*Response, error) {
	t.Helper()
	req, err := NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.TLS = id
	ctx, cancel := contextTimeout(t, 5*time.Second)
	defer cancel()
	return c.Do(ctx, req)
}

// TestMutualTLS: a receiver that requires a client certificate answers a
// request made with one, names the missing one auth_failed, and a private
// CA verifies its certificate; without the CA, tls_error.
func TestMutualTLS(t *testing.T) {
	serverCA, clientCA := clienttlstest.NewCA(t, "server root"), clienttlstest.NewCA(t, "client root")
	rcv := newMTLSReceiver(t, serverCA, clientCA)
	c := newClient(t, loopback())
	acme := identity("acme", serverCA, clientCA.Client(t, "acme-client"))
	resp, err := getWith(t, c, rcv.url, acme)
	if err != nil || resp.Status != 200 || rcv.last() != "acme-client" {
		t.Fatalf("with the client certificate: %v %v, seen %q", resp, err, rcv.last())
	}
	// The private CA alone verifies the server but presents no certificate.
	_, err = getWith(t, c, rcv.url, &ClientTLS{Owner: "acme", ID: "ca-only", RootCAs: serverCA.Pool()})
	wantError(t, err, flowevent.ReasonAuthFailed)
	// An expired client certificate is refused by the receiver.
	_, err = getWith(t, c, rcv.url, identity("acme", serverCA, clientCA.ExpiredClient(t, "acme-old")))
	wantError(t, err, flowevent.ReasonAuthFailed)
	// A certificate of another CA is refused too.
	_, err = getWith(t, c, rcv.url, identity("acme", serverCA, clienttlstest.NewCA(t, "rogue").Client(t, "rogue")))
	wantError(t, err, flowevent.ReasonAuthFailed)
	// Without the private CA the server's certificate does not verify.
	_, err = getWith(t, c, rcv.url, nil)
	wantError(t, err, flowevent.ReasonTLSError)
}

// TestIdentityConnectionsNeverShared: a connection made with account A's
// client certificate carries A's requests only: not another account's
// (even with the same certificate), not a request without an identity,
// not one with another certificate.
func TestIdentityConnectionsNeverShared(t *testing.T) {
	serverCA, clientCA := clienttlstest.NewCA(t, "server root"), clienttlstest.NewCA(t, "client root")
	rcv := newMTLSReceiver(t, serverCA, clientCA)
	cfg := loopback()
	cfg.RootCAs = serverCA.Pool() // so that a request without identity could verify the server
	c := newClient(t, cfg)
	leaf := clientCA.Client(t, "acme-client")
	acme := identity("acme", serverCA, leaf)
	for range 3 {
		if _, err := getWith(t, c, rcv.url, acme); err != nil {
			t.Fatal(err)
		}
	}
	if n := rcv.conns.Load(); n != 1 {
		t.Fatalf("%d connections for acme's 3 requests, want 1 (reused)", n)
	}
	// No identity: must not ride acme's authenticated connection.
	_, err := getWith(t, c, rcv.url, nil)
	wantError(t, err, flowevent.ReasonAuthFailed)
	// Another account with the very same certificate: its own connection.
	evil := identity("evil", serverCA, leaf)
	if _, err := getWith(t, c, rcv.url, evil); err != nil {
		t.Fatal(err)
	}
	// Another certificate of the same account: its own connection.
	other := identity("acme", serverCA, clientCA.Client(t, "acme-other"))
	if _, err := getWith(t, c, rcv.url, other); err != nil || rcv.last() != "acme-other" {
		t.Fatalf("other certificate: %v, seen %q", err, rcv.last())
	}
	if n := rcv.conns.Load(); n != 4 {
		t.Errorf("%d connections, want 4: acme, none (refused), evil, acme's other certificate", n)
	}
	if _, err := getWith(t, c, rcv.url, acme); err != nil || rcv.last() != "acme-client" {
		t.Fatalf("acme again: %v, seen %q", err, rcv.last())
	}
	if n := rcv.conns.Load(); n != 4 {
		t.Errorf("acme's idle connection was not reused (%d connections)", n)
	}
}

// TestIdentityPoolFair: an account flooding the idle pool with
// connections of many identities gives up its own, never the idle
// connection of an account that holds fewer.
func TestIdentityPoolFair(t *testing.T) {
	serverCA, clientCA := clienttlstest.NewCA(t, "server root"), clienttlstest.NewCA(t, "client root")
	rcv := newMTLSReceiver(t, serverCA, clientCA)
	cfg := loopback()
	cfg.MaxIdleConns = 4
	c := newClient(t, cfg)
	acme := identity("acme", serverCA, clientCA.Client(t, "acme-client"))
	if _, err := getWith(t, c, rcv.url, acme); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if _, err := getWith(t, c, rcv.url, identity("evil", serverCA, clientCA.Client(t, fmt.Sprint("evil-", i)))); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.pool.idle(); n != 4 {
		t.Fatalf("%d idle connections, want the bound 4", n)
	}
	before := rcv.conns.Load()
	if _, err := getWith(t, c, rcv.url, acme); err != nil {
		t.Fatal(err)
	}
	if n := rcv.conns.Load(); n != before {
		t.Errorf("acme's idle connection was closed to make room for evil's (%d new connections)", n-before)
	}
}

func contextTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}
