package egress

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
)

// TestRedirectNeverResendsBodyToAnotherOrigin: a 307 keeps the method and
// body, so following it cross-origin would hand the body (personal data in
// json and form modes) to another host. The 307 is returned instead.
func TestRedirectNeverResendsBodyToAnotherOrigin(t *testing.T) {
	var got atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer other.Close()
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer first.Close()

	c, err := New(Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, FollowRedirects: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req, err := NewRequest(http.MethodPost, first.URL+"/hook", []byte(`{"email":"a@b.c"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(t.Context(), req)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusTemporaryRedirect {
		t.Errorf("status %d, want the 307 itself", resp.Status)
	}
	if n := got.Load(); n != 0 {
		t.Errorf("the other origin received %d requests, want 0", n)
	}
}
