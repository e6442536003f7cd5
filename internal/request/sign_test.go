package request

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/signature"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// signingKey is the Standard Webhooks reference libraries' test key (see
// internal/signature).
const signingKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func signed(n flowevent.NodeConfig, secret string) flowevent.NodeConfig {
	n.Signing = &flowevent.Signing{Scheme: flowevent.SigningStandardWebhooks, Secret: secret}
	return n
}

func TestBuildSigned(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	b := NewBuilder(secretMap{"hook": signingKey}, "ua", WithClock(func() time.Time { return at }))
	key, _ := signature.ParseKey(signingKey)
	attrs := map[string]any{"email": "jane@example.com"}
	tests := []struct {
		name string
		node flowevent.NodeConfig
		body string
	}{
		{"query mode signs an empty body", signed(node("GET", "https://h/p?x=1", profile("email", "email")), "hook"), ""},
		{"json body", signed(bodyNode("POST", flowevent.BodyJSON, "https://h/p", profile("email", "email")), "hook"), `{"email":"jane@example.com"}`},
		{"form body", signed(bodyNode("PATCH", flowevent.BodyForm, "https://h/p", profile("email", "email")), "hook"), "email=jane%40example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hr, _ := mustBuild(t, b, event(tt.node, attrs, nil), Options{})
			body := readBody(t, hr)
			if body != tt.body {
				t.Fatalf("body %q, want %q", body, tt.body)
			}
			id := flowevent.IdempotencyKey("acme", "req-1")
			if hr.Header.Get("webhook-id") != id {
				t.Fatalf("webhook-id = %q, want the idempotency key", hr.Header.Get("webhook-id"))
			}
			if ts := hr.Header.Get("webhook-timestamp"); ts != "1700000000" {
				t.Fatalf("webhook-timestamp = %q, want the clock's", ts)
			}
			want := key.Sign(id, at, []byte(tt.body))
			if got := hr.Header.Get("webhook-signature"); got != want {
				t.Fatalf("webhook-signature = %q, want %q", got, want)
			}
			if err := key.Verify(hr.Header, []byte(body), at.Add(time.Minute), 0); err != nil {
				t.Fatalf("receiver-side Verify: %v", err)
			}
		})
	}
}

// TestBuildSignedAttempts: every build (every attempt) is signed afresh at
// its own time; the id stays.
func TestBuildSignedAttempts(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := NewBuilder(secretMap{"hook": signingKey}, "ua", WithClock(func() time.Time { return now }))
	req := event(signed(bodyNode("POST", flowevent.BodyJSON, "https://h/", static("a", "1")), "hook"), nil, nil)
	first, _ := mustBuild(t, b, req, Options{})
	now = now.Add(90 * time.Second)
	second, _ := mustBuild(t, b, req, Options{})
	if first.Header.Get("webhook-id") != second.Header.Get("webhook-id") {
		t.Fatal("webhook-id changed between attempts")
	}
	if first.Header.Get("webhook-timestamp") == second.Header.Get("webhook-timestamp") ||
		first.Header.Get("webhook-signature") == second.Header.Get("webhook-signature") {
		t.Fatal("second attempt reuses the first one's timestamp or signature")
	}
	if got, _ := strconv.ParseInt(second.Header.Get("webhook-timestamp"), 10, 64); got != now.Unix() {
		t.Fatalf("second timestamp %d, want %d", got, now.Unix())
	}
}

func TestBuildSignedErrors(t *testing.T) {
	b := NewBuilder(secretMap{"plain": "not-a-whsec-key!", "empty": "whsec_"}, "ua")
	n := bodyNode("POST", flowevent.BodyJSON, "https://h/", static("a", "1"))
	tests := []struct {
		name   string
		node   flowevent.NodeConfig
		reason flowevent.Reason
		detail string
	}{
		{"missing secret", signed(n, "nope"), flowevent.ReasonSecretMissing, `secret "nope" for signing not found`},
		{"not a key", signed(n, "plain"), flowevent.ReasonInvalidConfig, `signing secret "plain" is not a whsec_ base64 key`},
		{"empty key", signed(n, "empty"), flowevent.ReasonInvalidConfig, `signing secret "empty" is not a whsec_ base64 key`},
		{"unknown scheme", func() flowevent.NodeConfig {
			m := signed(n, "plain")
			m.Signing.Scheme = "hmac-sha1"
			return m
		}(), flowevent.ReasonInvalidConfig, "signing scheme must be standard-webhooks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := b.Build(context.Background(), "r", event(tt.node, nil, nil), Options{})
			var e *Error
			if !errors.As(err, &e) || e.Reason != tt.reason || e.Detail != tt.detail {
				t.Fatalf("err = %v, want %s: %s", err, tt.reason, tt.detail)
			}
			if strings.Contains(err.Error(), "not-a-whsec-key") {
				t.Fatalf("error %q quotes the secret", err)
			}
		})
	}
}

// TestBuildSignedOnTheWire: a real receiver verifies the signature over
// the body exactly as it arrived.
func TestBuildSignedOnTheWire(t *testing.T) {
	key, _ := signature.ParseKey(signingKey)
	verdict := make(chan error, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		verdict <- key.Verify(r.Header, body, time.Now(), 0)
	})
	b := NewBuilder(secretMap{"hook": signingKey}, "ua")
	for _, n := range []flowevent.NodeConfig{
		signed(bodyNode("POST", flowevent.BodyJSON, srv.URL+"/j?x=1", profile("customer.email", "email"), static("s", "<&>")), "hook"),
		signed(bodyNode("PUT", flowevent.BodyForm, srv.URL+"/f", profile("email", "email")), "hook"),
		signed(node("DELETE", srv.URL+"/q", profile("email", "email")), "hook"),
	} {
		hr, _ := mustBuild(t, b, event(n, map[string]any{"email": "jane@example.com"}, nil), Options{})
		resp, err := srv.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := <-verdict; err != nil {
			t.Errorf("%s %s: receiver says %v", n.Method, n.Body, err)
		}
	}
}
