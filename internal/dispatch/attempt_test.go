package dispatch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/endpointlimit"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestAttempt runs Attempt against a real receiver through the real
// builder, guarded client and breakers.
func TestAttempt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/created":
			w.WriteHeader(http.StatusCreated)
		case "/slow":
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	client, err := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	breakers := breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop())
	a, err := NewAttempter(AttemptConfig{}, AttemptDeps{Builder: request.NewBuilder(nil, "test"), Sender: client, Breakers: breakers})
	if err != nil {
		t.Fatal(err)
	}

	node := func(path string, onError flowevent.Route) flowevent.NodeConfig {
		return flowevent.NodeConfig{
			Method: "POST", URL: srv.URL + path, OnError: onError, TimeoutMS: 200,
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 201},
		}
	}
	tests := []struct {
		name       string
		node       flowevent.NodeConfig
		openFirst  bool
		wantRoute  flowevent.Route
		wantReason flowevent.Reason
		wantStatus int
	}{
		{"matched", node("/created", flowevent.RouteNo), false, flowevent.RouteYes, flowevent.ReasonMatched, 201},
		{"mismatch", node("/fail", flowevent.RouteExit), false, flowevent.RouteExit, flowevent.ReasonStatusMismatch, 500},
		{"timeout", node("/slow", flowevent.RouteNo), false, flowevent.RouteNo, flowevent.ReasonTimeout, 0},
		{"invalid config", flowevent.NodeConfig{Method: "GET", URL: "ftp://x", OnError: flowevent.RouteNo}, false, flowevent.RouteNo, flowevent.ReasonInvalidConfig, 0},
		{"breaker open", node("/created", flowevent.RouteNo), true, flowevent.RouteNo, flowevent.ReasonCircuitOpen, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.openFirst {
				breakers.ForceOpen(breakerKey(t, srv.URL), time.Now().Add(time.Minute))
			}
			req := flowevent.Request{Account: "acme", FlowID: "f", NodeID: "n", Node: tt.node, Profile: flowevent.Profile{ID: "p"}}
			ev := flowevent.Event{ID: "evt-" + tt.name}
			out, err := a.Attempt(context.Background(), ev, &req)
			if err != nil {
				t.Fatal(err)
			}
			if out.Route != tt.wantRoute || out.Reason != tt.wantReason || out.Status != tt.wantStatus {
				t.Errorf("outcome %s/%s/%d, want %s/%s/%d (detail %q)", out.Route, out.Reason, out.Status, tt.wantRoute, tt.wantReason, tt.wantStatus, out.Detail)
			}
			if out.RequestID != ev.ID || out.Account != "acme" || out.Success != (tt.wantReason == flowevent.ReasonMatched) {
				t.Errorf("outcome ids/success: %+v", out)
			}
		})
	}
}

// TestAttemptCanceled checks that an attempt cut short by its context
// still yields the node's error action.
func TestAttemptCanceled(t *testing.T) {
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	defer srv.Close()
	client, err := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	a, err := NewAttempter(AttemptConfig{}, AttemptDeps{Builder: request.NewBuilder(nil, "test"), Sender: client, Breakers: breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop())})
	if err != nil {
		t.Fatal(err)
	}
	req := flowevent.Request{Account: "acme", FlowID: "f", NodeID: "n", Profile: flowevent.Profile{ID: "p"}, Node: flowevent.NodeConfig{
		Method: "GET", URL: srv.URL, OnError: flowevent.RouteExit, Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	out, err := a.Attempt(ctx, flowevent.Event{ID: "e"}, &req)
	if err != nil || out.Route != flowevent.RouteExit || out.Reason != flowevent.ReasonConnectionError || out.Success {
		t.Errorf("outcome %+v", out)
	}
}

// breakerKey is the breaker key of account acme's calls to rawURL.
func breakerKey(t *testing.T, rawURL string) breaker.Key {
	t.Helper()
	_, target, err := request.NewBuilder(nil, "").Build(context.Background(), "x", &flowevent.Request{Node: flowevent.NodeConfig{Method: "GET", URL: rawURL}}, request.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return breaker.Key{Account: "acme", Origin: target.Origin}
}

// TestAttempterClock: the outcome's completed_at (in UTC) and duration
// come from the injected clock, not the system's.
func TestAttempterClock(t *testing.T) {
	start := time.Date(2031, 5, 6, 7, 8, 9, 0, time.FixedZone("UTC+2", 2*3600))
	var mu sync.Mutex
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		now = now.Add(1500 * time.Millisecond) // the call takes 1.5s, by the clock
		mu.Unlock()
	}))
	defer srv.Close()
	client, err := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	a, err := NewAttempter(AttemptConfig{}, AttemptDeps{Builder: request.NewBuilder(nil, "test"), Sender: client,
		Breakers: breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop()), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	req := flowevent.Request{Account: "acme", FlowID: "f", NodeID: "n", Profile: flowevent.Profile{ID: "p"}, Node: flowevent.NodeConfig{
		Method: "GET", URL: srv.URL, OnError: flowevent.RouteNo, Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
	}}
	out, err := a.Attempt(context.Background(), flowevent.Event{ID: "e"}, &req)
	if err != nil || !out.Success {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	if want := start.Add(1500 * time.Millisecond); !out.CompletedAt.Equal(want) || out.CompletedAt.Location() != time.UTC {
		t.Errorf("completed at %v, want %v in UTC", out.CompletedAt, want)
	}
	if out.DurationMS != 1500 {
		t.Errorf("duration %v ms, want 1500", out.DurationMS)
	}
}

// TestNewAttempterNamesWhatIsMissing: a missing dependency is refused by
// name, not found as a nil pointer on the first event.
func TestNewAttempterNamesWhatIsMissing(t *testing.T) {
	_, err := NewAttempter(AttemptConfig{}, AttemptDeps{Builder: request.NewBuilder(nil, "test"), Sender: noSender{}})
	if !errors.Is(err, ErrMissingDependency) || !strings.Contains(err.Error(), "Breakers") {
		t.Fatalf("error %v, want ErrMissingDependency naming Breakers", err)
	}
}

// TestAttemptAtTheLimit: an endpoint at its limit gets nothing, and
// Attempt says so (ErrThrottled) rather than returning a half-made outcome.
func TestAttemptAtTheLimit(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	client, err := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	limiter := endpointlimit.New(endpointlimit.Config{}, nil)
	a, err := NewAttempter(AttemptConfig{}, AttemptDeps{Builder: request.NewBuilder(nil, "test"), Sender: client,
		Breakers: breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop()), Limiter: limiter})
	if err != nil {
		t.Fatal(err)
	}
	node := flowevent.NodeConfig{Method: "GET", URL: srv.URL, OnError: flowevent.RouteNo, MaxConcurrency: 1,
		Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}}
	req := flowevent.Request{Account: "acme", FlowID: "f", NodeID: "n", Profile: flowevent.Profile{ID: "p"}, Node: node}
	if out, err := a.Attempt(context.Background(), flowevent.Event{ID: "free"}, &req); err != nil || !out.Success {
		t.Fatalf("with room: %+v, %v", out, err)
	}
	// Another request of the node holds its one slot.
	release, _, ok := limiter.Take(context.Background(), "acme", breakerKey(t, srv.URL).Origin, endpointlimit.Limits{MaxConcurrency: 1})
	if !ok {
		t.Fatal("the slot is taken already")
	}
	defer release()
	if _, err := a.Attempt(context.Background(), flowevent.Event{ID: "full"}, &req); !errors.Is(err, ErrThrottled) {
		t.Fatalf("at the limit: %v, want ErrThrottled", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the endpoint got %d requests, want 1 (none at the limit)", n)
	}
}
