package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Planted in URLs: must never show up in error text.
const (
	secretQuery = "secret-query-value"
	secretPath  = "secret-path-value"
)

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// loopback is a Config that lets tests reach httptest servers.
func loopback() Config { return Config{AllowCIDRs: pfx("127.0.0.0/8", "::1/128")} }

func get(t *testing.T, c *Client, url string, timeout time.Duration) (*Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	req, err := NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	return c.Do(ctx, req)
}

// wantError asserts err is an *Error with reason and no planted secret.
func wantError(t *testing.T, err error, reason flowevent.Reason) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if e.Reason != reason {
		t.Errorf("reason = %s (%s), want %s", e.Reason, e.Detail, reason)
	}
	for _, s := range []string{e.Error(), e.Detail} {
		if strings.Contains(s, secretQuery) || strings.Contains(s, secretPath) {
			t.Errorf("error text leaks the URL: %q", s)
		}
	}
	return e
}

func okServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestDeniedTargets: with no allow-list, every spelling of an internal
// address is refused before a connection is opened.
func TestDeniedTargets(t *testing.T) {
	target := newCountingListener(t, "127.0.0.1:0")
	dns := newFakeDNS()
	dns.set("internal.flowhook.test", "127.0.0.1")
	dns.set("dual.flowhook.test", "127.0.0.1", "::1")
	c := newClient(t, Config{Resolver: dns.resolver()})
	tests := []struct{ host, class string }{
		{"127.0.0.1", "loopback"},
		{"2130706433", "loopback"},
		{"0x7f000001", "loopback"},
		{"0177.0.0.1", "loopback"},
		{"127.1", "loopback"},
		{"127.0.0.1.", "loopback"},
		{"[::ffff:127.0.0.1]", "loopback"},
		{"[64:ff9b::7f00:1]", "NAT64"},
		{"[2002:7f00:1::]", "6to4"},
		{"[::1]", "loopback"},
		{"169.254.169.254", "link-local"},
		{"100.64.0.1", "shared address space"},
		{"0.0.0.0", "this network"},
		{"10.0.0.1", "private"},
		{"172.16.0.1", "private"},
		{"192.168.0.1", "private"},
		{"[fc00::1]", "unique local"},
		{"[fd00::2]", "unique local"},
		{"[fe80::1]", "link-local"},
		{"internal.flowhook.test", "loopback"},
		{"dual.flowhook.test", "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			url := fmt.Sprintf("http://%s:%d/%s?q=%s", tt.host, target.port(), secretPath, secretQuery)
			_, err := get(t, c, url, 5*time.Second)
			e := wantError(t, err, flowevent.ReasonBlockedDestination)
			if !strings.Contains(e.Detail, tt.class) {
				t.Errorf("detail %q does not name %q", e.Detail, tt.class)
			}
		})
	}
	if n := target.acceptedBeforeProbe(t); n != 0 {
		t.Errorf("%d connections reached the denied target", n)
	}
}

func TestAllowCIDRs(t *testing.T) {
	srv := okServer(t)
	resp, err := get(t, newClient(t, loopback()), srv.URL, 5*time.Second)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusOK || string(resp.Body) != "ok" || resp.Truncated {
		t.Errorf("resp = %d %q %v", resp.Status, resp.Body, resp.Truncated)
	}
	_, err = get(t, newClient(t, Config{AllowCIDRs: pfx("10.0.0.0/8")}), srv.URL, 5*time.Second)
	wantError(t, err, flowevent.ReasonBlockedDestination)
}

func TestAllowHosts(t *testing.T) {
	srv := okServer(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	dns := newFakeDNS()
	dns.set("hooks.corp.example", "127.0.0.1")
	dns.set("evil.example", "127.0.0.1")
	c := newClient(t, Config{AllowHosts: []string{"*.corp.example"}, Resolver: dns.resolver()})

	resp, err := get(t, c, fmt.Sprintf("http://hooks.corp.example:%d/", port), 5*time.Second)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("allow-listed host: %v %v", resp, err)
	}
	_, err = get(t, c, fmt.Sprintf("http://evil.example:%d/?q=%s", port, secretQuery), 5*time.Second)
	wantError(t, err, flowevent.ReasonBlockedDestination)
}

func TestAllowPorts(t *testing.T) {
	srv := okServer(t)
	other := newCountingListener(t, "127.0.0.1:0")
	cfg := loopback()
	cfg.AllowPorts = []int{srv.Listener.Addr().(*net.TCPAddr).Port}
	c := newClient(t, cfg)
	if _, err := get(t, c, srv.URL, 5*time.Second); err != nil {
		t.Fatalf("allowed port: %v", err)
	}
	_, err := get(t, c, fmt.Sprintf("http://127.0.0.1:%d/?q=%s", other.port(), secretQuery), 5*time.Second)
	e := wantError(t, err, flowevent.ReasonBlockedDestination)
	if !strings.Contains(e.Detail, "port") {
		t.Errorf("detail %q does not name the port", e.Detail)
	}
	if n := other.acceptedBeforeProbe(t); n != 0 {
		t.Errorf("%d connections reached the denied port", n)
	}
}

// TestDNSRebinding: a name whose answer flips from an allowed address to a
// denied one is blocked on the next dial. 127.0.0.2 stands in for a public
// address (allow-listed), 127.0.0.1 for the internal one.
func TestDNSRebinding(t *testing.T) {
	public, internal := listenPair(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "public")
	}))
	srv.Listener = public
	srv.Start()
	t.Cleanup(srv.Close)

	dns := newFakeDNS()
	dns.set("rebind.flowhook.test", "127.0.0.2")
	c := newClient(t, Config{AllowCIDRs: pfx("127.0.0.2/32"), Resolver: dns.resolver()})
	url := fmt.Sprintf("http://rebind.flowhook.test:%d/?q=%s", internal.port(), secretQuery)

	resp, err := get(t, c, url, 5*time.Second)
	if err != nil || string(resp.Body) != "public" {
		t.Fatalf("first call: %v %v", resp, err)
	}
	if n := dns.aQueries("rebind.flowhook.test"); n != 1 {
		t.Errorf("first call resolved the name %d times, want 1", n)
	}
	c.Close() // no idle connection to the old address: the next call dials
	dns.set("rebind.flowhook.test", "127.0.0.1")
	_, err = get(t, c, url, 5*time.Second)
	wantError(t, err, flowevent.ReasonBlockedDestination)
	if n := internal.acceptedBeforeProbe(t); n != 0 {
		t.Errorf("%d connections reached the rebound address", n)
	}
}

// listenPair listens on 127.0.0.2 and 127.0.0.1 with the same port.
func listenPair(t *testing.T) (net.Listener, *countingListener) {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Skipf("127.0.0.2 not usable: %v", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			l2.Close()
			return ln, newCountingListener(t, fmt.Sprintf("127.0.0.1:%d", port))
		}
		ln.Close()
	}
	t.Fatal("no port free on both 127.0.0.1 and 127.0.0.2")
	return nil, nil
}

// TestProxyEnvironmentIgnored: HTTP_PROXY must not route requests around
// the guard. The target is a name, since net/http never proxies localhost.
func TestProxyEnvironmentIgnored(t *testing.T) {
	var proxied atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		io.WriteString(w, "proxy")
	}))
	t.Cleanup(proxy.Close)
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	srv := okServer(t)
	dns := newFakeDNS()
	dns.set("target.flowhook.test", "127.0.0.1")
	cfg := loopback()
	cfg.Resolver = dns.resolver()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	resp, err := get(t, newClient(t, cfg), fmt.Sprintf("http://target.flowhook.test:%d/", port), 5*time.Second)
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("Do: %v %v", resp, err)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("%d requests went through the environment proxy", n)
	}
}

func TestTLS(t *testing.T) {
	var proto atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(int64(r.ProtoMajor))
		io.WriteString(w, "secure")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	url := srv.URL + "/" + secretPath + "?q=" + secretQuery

	_, err := get(t, newClient(t, loopback()), url, 5*time.Second)
	wantError(t, err, flowevent.ReasonTLSError)

	cfg := loopback()
	cfg.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	resp, err := get(t, newClient(t, cfg), url, 5*time.Second)
	if err != nil || string(resp.Body) != "secure" {
		t.Fatalf("trusted TLS: %v %v", resp, err)
	}
	if proto.Load() != 1 {
		t.Errorf("request used HTTP/%d, want HTTP/1.1 (offered HTTP/2 by the server; see the package doc)", proto.Load())
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = get(t, newClient(t, loopback()), "http://"+addr+"/"+secretPath+"?q="+secretQuery, 5*time.Second)
	e := wantError(t, err, flowevent.ReasonConnectionError)
	if !strings.Contains(e.Detail, "refused") {
		t.Errorf("detail %q", e.Detail)
	}
}

func TestUnsupportedScheme(t *testing.T) {
	req, _ := NewRequest(http.MethodGet, "ftp://example.com/?q="+secretQuery, nil)
	_, err := newClient(t, Config{}).Do(t.Context(), req)
	wantError(t, err, flowevent.ReasonInvalidConfig)
}

func TestUserAgent(t *testing.T) {
	var got sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.URL.Path, r.UserAgent())
	}))
	t.Cleanup(srv.Close)
	cfg := loopback()
	cfg.UserAgent = "flowhook-test/1"
	c := newClient(t, cfg)
	if _, err := get(t, c, srv.URL+"/default", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	req, _ := NewRequest(http.MethodGet, srv.URL+"/own", nil, Field{"User-Agent", "node-set"})
	if _, err := c.Do(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/default": "flowhook-test/1", "/own": "node-set"} {
		if ua, _ := got.Load(path); ua != want {
			t.Errorf("%s: User-Agent %q, want %q", path, ua, want)
		}
	}
}

// TestConnectionReuse: fully read bodies leave the connection reusable.
func TestConnectionReuse(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 1000))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, loopback())
	for range 5 {
		if _, err := get(t, c, srv.URL, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 5 sequential requests, want 1", n)
	}
}

func TestBodyLimitBoundary(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("a", len(r.URL.Query().Get("n"))))
	}))
	t.Cleanup(srv.Close)
	cfg := loopback()
	cfg.MaxResponseBytes = 10
	c := newClient(t, cfg)
	tests := []struct {
		size      int
		wantLen   int
		truncated bool
	}{{0, 0, false}, {9, 9, false}, {10, 10, false}, {11, 10, true}, {5000, 10, true}}
	for _, tt := range tests {
		resp, err := get(t, c, srv.URL+"/?n="+strings.Repeat("n", tt.size), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Body) != tt.wantLen || resp.Truncated != tt.truncated {
			t.Errorf("size %d: got %d bytes truncated=%v, want %d %v", tt.size, len(resp.Body), resp.Truncated, tt.wantLen, tt.truncated)
		}
	}
}

func TestConcurrentDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Query().Get("i"))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, loopback())
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			for j := range 10 {
				want := fmt.Sprint(i*100 + j)
				resp, err := get(t, c, srv.URL+"/?i="+want, 5*time.Second)
				if err != nil || string(resp.Body) != want {
					t.Errorf("got %v %v, want body %s", resp, err, want)
				}
			}
		})
	}
	wg.Wait()
}
