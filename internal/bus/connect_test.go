package bus_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus"
)

// pki is a throw-away certificate authority with a server and a client
// certificate, written as PEM files.
type pki struct {
	dir                   string
	caFile                string
	serverCert, serverKey string
	clientCert, clientKey string
	rogueCert, rogueKey   string // a client certificate from another CA
	rogueCA               string
	serverTLS             *tls.Config
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	ca, caKey := newCA(t, "flowhook test CA")
	p.caFile = p.writeCert(t, "ca.pem", ca)
	p.serverCert, p.serverKey = p.issue(t, "server", ca, caKey, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = p.issue(t, "client", ca, caKey, x509.ExtKeyUsageClientAuth)
	rogue, rogueKey := newCA(t, "rogue CA")
	p.rogueCA = p.writeCert(t, "rogue-ca.pem", rogue)
	p.rogueCert, p.rogueKey = p.issue(t, "rogue-client", rogue, rogueKey, x509.ExtKeyUsageClientAuth)

	var err error
	p.serverTLS, err = server.GenTLSConfig(&server.TLSConfigOpts{
		CertFile: p.serverCert, KeyFile: p.serverKey, CaFile: p.caFile, Verify: true,
	})
	if err != nil {
		t.Fatalf("server TLS config: %v", err)
	}
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// issue signs a leaf certificate for 127.0.0.1 and localhost and writes it
// and its key; it returns the two file names.
func (p *pki) issue(t *testing.T, name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, usage x509.ExtKeyUsage) (string, string) {
	t.Helper()
	key := newKey(t)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(p.dir, name+"-key.pem")
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return p.writeCert(t, name+".pem", cert), keyFile
}

func (p *pki) writeCert(t *testing.T, name string, c *x509.Certificate) string {
	t.Helper()
	f := filepath.Join(p.dir, name)
	writePEM(t, f, "CERTIFICATE", c.Raw)
	return f
}

func writePEM(t *testing.T, file, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startServer starts an in-process NATS server with opts completed for a
// test, and returns its client URL.
func startServer(t *testing.T, opts *server.Options) string {
	t.Helper()
	opts.Host, opts.Port, opts.NoSigs, opts.NoLog = "127.0.0.1", -1, true, true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv.ClientURL()
}

// writeFile writes data to a new file in dir and returns its name.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

const testPassword = "pw-6f1d0c2e-never-logged"

// TestConnectMutualTLS: a server that requires TLS, verifies client
// certificates, and knows a user/password and an NKey user. Connect gets in
// with the right certificate and either credential, and is refused
// otherwise, without the password in its error.
func TestConnectMutualTLS(t *testing.T) {
	p := newPKI(t)
	nkey, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := nkey.Seed()
	pub, _ := nkey.PublicKey()
	seedFile := writeFile(t, p.dir, "user.nk", string(seed))
	strangerKey, _ := nkeys.CreateUser()
	strangerSeed, _ := strangerKey.Seed()
	strangerFile := writeFile(t, p.dir, "stranger.nk", string(strangerSeed))

	url := startServer(t, &server.Options{
		TLS: true, TLSVerify: true, TLSConfig: p.serverTLS, TLSTimeout: 2,
		Users: []*server.User{{Username: "flowhook", Password: testPassword}},
		Nkeys: []*server.NkeyUser{{Nkey: pub}},
	})
	tlsURL := strings.Replace(url, "nats://", "tls://", 1)
	mtls := func(o bus.ConnectOptions) bus.ConnectOptions {
		o.TLSCA, o.TLSCert, o.TLSKey = p.caFile, p.clientCert, p.clientKey
		return o
	}
	tests := []struct {
		name    string
		opts    bus.ConnectOptions
		wantErr string // "" = connects; the server's refusal of a client
		// certificate reads "certificate required" or, when the client
		// writes first, "connection closed": both are TLS errors
	}{
		{"user and password", mtls(bus.ConnectOptions{URL: url, User: "flowhook", Password: testPassword}), ""},
		{"user and password, tls:// URL", mtls(bus.ConnectOptions{URL: tlsURL, User: "flowhook", Password: testPassword}), ""},
		{"nkey", mtls(bus.ConnectOptions{URL: url, NKeyFile: seedFile}), ""},
		{"wrong password", mtls(bus.ConnectOptions{URL: url, User: "flowhook", Password: testPassword + "x"}), "Authorization Violation"},
		{"unknown nkey", mtls(bus.ConnectOptions{URL: url, NKeyFile: strangerFile}), "Authorization Violation"},
		{"no credentials", mtls(bus.ConnectOptions{URL: url}), "Authorization Violation"},
		{"no client certificate", bus.ConnectOptions{URL: url, TLSCA: p.caFile, User: "flowhook", Password: testPassword}, "tls"},
		{"client certificate of another CA", bus.ConnectOptions{URL: url, TLSCA: p.caFile, TLSCert: p.rogueCert, TLSKey: p.rogueKey, User: "flowhook", Password: testPassword}, "tls"},
		{"server not trusted", bus.ConnectOptions{URL: url, TLSCA: p.rogueCA, TLSCert: p.clientCert, TLSKey: p.clientKey, User: "flowhook", Password: testPassword}, "unknown authority"},
		{"no TLS options against a TLS server", bus.ConnectOptions{URL: url, User: "flowhook", Password: testPassword}, "unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Name = "flowhook-test"
			nc, err := bus.Connect(o, zerolog.Nop())
			if tt.wantErr != "" {
				if err == nil {
					nc.Close()
					t.Fatal("connected, want refused")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("refused with %q, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testPassword) {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			defer nc.Close()
			if _, err := nc.RTT(); err != nil {
				t.Fatalf("round trip: %v", err)
			}
			cs, err := nc.TLSConnectionState()
			if err != nil {
				t.Fatalf("connection is not TLS: %v", err)
			}
			if cs.Version < tls.VersionTLS12 {
				t.Errorf("TLS version %x, want at least 1.2", cs.Version)
			}
		})
	}
}

// TestConnectCredsFile: an operator-mode server (JWT accounts) accepts a
// user through its credentials file, and refuses a user of an account it
// does not know.
func TestConnectCredsFile(t *testing.T) {
	dir := t.TempDir()
	operator, _ := nkeys.CreateOperator()
	opPub, _ := operator.PublicKey()
	opClaims := jwt.NewOperatorClaims(opPub)
	opJWT, err := opClaims.Encode(operator)
	if err != nil {
		t.Fatal(err)
	}
	opDecoded, err := jwt.DecodeOperatorClaims(opJWT)
	if err != nil {
		t.Fatal(err)
	}
	resolver := &server.MemAccResolver{}
	known := newAccount(t, operator, resolver)
	stranger := newAccount(t, operator, nil) // signed, but not on the server

	url := startServer(t, &server.Options{
		TrustedOperators: []*jwt.OperatorClaims{opDecoded},
		AccountResolver:  resolver,
	})
	good := writeFile(t, dir, "good.creds", userCreds(t, known))
	bad := writeFile(t, dir, "bad.creds", userCreds(t, stranger))

	nc, err := bus.Connect(bus.ConnectOptions{URL: url, CredsFile: good}, zerolog.Nop())
	if err != nil {
		t.Fatalf("Connect with credentials file: %v", err)
	}
	if _, err := nc.RTT(); err != nil {
		t.Errorf("round trip: %v", err)
	}
	nc.Close()
	if nc, err := bus.Connect(bus.ConnectOptions{URL: url, CredsFile: bad}, zerolog.Nop()); err == nil {
		nc.Close()
		t.Error("user of an unknown account connected")
	}
	if nc, err := bus.Connect(bus.ConnectOptions{URL: url}, zerolog.Nop()); err == nil {
		nc.Close()
		t.Error("connected without credentials")
	}
}

// newAccount creates an account signed by operator and, when resolver is
// set, stores it there; it returns the account's key pair.
func newAccount(t *testing.T, operator nkeys.KeyPair, resolver *server.MemAccResolver) nkeys.KeyPair {
	t.Helper()
	acc, _ := nkeys.CreateAccount()
	accPub, _ := acc.PublicKey()
	accJWT, err := jwt.NewAccountClaims(accPub).Encode(operator)
	if err != nil {
		t.Fatal(err)
	}
	if resolver != nil {
		if err := resolver.Store(accPub, accJWT); err != nil {
			t.Fatal(err)
		}
	}
	return acc
}

// userCreds returns a credentials file's text for a new user of account.
func userCreds(t *testing.T, account nkeys.KeyPair) string {
	t.Helper()
	user, _ := nkeys.CreateUser()
	userPub, _ := user.PublicKey()
	seed, _ := user.Seed()
	userJWT, err := jwt.NewUserClaims(userPub).Encode(account)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(userJWT, seed)
	if err != nil {
		t.Fatal(err)
	}
	return string(creds)
}

// TestConnectRefusesContradictions: options that cannot work together are
// refused before any connection is tried (the URL is never dialled).
func TestConnectRefusesContradictions(t *testing.T) {
	const url = "nats://127.0.0.1:1"
	tests := []struct {
		name string
		opts bus.ConnectOptions
		want string
	}{
		{"no URL", bus.ConnectOptions{}, "no NATS URL"},
		{"creds and nkey", bus.ConnectOptions{URL: url, CredsFile: "a.creds", NKeyFile: "a.nk"}, "only one of"},
		{"user and token", bus.ConnectOptions{URL: url, User: "u", Password: testPassword, Token: "tok"}, "only one of"},
		{"password without user", bus.ConnectOptions{URL: url, Password: testPassword}, "needs a user"},
		{"cert without key", bus.ConnectOptions{URL: url, TLSCert: "c.pem"}, "both its certificate and key"},
		{"key without cert", bus.ConnectOptions{URL: url, TLSKey: "k.pem"}, "both its certificate and key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := bus.Connect(tt.opts, zerolog.Nop())
			if err == nil {
				nc.Close()
				t.Fatal("Connect accepted contradictory options")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

// TestConnectErrorsHideURLPassword: a NATS URL that cannot be parsed is
// reported without the URL, which may hold a password.
func TestConnectErrorsHideURLPassword(t *testing.T) {
	for _, url := range []string{
		"nats://flowhook:" + testPassword + "@127.0.0.1:port",
		"nats://flowhook:" + testPassword + "@[::1",
		"nats://flowhook:" + testPassword + "@host%zz:4222",
		"nats://flowhook:" + testPassword + "@127.0.0.1:1",
	} {
		nc, err := bus.Connect(bus.ConnectOptions{URL: url}, zerolog.Nop())
		if err == nil {
			nc.Close()
			t.Fatalf("%s: connected", url)
		}
		if strings.Contains(err.Error(), testPassword) {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}
