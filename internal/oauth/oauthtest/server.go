// Package oauthtest is an OAuth 2.0 token endpoint for tests: it issues
// client-credentials tokens that expire, counts its fetches, and tells
// which token it issued to which client, so that a receiver can check a
// Bearer token the way a resource server would.
package oauthtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Server is a token endpoint.
type Server struct {
	*httptest.Server
	// Clients are the client ids and their secrets it accepts.
	Clients map[string]string
	// ExpiresIn is the lifetime it gives tokens (seconds; 0: no
	// expires_in).
	ExpiresIn int
	// Fail, when set, is the status it answers every request with.
	Fail atomic.Int64
	// Delay is how long it takes to answer.
	Delay time.Duration
	// TokenPrefix starts every token issued (default "tok-").
	TokenPrefix string

	fetches atomic.Int64
	mu      sync.Mutex
	issued  map[string]Grant // token -> what it was issued for
	last    Grant
}

// Grant is what one token was issued for.
type Grant struct {
	ClientID, Scope, Audience string
	// InBody reports client credentials sent as form fields rather than
	// with HTTP Basic.
	InBody bool
	N      int64 // the fetch's number, from 1
}

// NewServer starts a token endpoint accepting clients.
func NewServer(t testing.TB, clients map[string]string, expiresIn int) *Server {
	s := &Server{Clients: clients, ExpiresIn: expiresIn, issued: map[string]Grant{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.token))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	n := s.fetches.Add(1)
	if s.Delay > 0 {
		time.Sleep(s.Delay)
	}
	if code := s.Fail.Load(); code != 0 {
		w.WriteHeader(int(code))
		return
	}
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials" {
		writeError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic { // RFC 6749 section 2.3.1: form-encoded, then Basic
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if want, ok := s.Clients[id]; !ok || want != secret {
		writeError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	g := Grant{ClientID: id, Scope: r.PostForm.Get("scope"), Audience: r.PostForm.Get("audience"), InBody: !basic, N: n}
	prefix := s.TokenPrefix
	if prefix == "" {
		prefix = "tok-"
	}
	tok := fmt.Sprintf("%s%s-%d", prefix, id, n)
	s.mu.Lock()
	s.issued[tok], s.last = g, g
	s.mu.Unlock()
	body := map[string]any{"access_token": tok, "token_type": "bearer"}
	if s.ExpiresIn > 0 {
		body["expires_in"] = s.ExpiresIn
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%q,"error_description":"see the documentation"}`, code)
}

// Fetches is how many token requests it got.
func (s *Server) Fetches() int64 { return s.fetches.Load() }

// Last is the grant of the last token issued.
func (s *Server) Last() Grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Check reports the grant of the Bearer token in an Authorization header,
// as a resource server would.
func (s *Server) Check(authorization string) (Grant, bool) {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return Grant{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.issued[tok]
	return g, ok
}

// Revoke forgets every token issued so far, as a token endpoint does when
// its signing key rotates: receivers checking with Check refuse them.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued = map[string]Grant{}
}
