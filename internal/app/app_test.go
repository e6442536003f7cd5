package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// receiver is a real HTTP endpoint that counts what it receives.
type receiver struct {
	*httptest.Server
	hits atomic.Int64
}

func newReceiver(t *testing.T, status int, body string) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r.hits.Add(1)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(r.Close)
	return r
}

func testConfig(url string) app.Config {
	return app.Config{
		NATS:     bus.ConnectOptions{URL: url},
		Topology: bus.Topology{AckWait: 10 * time.Second},
		Dispatch: dispatch.Config{Workers: 32},
		Egress:   egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		Breaker:  breaker.Settings{FailureThreshold: 5, OpenTimeout: 10 * time.Minute},
	}
}

func startApp(t *testing.T, cfg app.Config) *app.App {
	t.Helper()
	return startAppWithLog(t, cfg, zerolog.Nop())
}

func node(url string, check flowevent.ResponseCheck, onError flowevent.Route) flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method: flowevent.MethodGet,
		URL:    url + "/hook?static=1",
		Params: []flowevent.Param{
			{Name: "email", From: flowevent.FromProfile, Path: "email"},
			{Name: "link", From: flowevent.FromEvent, Path: "click.url"},
		},
		Response: check,
		OnError:  onError,
	}
}

func publishRequest(t *testing.T, js jetstream.JetStream, id, nodeID string, n flowevent.NodeConfig) {
	t.Helper()
	msg, err := flowevent.NewRequestMsg(id, flowevent.Request{
		Account: "acme", FlowID: "flow-1", NodeID: nodeID, Node: n,
		Profile: flowevent.Profile{ID: "p-" + id, Attributes: map[string]any{"email": id + "@example.com"}},
		Trigger: &flowevent.Trigger{Type: "click", Data: map[string]any{"click": map[string]any{"url": "https://x.test/a?b=c"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
}

func readAll[T any](t *testing.T, js jetstream.JetStream, stream string, decode func(jetstream.Msg) (string, T)) map[string][]T {
	t.Helper()
	out := map[string][]T{}
	for _, m := range readStream(t, js, stream) {
		k, v := decode(m)
		out[k] = append(out[k], v)
	}
	return out
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	nc, js := bustest.Connect(t, srv.ClientURL())
	a := startApp(t, testConfig(srv.ClientURL()))

	ok := newReceiver(t, 200, `{"status":"success"}`)
	created := newReceiver(t, 201, "created")
	body := newReceiver(t, 200, "result=success")
	failing := newReceiver(t, 503, "down")

	type want struct {
		route  flowevent.Route
		reason flowevent.Reason
	}
	endpoints := []struct {
		id    string
		node  flowevent.NodeConfig
		wants []want
	}{
		{"ok", node(ok.URL, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteNo),
			[]want{{flowevent.RouteYes, flowevent.ReasonMatched}}},
		{"created-expects-200", node(created.URL, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteNo),
			[]want{{flowevent.RouteNo, flowevent.ReasonStatusMismatch}}},
		{"body", node(body.URL, flowevent.ResponseCheck{Kind: flowevent.CheckBodyContains, Contains: "success"}, flowevent.RouteExit),
			[]want{{flowevent.RouteYes, flowevent.ReasonMatched}}},
		{"failing", node(failing.URL, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteExit),
			[]want{{flowevent.RouteExit, flowevent.ReasonStatusMismatch}, {flowevent.RouteExit, flowevent.ReasonCircuitOpen}}},
	}
	const perEndpoint = 300
	nodeOf := map[string]int{}
	for i := range perEndpoint {
		for e, ep := range endpoints {
			id := fmt.Sprintf("%s-%04d", ep.id, i)
			nodeOf[id] = e
			publishRequest(t, js, id, ep.id, ep.node)
		}
	}
	// Malformed inputs in the middle of the batch.
	bad := publishMalformed(t, nc)

	outs := waitStoredOutcomes(t, js, perEndpoint*len(endpoints)+bad.withOutcome, 90*time.Second)
	counts := map[int]map[want]int{}
	for id, e := range nodeOf {
		got := outs[id]
		if len(got) != 1 {
			t.Fatalf("request %s has %d outcomes, want exactly 1", id, len(got))
		}
		o := got[0]
		w := want{o.Route, o.Reason}
		if counts[e] == nil {
			counts[e] = map[want]int{}
		}
		counts[e][w]++
		allowed := false
		for _, aw := range endpoints[e].wants {
			allowed = allowed || aw == w
		}
		if !allowed {
			t.Fatalf("request %s: outcome %s/%s, want one of %v", id, o.Route, o.Reason, endpoints[e].wants)
		}
		if o.ProfileID != "p-"+id || o.Account != "acme" || o.NodeID != endpoints[e].id {
			t.Fatalf("request %s: outcome ids wrong: %+v", id, o)
		}
		if o.Endpoint == nil || o.Endpoint.Host != "127.0.0.1" {
			t.Fatalf("request %s: endpoint %+v", id, o.Endpoint)
		}
	}
	if got := len(outs); got != len(nodeOf)+bad.withOutcome {
		t.Errorf("%d distinct outcome ids stored, want %d", got, len(nodeOf)+bad.withOutcome)
	}
	t.Logf("outcomes per endpoint: %v", counts)
	if counts[3][want{flowevent.RouteExit, flowevent.ReasonCircuitOpen}] == 0 {
		t.Errorf("failing endpoint's breaker never opened: %v", counts[3])
	}
	if n := failing.hits.Load(); n >= perEndpoint/2 {
		t.Errorf("failing endpoint got %d requests; the open breaker should have spared it most of %d", n, perEndpoint)
	}
	for _, r := range []*receiver{ok, created, body} {
		if n := r.hits.Load(); n != perEndpoint {
			t.Errorf("healthy endpoint %s got %d requests, want %d", r.URL, n, perEndpoint)
		}
	}
	states := map[string]string{}
	for _, s := range a.Breakers().Snapshot() {
		states[s.Origin] = s.State.String()
	}
	for _, r := range []*receiver{ok, created, body} {
		if st := states[r.URL]; st != "closed" {
			t.Errorf("breaker of healthy %s is %q, want closed", r.URL, st)
		}
	}
	if st := states[failing.URL]; st != "open" {
		t.Errorf("breaker of failing endpoint is %q, want open", st)
	}
	bad.check(t, js, outs)
}
