package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/fleetbreaker"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

func TestReplicaName(t *testing.T) {
	if got := (app.FleetConfig{Replica: "pod-7"}).ReplicaName(); got != "pod-7" {
		t.Fatalf("ReplicaName = %q", got)
	}
	got := (app.FleetConfig{}).ReplicaName()
	if !strings.HasSuffix(got, "-"+strconv.Itoa(os.Getpid())) || len(got) < 3 {
		t.Fatalf("default ReplicaName = %q, want <host>-<pid>", got)
	}
}

// TestFleetBreakerAcrossApps runs two services on one NATS server, one
// worker each, against a dead endpoint: with the fleet-wide breaker the
// endpoint gets about one threshold of requests, not two.
func TestFleetBreakerAcrossApps(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	const threshold = 5
	for _, name := range []string{"a", "b"} {
		cfg := testConfig(srv.ClientURL())
		cfg.AdminAddr = ""
		// One request in flight per replica: the endpoint's cap of 1 (a
		// replica needs a worker per lane, one partition and the lane of
		// events stored before partitioning, and one more).
		cfg.Topology.Partitions = 1
		cfg.Dispatch.Workers = 5
		cfg.EndpointLimits.MaxConcurrency = 1
		cfg.Breaker.FailureThreshold = threshold
		cfg.Fleet = app.FleetConfig{Enabled: true, Replica: name}
		startApp(t, cfg)
	}
	dead := newReceiver(t, 503, "down")
	const events = 60
	for i := range events {
		publishRequest(t, js, fmt.Sprintf("dead-%03d", i), "n", node(dead.URL, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteNo))
	}
	waitStoredOutcomes(t, js, events, 60*time.Second)
	// One worker per replica: at most one request of the other replica is
	// in flight when the threshold is reached.
	if n := dead.hits.Load(); n < threshold || n > threshold+2 {
		t.Fatalf("dead endpoint got %d requests from two replicas, want %d to %d", n, threshold, threshold+2)
	}
	kv, err := js.KeyValue(context.Background(), fleetbreaker.DefaultBucket)
	if err != nil {
		t.Fatalf("fleet bucket: %v", err)
	}
	if e, err := kv.Get(context.Background(), fleetbreaker.BucketKey(breaker.Key{Account: "acme", Origin: dead.URL})); err != nil || !strings.Contains(string(e.Value()), `"state":"open"`) {
		t.Fatalf("fleet record of the dead endpoint: %v", err)
	}
}
