package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/nodestats"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// get fetches an admin path and returns the status and body.
func get(t *testing.T, a *app.App, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + a.AdminAddr() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOperations runs events through the service and reads them back from
// every operator surface: /metrics, /v1/stats, /v1/stats/worst, /readyz.
func TestOperations(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	t.Cleanup(app.SetConsumerPollEvery(100 * time.Millisecond))
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.AdminAddr = "127.0.0.1:0"
	a := startApp(t, cfg)
	ok := newReceiver(t, 200, "ok")
	gone := newReceiver(t, 404, "no such list") // a 4xx does not trip the breaker

	check := flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}
	for i := range 20 {
		publishRequest(t, js, fmt.Sprintf("ops-ok-%d", i), "ok", node(ok.URL, check, flowevent.RouteNo))
	}
	for i := range 10 {
		publishRequest(t, js, fmt.Sprintf("ops-gone-%d", i), "gone", node(gone.URL, check, flowevent.RouteNo))
	}
	waitStoredOutcomes(t, js, 30, 30*time.Second)

	status, body := get(t, a, "/metrics")
	if status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
	for _, line := range []string{
		`flowhook_outcomes_total{reason="matched",route="yes"} 20`,
		`flowhook_outcomes_total{reason="status_mismatch",route="no"} 10`,
		`flowhook_events_consumed_total 30`,
		`flowhook_request_duration_seconds_count{route="yes"} 20`,
		`flowhook_dispatcher_consuming 1`,
		`flowhook_nats_connected 1`,
		`flowhook_breakers{state="closed"} 2`,
		`flowhook_nodestats_leader 1`,
		`flowhook_events_in_flight 0`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	for _, label := range []string{"acme", "flow-1", "127.0.0.1"} {
		if strings.Contains(body, `"`+label+`"`) {
			t.Errorf("/metrics has a label value %q: accounts, flows and endpoints must not be labels", label)
		}
	}

	// /v1/breakers: documented JSON, one breaker per account and origin.
	status, body = get(t, a, "/v1/breakers?account=acme")
	var brk struct {
		Breakers []map[string]any `json:"breakers"`
	}
	if err := json.Unmarshal([]byte(body), &brk); status != 200 || err != nil || len(brk.Breakers) != 2 {
		t.Fatalf("/v1/breakers: %d %v %s", status, err, body)
	}
	for _, b := range brk.Breakers {
		if b["account"] != "acme" || b["state"] != "closed" || b["open_until"] != nil || !strings.HasPrefix(b["origin"].(string), "http://127.0.0.1:") {
			t.Errorf("/v1/breakers entry %v", b)
		}
		if b["requests"] == nil || b["consecutive_failures"] == nil {
			t.Errorf("/v1/breakers entry %v lacks its counts", b)
		}
	}
	if _, body := get(t, a, "/v1/breakers?account=other"); strings.TrimSpace(body) != `{"breakers":[]}` {
		t.Errorf("/v1/breakers of another account: %s", body)
	}
	if status, _ := get(t, a, "/v1/breakers?state=ajar"); status != 400 {
		t.Errorf("/v1/breakers?state=ajar: %d, want 400", status)
	}

	var v nodestats.View
	poll.Until(t, 15*time.Second, "node stats count the gone node", func() bool {
		status, body := get(t, a, "/v1/stats?account=acme&flow=flow-1&node=gone")
		return status == 200 && json.Unmarshal([]byte(body), &v) == nil && v.Total == 10
	})
	if v.Errors != 10 || v.Routes[flowevent.RouteNo] != 10 || v.LastError == nil || v.LastError.Status != 404 || !v.Spike {
		t.Errorf("gone node's stats: %+v", v)
	}
	var worst nodestats.Report
	poll.Until(t, 15*time.Second, "both nodes counted", func() bool {
		status, body := get(t, a, "/v1/stats/worst?account=acme")
		return status == 200 && json.Unmarshal([]byte(body), &worst) == nil && worst.Total.Total == 30
	})
	if len(worst.Nodes) != 2 || worst.Nodes[0].NodeID != "gone" || worst.Nodes[1].Reasons[flowevent.ReasonMatched] != 20 {
		t.Errorf("worst nodes: %+v", worst.Nodes)
	}
	// The same, as the admin port's page for people.
	if status, body := get(t, a, "/stats/?account=acme"); status != 200 || !strings.Contains(body, `<table id="worst">`) || !strings.Contains(body, ">gone</a>") {
		t.Errorf("/stats/?account=acme = %d:\n%s", status, body)
	}

	if status, body := get(t, a, "/readyz"); status != 200 {
		t.Fatalf("/readyz = %d %s while running", status, body)
	}
	if err := js.DeleteConsumer(context.Background(), bus.DefaultRequestStream, bus.DefaultConsumer+"-p0"); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 5*time.Second, "/readyz notices the consumer is gone", func() bool {
		status, body := get(t, a, "/readyz")
		return status == 503 && strings.Contains(body, "consumer not found")
	})
}

// TestReadyzWhileDraining: once shutdown begins, /readyz answers 503 while
// in-flight work finishes, and /healthz still answers 200.
func TestReadyzWhileDraining(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.AdminAddr = "127.0.0.1:0"
	cfg.NodeStatsDisabled = true
	release := make(chan struct{})
	hit := make(chan struct{}, 1)
	slowSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hit <- struct{}{}
		<-release
		w.WriteHeader(200)
	}))
	defer slowSrv.Close()
	slow := slowSrv.URL

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.Start(ctx, cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 5*time.Second, "ready", func() bool { s, _ := get(t, a, "/readyz"); return s == 200 })
	publishRequest(t, js, "drain-1", "slow", node(slow, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteNo))
	<-hit
	cancel()
	poll.Until(t, 5*time.Second, "/readyz reports draining", func() bool {
		s, body := get(t, a, "/readyz")
		return s == 503 && strings.Contains(body, "draining")
	})
	if s, _ := get(t, a, "/healthz"); s != 200 {
		t.Errorf("/healthz = %d while draining, want 200", s)
	}
	close(release)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	outs := readAll(t, js, bus.DefaultOutcomeStream, func(m jetstream.Msg) (string, string) { return m.Subject(), "" })
	if len(outs) != 1 {
		t.Errorf("%d outcomes after draining, want the in-flight event's 1", len(outs))
	}
}
