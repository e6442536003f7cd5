package oauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/oauth/oauthtest"
	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// secretMap holds secrets by account and name.
type secretMap map[string]map[string]string

func (m secretMap) Secret(account, name string) (string, bool) {
	v, ok := m[account][name]
	return v, ok
}

func egressClient(t *testing.T) *egress.Client {
	c, err := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func auth(url string) *flowevent.Auth {
	return &flowevent.Auth{Kind: flowevent.AuthOAuth2, TokenURL: url + "/oauth2/token?tenant=t1", ClientID: "acme-app",
		Secret: "crm_client_secret", Scopes: []string{"leads.write", "contacts.read"}, Audience: "https://api.crm.example"}
}

// TestOneFetchPerExpiry: 64 workers needing a token at once cause one
// fetch; they share it until shortly before it expires, then 64 more
// cause one more.
func TestOneFetchPerExpiry(t *testing.T) {
	srv := oauthtest.NewServer(t, map[string]string{"acme-app": "s3cr3t"}, 300)
	srv.Delay = 50 * time.Millisecond // everyone arrives during the fetch
	clk := fakeclock.New()
	tokens := New(egressClient(t), secretMap{"acme": {"crm_client_secret": "s3cr3t"}}, Config{Now: clk.Now})
	a := auth(srv.URL)
	round := func() map[string]int {
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			got = map[string]int{}
		)
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, err := tokens.Token(t.Context(), "acme", a)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				got[tok]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		return got
	}
	first := round()
	if srv.Fetches() != 1 || len(first) != 1 {
		t.Fatalf("first round: %d fetches, tokens %v; want 1 fetch, one token", srv.Fetches(), first)
	}
	g := srv.Last()
	if g.Scope != "contacts.read leads.write" && g.Scope != "leads.write contacts.read" || g.Audience != "https://api.crm.example" || g.InBody {
		t.Errorf("grant %+v", g)
	}
	clk.Advance(4 * time.Minute) // 300 s token: still valid
	if round(); srv.Fetches() != 1 {
		t.Fatalf("%d fetches while the token is valid", srv.Fetches())
	}
	clk.Advance(40 * time.Second) // within 30 s of expiry: fetched again
	second := round()
	if srv.Fetches() != 2 || len(second) != 1 {
		t.Fatalf("after expiry: %d fetches, tokens %v; want 2 fetches", srv.Fetches(), second)
	}
	for tok := range second {
		if _, seen := first[tok]; seen {
			t.Error("the expired token is still used")
		}
	}
}

// TestRefreshAfter401: a refused token is replaced by one fetch; a worker
// refreshing the same stale token later gets the new one without a
// fetch.
func TestRefreshAfter401(t *testing.T) {
	srv := oauthtest.NewServer(t, map[string]string{"acme-app": "s3cr3t"}, 3600)
	tokens := New(egressClient(t), secretMap{"acme": {"crm_client_secret": "s3cr3t"}}, Config{})
	a := auth(srv.URL)
	t1, err := tokens.Token(t.Context(), "acme", a)
	if err != nil {
		t.Fatal(err)
	}
	t2, err := tokens.Refresh(t.Context(), "acme", a, t1)
	if err != nil || t2 == t1 || srv.Fetches() != 2 {
		t.Fatalf("refresh: %q %v, %d fetches", t2, err, srv.Fetches())
	}
	t3, err := tokens.Refresh(t.Context(), "acme", a, t1)
	if err != nil || t3 != t2 || srv.Fetches() != 2 {
		t.Fatalf("second refresh of the same stale token: %q %v, %d fetches", t3, err, srv.Fetches())
	}
}

// TestAccountsNeverShareTokens: two accounts naming the same token URL and
// client id each fetch with their own secret; neither gets the other's
// token, and a wrong secret fails for its account alone.
func TestAccountsNeverShareTokens(t *testing.T) {
	srv := oauthtest.NewServer(t, map[string]string{"acme-app": "s3cr3t"}, 3600)
	secrets := secretMap{"acme": {"crm_client_secret": "s3cr3t"}, "evil": {"crm_client_secret": "guess"}}
	tokens := New(egressClient(t), secrets, Config{})
	a := auth(srv.URL)
	tok, err := tokens.Token(t.Context(), "acme", a)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tokens.Token(t.Context(), "evil", a)
	var fe *Error
	if !errors.As(err, &fe) || fe.Reason != flowevent.ReasonTokenFailed || fe.Status != 401 || fe.Retryable {
		t.Fatalf("evil's token: %v", err)
	}
	if strings.Contains(fe.Detail, tok) || strings.Contains(fe.Detail, "guess") || strings.Contains(fe.Detail, "tenant") ||
		fe.Detail != "token endpoint "+srv.URL+" answered 401 (invalid_client)" {
		t.Errorf("detail %q", fe.Detail)
	}
	_, err = tokens.Token(t.Context(), "nobody", a)
	if !errors.As(err, &fe) || fe.Reason != flowevent.ReasonSecretMissing {
		t.Errorf("account without the secret: %v", err)
	}
}

// TestFailureHeldThenSecretRotated: a refused client secret is not asked
// again for every call; a new secret value is tried at once.
func TestFailureHeldThenSecretRotated(t *testing.T) {
	srv := oauthtest.NewServer(t, map[string]string{"acme-app": "new-secret"}, 3600)
	secrets := secretMap{"acme": {"crm_client_secret": "old-secret"}}
	clk := fakeclock.New()
	tokens := New(egressClient(t), secrets, Config{Now: clk.Now})
	a := auth(srv.URL)
	for range 5 {
		if _, err := tokens.Token(t.Context(), "acme", a); err == nil {
			t.Fatal("old secret accepted")
		}
	}
	if srv.Fetches() != 1 {
		t.Fatalf("%d fetches for 5 calls within FailFor, want 1", srv.Fetches())
	}
	clk.Advance(3 * time.Second)
	if _, err := tokens.Token(t.Context(), "acme", a); err == nil || srv.Fetches() != 2 {
		t.Fatalf("after FailFor: %v, %d fetches", err, srv.Fetches())
	}
	secrets["acme"]["crm_client_secret"] = "new-secret"
	if _, err := tokens.Token(t.Context(), "acme", a); err != nil || srv.Fetches() != 3 {
		t.Fatalf("rotated secret: %v, %d fetches", err, srv.Fetches())
	}
}

func TestTokenEndpointFailures(t *testing.T) {
	srv := oauthtest.NewServer(t, map[string]string{"acme-app": "s3cr3t"}, 3600)
	srv.Fail.Store(503)
	secrets := secretMap{"acme": {"crm_client_secret": "s3cr3t"}}
	tokens := New(egressClient(t), secrets, Config{})
	var fe *Error
	_, err := tokens.Token(t.Context(), "acme", auth(srv.URL))
	if !errors.As(err, &fe) || fe.Status != 503 || !fe.Retryable || !strings.Contains(fe.Detail, "answered 503") {
		t.Errorf("503: %v", err)
	}
	// The guard applies to token fetches: a denied address is never
	// dialled.
	var hits atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("127.0.0.2: %v", err)
	}
	canary := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	canary.Listener = ln
	canary.Start()
	defer canary.Close()
	_, err = tokens.Token(t.Context(), "acme", auth(canary.URL))
	if !errors.As(err, &fe) || fe.Reason != flowevent.ReasonTokenFailed || !strings.Contains(fe.Detail, "blocked_destination") || hits.Load() != 0 {
		t.Errorf("denied token URL: %v, %d hits", err, hits.Load())
	}
	// A caller whose own deadline passes stops waiting.
	slow := oauthtest.NewServer(t, map[string]string{"acme-app": "s3cr3t"}, 3600)
	slow.Delay = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = tokens.Token(ctx, "acme", auth(slow.URL))
	if !errors.As(err, &fe) || !fe.Retryable || time.Since(start) > 250*time.Millisecond {
		t.Errorf("deadline: %v after %v", err, time.Since(start))
	}
}

func TestClientAuthBody(t *testing.T) {
	srv := oauthtest.NewServer(t, map[string]string{"app:1 é": "s&cr=t"}, 60)
	tokens := New(egressClient(t), secretMap{"acme": {"cs": "s&cr=t"}}, Config{})
	for _, style := range []flowevent.ClientAuth{"", flowevent.ClientAuthBody} {
		a := &flowevent.Auth{Kind: flowevent.AuthOAuth2, TokenURL: srv.URL + "/t", ClientID: "app:1 é", Secret: "cs", ClientAuth: style}
		if _, err := tokens.Token(t.Context(), "acme", a); err != nil {
			t.Fatalf("%q: %v", style, err)
		}
		if g := srv.Last(); g.InBody != (style == flowevent.ClientAuthBody) || g.ClientID != "app:1 é" {
			t.Errorf("%q: grant %+v", style, g)
		}
	}
	if n := srv.Fetches(); n != 2 {
		t.Errorf("%d fetches: client auth styles must not share a token", n)
	}
}
