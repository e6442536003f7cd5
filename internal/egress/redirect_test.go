package egress

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func redirectServer(t *testing.T, location string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRedirectNotFollowedByDefault(t *testing.T) {
	target := newCountingListener(t, "127.0.0.1:0")
	srv := redirectServer(t, fmt.Sprintf("http://127.0.0.1:%d/internal", target.port()))
	resp, err := get(t, newClient(t, loopback()), srv.URL, 5*time.Second)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusFound || resp.Header.Get("Location") == "" {
		t.Errorf("got %d %v, want the 302 itself", resp.Status, resp.Header)
	}
	if n := target.acceptedBeforeProbe(t); n != 0 {
		t.Errorf("redirect target was visited %d times", n)
	}
}

func TestRedirectToDeniedAddressBlocked(t *testing.T) {
	target := newCountingListener(t, "127.0.0.2:0")
	srv := redirectServer(t, fmt.Sprintf("http://127.0.0.2:%d/internal?q=%s", target.port(), secretQuery))
	cfg := Config{AllowCIDRs: pfx("127.0.0.1/32"), FollowRedirects: 5}
	_, err := get(t, newClient(t, cfg), srv.URL+"/"+secretPath+"?q="+secretQuery, 5*time.Second)
	wantError(t, err, flowevent.ReasonBlockedDestination)
	if n := target.acceptedBeforeProbe(t); n != 0 {
		t.Errorf("denied redirect target was visited %d times", n)
	}
}

// headerRecorder records the headers of every request it receives.
type headerRecorder struct {
	mu   sync.Mutex
	seen map[string]http.Header // by path
}

func (h *headerRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen[r.URL.Path] = r.Header.Clone()
	io.WriteString(w, "landed")
}

func (h *headerRecorder) get(path string) http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[path]
}

func TestRedirectHeaders(t *testing.T) {
	rec := &headerRecorder{seen: map[string]http.Header{}}
	other := httptest.NewUnstartedServer(rec)
	other.Listener.Close()
	ln := newListener(t, "127.0.0.2:0")
	other.Listener = ln
	other.Start()
	t.Cleanup(other.Close)

	mux := http.NewServeMux()
	mux.HandleFunc("/cross", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/landed-cross", http.StatusFound)
	})
	mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/landed-same", http.StatusFound)
	})
	mux.Handle("/landed-same", rec)
	origin := httptest.NewServer(mux)
	t.Cleanup(origin.Close)

	cfg := loopback()
	cfg.FollowRedirects = 3
	c := newClient(t, cfg)
	do := func(path string) {
		req, _ := NewRequest(http.MethodGet, origin.URL+path+"?q="+secretQuery, nil,
			Field{"Authorization", "Bearer token"}, Field{"X-Api-Key", "key"}, Field{"Cookie", "c=1"})
		resp, err := c.Do(t.Context(), req)
		if err != nil || string(resp.Body) != "landed" {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
	}
	do("/cross")
	do("/same")

	cross := rec.get("/landed-cross")
	for _, h := range []string{"Authorization", "X-Api-Key", "Cookie", "Referer"} {
		if v := cross.Get(h); v != "" {
			t.Errorf("cross-host redirect forwarded %s: %q", h, v)
		}
	}
	if cross.Get("User-Agent") != DefaultUserAgent {
		t.Errorf("cross-host redirect lost User-Agent: %v", cross)
	}
	same := rec.get("/landed-same")
	for _, h := range []string{"Authorization", "X-Api-Key"} {
		if same.Get(h) == "" {
			t.Errorf("same-origin redirect dropped %s", h)
		}
	}
}

func TestRedirectLimit(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	cfg := loopback()
	cfg.FollowRedirects = 2
	resp, err := get(t, newClient(t, cfg), srv.URL, 5*time.Second)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusFound || hits.Load() != 3 {
		t.Errorf("status %d after %d requests, want 302 after 3", resp.Status, hits.Load())
	}
}

func TestLeftOrigin(t *testing.T) {
	mk := func(urls ...string) []*hop {
		var rs []*hop
		for _, u := range urls {
			r, _ := NewRequest(http.MethodGet, u, nil)
			rs = append(rs, &hop{method: r.Method, url: r.URL})
		}
		return rs
	}
	tests := []struct {
		hops []string // via..., then the new request
		want bool
	}{
		{[]string{"https://a.example/x", "https://a.example/y"}, false},
		{[]string{"https://a.example/x", "https://A.EXAMPLE:443/y"}, false},
		{[]string{"http://a.example/x", "http://a.example:80/y"}, false},
		{[]string{"https://a.example/x", "http://a.example/y"}, true},
		{[]string{"https://a.example/x", "https://a.example:8443/y"}, true},
		{[]string{"https://a.example/x", "https://b.a.example/y"}, true},
		{[]string{"https://a.example/x", "https://b.example/y", "https://a.example/z"}, true},
	}
	for _, tt := range tests {
		rs := mk(tt.hops...)
		n := len(rs)
		if got := leftOrigin(rs[n-1].url, rs[n-2], rs[:n-2]); got != tt.want {
			t.Errorf("leftOrigin(%s) = %v, want %v", strings.Join(tt.hops, " -> "), got, tt.want)
		}
	}
}
