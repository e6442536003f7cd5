package egress

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// rawReceiver is a loopback HTTP/1.1 endpoint that records every request
// head exactly as it arrived on the wire, and answers each through its
// reply function, which may also close the connection.
type rawReceiver struct {
	ln    net.Listener
	reply func(n int, c net.Conn, head string) // n counts requests from 1
	mu    sync.Mutex
	heads []string
	conns atomic.Int64
	wg    sync.WaitGroup
}

func newRawReceiver(t *testing.T, reply func(n int, c net.Conn, head string)) *rawReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rawReceiver{ln: ln, reply: reply}
	r.wg.Go(r.accept)
	t.Cleanup(func() {
		ln.Close()
		r.wg.Wait()
	})
	return r
}

func (r *rawReceiver) url(path string) string { return "http://" + r.ln.Addr().String() + path }

func (r *rawReceiver) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.conns.Add(1)
		r.wg.Go(func() { r.serve(c) })
	}
}

// serve reads request heads (and a Content-Length body) until the client
// or the reply closes the connection.
func (r *rawReceiver) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		var head strings.Builder
		length := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if name, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Content-Length") {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if line == "\r\n" {
				break
			}
		}
		if _, err := io.CopyN(io.Discard, br, int64(length)); err != nil {
			return
		}
		r.mu.Lock()
		r.heads = append(r.heads, head.String())
		n := len(r.heads)
		r.mu.Unlock()
		r.reply(n, c, head.String())
	}
}

func (r *rawReceiver) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.heads...)
}

func ok200(_ int, c net.Conn, _ string) {
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
}

// TestSentOncePerAttempt: a receiver that reads the request and closes the
// connection without answering gets the request once, on a new connection
// and on a reused one: the client never re-sends a request (fasthttp's
// retry of idempotent requests is not used), since the endpoint may have
// acted on it.
func TestSentOncePerAttempt(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			recv := newRawReceiver(t, func(n int, c net.Conn, _ string) {
				if n == 1 {
					ok200(n, c, "") // the connection is kept alive and reused
					return
				}
				c.Close() // read the request, then hang up
			})
			c := newClient(t, loopback())
			do := func() error {
				req, _ := NewRequest(method, recv.url("/hook?q="+secretQuery), []byte("{}"))
				_, err := c.Do(t.Context(), req)
				return err
			}
			if err := do(); err != nil {
				t.Fatalf("first request: %v", err)
			}
			e := wantError(t, do(), flowevent.ReasonConnectionError) // on the reused connection
			if !strings.Contains(e.Detail, "closed before a response") {
				t.Errorf("detail %q", e.Detail)
			}
			wantError(t, do(), flowevent.ReasonConnectionError) // on a new connection
			if n := len(recv.requests()); n != 3 {
				t.Errorf("receiver got %d requests for 3 sends, want 3", n)
			}
		})
	}
}

// TestStaleIdleConnection: a receiver that closes idle connections (its
// keep-alive timeout) does not make the next request fail: the idle
// connection is found closed before anything is written to it.
func TestStaleIdleConnection(t *testing.T) {
	closed := make(chan struct{}, 1)
	recv := newRawReceiver(t, func(n int, c net.Conn, _ string) {
		ok200(n, c, "")
		c.Close() // a keep-alive timeout of zero, without Connection: close
		closed <- struct{}{}
	})
	c := newClient(t, loopback())
	for i := range 5 {
		if _, err := get(t, c, recv.url("/"), 5*time.Second); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		<-closed
	}
	if n := len(recv.requests()); n != 5 {
		t.Errorf("receiver got %d requests, want 5", n)
	}
	if n := recv.conns.Load(); n != 5 {
		t.Errorf("%d connections, want 5", n)
	}
}

// TestWireExact: the request line carries the URL's path and query exactly
// as written (no normalisation of "..", "//" or escapes), header names go
// out as written, in order, and the client adds only Host, User-Agent,
// Accept-Encoding and Content-Length.
func TestWireExact(t *testing.T) {
	recv := newRawReceiver(t, ok200)
	c := newClient(t, loopback())
	const target = "/a/../b//c/%2e%2E/d%2Fe?x=%2F&y=a+b&z=%41&email=ada%40example.com&q=" + secretQuery
	req, _ := NewRequest(http.MethodPost, recv.url(target), []byte(`{"a":1}`),
		Field{"X-API-KEY", "k1"}, Field{"x-lower", "v"}, Field{"Content-Type", "application/json"},
		Field{"Cookie", "a=1; b"}, Field{"X-API-KEY", "k2"})
	if _, err := c.Do(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	heads := recv.requests()
	if len(heads) != 1 {
		t.Fatalf("%d requests", len(heads))
	}
	want := "POST " + target + " HTTP/1.1\r\n" +
		"Host: " + recv.ln.Addr().String() + "\r\n" +
		"X-API-KEY: k1\r\nx-lower: v\r\nContent-Type: application/json\r\nCookie: a=1; b\r\nX-API-KEY: k2\r\n" +
		"User-Agent: " + DefaultUserAgent + "\r\nAccept-Encoding: gzip\r\nContent-Length: 7\r\n\r\n"
	if heads[0] != want {
		t.Errorf("request on the wire:\n%q\nwant\n%q", heads[0], want)
	}
}

// TestContentLengthOfEmptyBodies: a POST, PUT or PATCH without a body says
// Content-Length: 0; a GET says nothing.
func TestContentLengthOfEmptyBodies(t *testing.T) {
	recv := newRawReceiver(t, ok200)
	c := newClient(t, loopback())
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch} {
		req, _ := NewRequest(m, recv.url("/"+m), nil)
		if _, err := c.Do(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range recv.requests() {
		has := strings.Contains(h, "\r\nContent-Length: 0\r\n")
		if get := strings.HasPrefix(h, "GET "); has == get {
			t.Errorf("request %q: Content-Length: 0 present = %v", strings.SplitN(h, "\r\n", 2)[0], has)
		}
	}
}

// TestRequestsRefused: requests that would reframe or split the request
// are refused before anything is dialled.
func TestRequestsRefused(t *testing.T) {
	target := newCountingListener(t, "127.0.0.1:0")
	c := newClient(t, loopback())
	url := fmt.Sprintf("http://127.0.0.1:%d/?q=%s", target.port(), secretQuery)
	for _, f := range []Field{
		{"Host", "evil.example"}, {"content-length", "0"}, {"Transfer-Encoding", "chunked"},
		{"Connection", "close"}, {"X-A", "v\r\nX-Injected: 1"}, {"Bad Name", "v"}, {"", "v"},
	} {
		req, _ := NewRequest(http.MethodGet, url, nil, f)
		_, err := c.Do(t.Context(), req)
		wantError(t, err, flowevent.ReasonInvalidConfig)
	}
	if n := target.acceptedBeforeProbe(t); n != 0 {
		t.Errorf("%d connections opened for refused requests", n)
	}
}

// TestIdleConnectionsBounded: connections are pooled per origin up to
// MaxIdleConnsPerHost and in all up to MaxIdleConns, the oldest closed
// first.
func TestIdleConnectionsBounded(t *testing.T) {
	var recvs []*rawReceiver
	for range 4 {
		recvs = append(recvs, newRawReceiver(t, ok200))
	}
	cfg := loopback()
	cfg.MaxIdleConns, cfg.MaxIdleConnsPerHost = 3, 2
	c := newClient(t, cfg)
	// Three requests at once to one origin: three connections, two kept.
	var wg sync.WaitGroup
	hold := make(chan struct{})
	slow := newRawReceiver(t, func(n int, c net.Conn, _ string) {
		<-hold
		ok200(n, c, "")
	})
	for range 3 {
		wg.Go(func() {
			if _, err := get(t, c, slow.url("/"), 5*time.Second); err != nil {
				t.Error(err)
			}
		})
	}
	poll.Until(t, 5*time.Second, "the three are connected", func() bool { return slow.conns.Load() >= 3 })
	close(hold)
	wg.Wait()
	if n := c.pool.idle(); n != 2 {
		t.Errorf("%d idle connections to one origin, want 2 (per-origin cap)", n)
	}
	for _, r := range recvs {
		if _, err := get(t, c, r.url("/"), 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.pool.idle(); n != 3 {
		t.Errorf("%d idle connections, want 3 (cap in all)", n)
	}
	// The newest three are kept: the last three receivers' connections,
	// reused here newest first (so that none is evicted meanwhile).
	for i := len(recvs) - 1; i >= 0; i-- {
		r := recvs[i]
		if _, err := get(t, c, r.url("/"), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if want := int64(1 + btoi(i == 0)); r.conns.Load() != want {
			t.Errorf("receiver %d: %d connections, want %d", i, r.conns.Load(), want)
		}
	}
	c.Close()
	if n := c.pool.idle(); n != 0 {
		t.Errorf("%d idle connections after Close", n)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestIdleTimeout: an idle connection is closed after IdleConnTimeout, by
// the pool's timer, and the next request dials.
func TestIdleTimeout(t *testing.T) {
	recv := newRawReceiver(t, ok200)
	cfg := loopback()
	cfg.IdleConnTimeout = 50 * time.Millisecond
	c := newClient(t, cfg)
	if _, err := get(t, c, recv.url("/"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 5*time.Second, "the idle connection expires", func() bool { return c.pool.idle() == 0 })
	if _, err := get(t, c, recv.url("/"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := recv.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestCanceled: a request whose context is canceled while the endpoint
// takes its time ends at once, as connection_error "request canceled".
func TestCanceled(t *testing.T) {
	release := make(chan struct{})
	recv := newRawReceiver(t, func(n int, c net.Conn, _ string) { <-release })
	defer close(release)
	c := newClient(t, loopback())
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	req, _ := NewRequest(http.MethodGet, recv.url("/?q="+secretQuery), nil)
	start := time.Now()
	_, err := c.Do(ctx, req)
	e := wantError(t, err, flowevent.ReasonConnectionError)
	if e.Detail != "request canceled" {
		t.Errorf("detail %q", e.Detail)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("canceled request took %v", d)
	}
}

// TestDNSFailureDetail (issue 12, finding 8): a name that does not resolve
// ends in "host not found", never naming the resolver's address.
func TestDNSFailureDetail(t *testing.T) {
	dns := newFakeDNS()
	var server atomic.Value
	res := dns.resolver()
	dial := res.Dial
	res.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		server.Store(address)
		return dial(ctx, network, address)
	}
	c := newClient(t, Config{Resolver: res})
	_, err := get(t, c, "http://missing.flowhook.test/?q="+secretQuery, 5*time.Second)
	e := wantError(t, err, flowevent.ReasonConnectionError)
	if e.Detail != "host not found" {
		t.Errorf("detail %q, want %q", e.Detail, "host not found")
	}
	addr, _ := server.Load().(string)
	host, _, _ := net.SplitHostPort(addr)
	if addr == "" || strings.Contains(e.Error(), host) {
		t.Errorf("resolver %q: error %q names it (or no lookup was made)", addr, e.Error())
	}
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Errorf("the *net.DNSError is not kept for errors.As: %v", e.Err)
	}
}

// TestErrTextHidesInfrastructure: errors of the network name what failed,
// never a resolver, a local address or a peer address.
func TestErrTextHidesInfrastructure(t *testing.T) {
	local := &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 40312}
	remote := &net.TCPAddr{IP: net.ParseIP("10.9.9.9"), Port: 443}
	tests := []struct {
		err  error
		want string
	}{
		{&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x.example", Server: "10.0.0.2:53", IsNotFound: true}}, "host not found"},
		{&net.DNSError{Err: "i/o timeout", Name: "x.example", Server: "10.0.0.2:53", IsTimeout: true}, "DNS lookup timed out"},
		{&net.DNSError{Err: "server misbehaving", Name: "x.example", Server: "10.0.0.2:53"}, "DNS lookup failed"},
		{&net.OpError{Op: "read", Net: "tcp", Source: local, Addr: remote, Err: errors.New("connection reset by peer")}, "read: connection reset by peer"},
		{fmt.Errorf("writing: %w", &net.OpError{Op: "write", Net: "tcp", Source: local, Addr: remote, Err: io.ErrClosedPipe}), "write: io: read/write on closed pipe"},
	}
	for _, tt := range tests {
		reason, detail := classify(t.Context(), tt.err)
		if detail != tt.want {
			t.Errorf("%v: detail %q (%s), want %q", tt.err, detail, reason, tt.want)
		}
		for _, a := range []string{"10.0.0.2", "10.1.2.3", "10.9.9.9"} {
			if strings.Contains(detail, a) {
				t.Errorf("detail %q names %s", detail, a)
			}
		}
	}
}

// TestGzipDecodedHeaders: a gzip body is decoded and the encoding's
// headers are dropped, as net/http does.
func TestGzipDecodedHeaders(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, "decoded")
	zw.Close()
	recv := newRawReceiver(t, func(n int, c net.Conn, _ string) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\nX-Other: 1\r\n\r\n", gz.Len())
		c.Write(gz.Bytes())
	})
	resp, err := get(t, newClient(t, loopback()), recv.url("/"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "decoded" || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Content-Length") != "" || resp.Header.Get("X-Other") != "1" {
		t.Errorf("body %q, header %v", resp.Body, resp.Header)
	}
}

// TestAppendRequestURI: the request target written is url.URL's
// RequestURI, byte for byte.
func TestAppendRequestURI(t *testing.T) {
	for _, raw := range []string{
		"http://h", "http://h/", "http://h/a/../b//c", "http://h/%2e%2E/d%2Fe?x=%2F&y=a+b",
		"http://h/a b", "http://h/ü?q=ü", "http://h/p?", "http://h?x=1", "http://h/%zz?x=%zz",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if got := string(appendRequestURI(nil, u)); got != u.RequestURI() {
			t.Errorf("%s: %q, want %q", raw, got, u.RequestURI())
		}
	}
}

// TestEmptyUserAgentSuppresses: a User-Agent field with an empty value
// sends no User-Agent at all (the configured one included).
func TestEmptyUserAgentSuppresses(t *testing.T) {
	recv := newRawReceiver(t, ok200)
	req, _ := NewRequest(http.MethodGet, recv.url("/"), nil, Field{"User-Agent", ""})
	if _, err := newClient(t, loopback()).Do(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if h := recv.requests()[0]; strings.Contains(strings.ToLower(h), "user-agent") {
		t.Errorf("request head %q carries a User-Agent", h)
	}
}
