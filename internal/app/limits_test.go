package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/endpointlimit"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestEndpointLimitDefault checks that the service applies its per-origin
// default cap: a slow endpoint never has more requests in flight than it.
func TestEndpointLimitDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	var inflight, peak atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := inflight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(100 * time.Millisecond)
		inflight.Add(-1)
	}))
	defer slow.Close()
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.AdminAddr = ""
	cfg.EndpointLimits = endpointlimit.Limits{MaxConcurrency: 2}
	startApp(t, cfg)
	const events = 10
	for i := range events {
		publishRequest(t, js, fmt.Sprintf("slow-%02d", i), "n", node(slow.URL, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteNo))
	}
	outs := waitStoredOutcomes(t, js, events, 30*time.Second)
	for id, o := range outs {
		if len(o) != 1 || o[0].Route != flowevent.RouteYes {
			t.Fatalf("%s: %+v", id, o)
		}
	}
	if p := peak.Load(); p != 2 {
		t.Fatalf("peak %d requests in flight, want the cap of 2 reached and held", p)
	}
}

func TestNegativeEndpointLimitsRejected(t *testing.T) {
	for _, l := range []endpointlimit.Limits{{MaxConcurrency: -1}, {RatePerSecond: -0.5}} {
		cfg := app.Config{DataDir: t.TempDir(), EndpointLimits: l}
		if err := cfg.Validate(); err == nil {
			t.Errorf("limits %+v accepted", l)
		}
	}
}
