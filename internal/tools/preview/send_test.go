package preview

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// receiver records what arrives and answers by path.
type receiver struct {
	mu       sync.Mutex
	rawQuery string
	header   http.Header
	count    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	rc.rawQuery, rc.header = r.URL.RawQuery, r.Header.Clone()
	rc.count++
	rc.mu.Unlock()
	switch r.URL.Path {
	case "/created":
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"lead-1"}`))
	case "/accepted":
		_, _ = w.Write([]byte(`{"status":"queued"}`))
	default:
		w.Header().Set("Set-Cookie", "sid=abc")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("boom\x1b[2J"))
	}
}

func newClient(t *testing.T, allowLoopback bool) *egress.Client {
	t.Helper()
	cfg := egress.Config{}
	if allowLoopback {
		cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	c, err := egress.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestSend(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	secrets := fakeSecrets{"crm_token": "tok-1", "crm.api-key": "k3y"}
	tests := []struct {
		name       string
		path       string
		check      flowevent.ResponseCheck
		allow      bool
		secrets    fakeSecrets
		wantRoute  flowevent.Route
		wantReason flowevent.Reason
		wantStatus int
		sent       bool
	}{
		{"matched", "/created", flowevent.ResponseCheck{Kind: "status", Status: 201}, true, secrets, "yes", flowevent.ReasonMatched, 201, true},
		{"200 is not 201", "/accepted", flowevent.ResponseCheck{Kind: "status", Status: 201}, true, secrets, "no", flowevent.ReasonStatusMismatch, 200, true},
		{"body contains", "/accepted", flowevent.ResponseCheck{Kind: "body_contains", Contains: "queued"}, true, secrets, "yes", flowevent.ReasonMatched, 200, true},
		{"server error", "/fail", flowevent.ResponseCheck{Kind: "status", Status: 201}, true, secrets, "no", flowevent.ReasonStatusMismatch, 500, true},
		{"loopback blocked by the guard", "/created", flowevent.ResponseCheck{Kind: "status", Status: 201}, false, secrets, "no", flowevent.ReasonBlockedDestination, 0, false},
		{"secret missing", "/created", flowevent.ResponseCheck{Kind: "status", Status: 201}, true, fakeSecrets{"crm_token": "x"}, "no", flowevent.ReasonSecretMissing, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sample()
			s.Event.ID = "try-" + tt.name
			s.Request.Node.URL = srv.URL + tt.path + "?source=flows"
			s.Request.Node.Response = tt.check
			before := rc.count
			deps := SendDeps{Secrets: tt.secrets, UserAgent: "flowhook/1", Sender: newClient(t, tt.allow),
				Breakers: breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop())}
			got, err := Send(context.Background(), s, deps)
			if err != nil {
				t.Fatal(err)
			}
			o := got.Outcome
			if o.Route != tt.wantRoute || o.Reason != tt.wantReason || o.Status != tt.wantStatus || o.RequestID != s.Event.ID {
				t.Fatalf("outcome %+v, want %s/%s/%d", o, tt.wantRoute, tt.wantReason, tt.wantStatus)
			}
			if sent := rc.count > before; sent != tt.sent || (got.Response != nil) != tt.sent {
				t.Fatalf("sent %v response %v, want %v", sent, got.Response != nil, tt.sent)
			}
			if tt.sent {
				checkSentAsRendered(t, s, rc, tt.secrets)
			}
			var text strings.Builder
			if err := got.WriteText(&text, 1024); err != nil {
				t.Fatal(err)
			}
			out := text.String()
			if !strings.Contains(out, "Route:  "+string(tt.wantRoute)) || !strings.Contains(out, string(tt.wantReason)) {
				t.Errorf("text lacks route/reason:\n%s", out)
			}
			if strings.Contains(out, "\x1b") || strings.Contains(out, "sid=abc") {
				t.Errorf("text holds a control character or a cookie:\n%q", out)
			}
		})
	}
}

// checkSentAsRendered compares what the receiver got with what Render
// shows for the same sample, the secrets put back in.
func checkSentAsRendered(t *testing.T, s Sample, rc *receiver, secrets fakeSecrets) {
	t.Helper()
	r, err := Render(context.Background(), s, Options{UserAgent: "flowhook/1"})
	if err != nil {
		t.Fatal(err)
	}
	_, renderedQuery, _ := strings.Cut(r.URL, "?")
	renderedQuery = strings.Replace(renderedQuery, "key="+Mask, "key="+secrets["crm.api-key"], 1)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.rawQuery != renderedQuery {
		t.Errorf("query sent\n%s\nrendered\n%s", rc.rawQuery, renderedQuery)
	}
	for _, h := range r.Headers {
		want := strings.Replace(h.Value, Mask, secrets[h.Secret], 1)
		if got := rc.header.Get(h.Name); got != want {
			t.Errorf("header %s sent %q, rendered %q", h.Name, got, want)
		}
	}
	for _, h := range r.TransportHeaders {
		if h.Name != "Host" && rc.header.Get(h.Name) != h.Value {
			t.Errorf("transport header %s sent %q, rendered %q", h.Name, rc.header.Get(h.Name), h.Value)
		}
	}
}

// TestSendShowsCaptured checks that values captured from a matched
// response are shown, and why a field was not captured.
func TestSendShowsCaptured(t *testing.T) {
	srv := httptest.NewServer(&receiver{})
	defer srv.Close()
	s := sample()
	s.Event.ID = "try-capture"
	s.Request.Node.URL = srv.URL + "/created"
	s.Request.Node.Capture = []flowevent.CaptureField{{Name: "lead_id", Pointer: "/id"}, {Name: "owner", Pointer: "/owner"}}
	sent, err := Send(context.Background(), s, SendDeps{
		Secrets: fakeSecrets{"crm_token": "t", "crm.api-key": "k"}, Sender: newClient(t, true),
		Breakers: breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop()),
	})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := sent.WriteText(&text, 100); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Captured into the outcome:\n  lead_id = \"lead-1\"\n  owner: not captured (absent)", "Route:  yes"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, text.String())
		}
	}
}
