package scaleout

import (
	"context"
	"testing"

	"github.com/flowhook/flowhook/internal/tools/faultcheck"
)

// TestFleetBreakerSparesDeadEndpoint runs three replica processes against
// an endpoint that answers 503 to everything, once with local breakers
// only and once with the fleet-wide breaker, and counts the requests the
// endpoint gets: with the fleet breaker, about one threshold of faults
// and one probe per open period for the whole fleet; without, about that
// per replica.
func TestFleetBreakerSparesDeadEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds flowhook and runs three processes")
	}
	bin, err := faultcheck.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run := func(fleet bool) BreakerReport {
		rep, err := RunBreaker(context.Background(), BreakerParams{Binary: bin, Dir: t.TempDir(), Fleet: fleet, Progress: testWriter{t}})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(rep)
		if rep.Sent+rep.Refused != rep.Events {
			t.Fatalf("%d outcomes sent and %d refused for %d events", rep.Sent, rep.Refused, rep.Events)
		}
		return rep
	}
	local, fleet := run(false), run(true)
	p := BreakerParams{}.withDefaults()
	// One threshold, one probe per open period, and a request or so in
	// flight on each other replica while the fleet hears of the trip.
	budget := p.Threshold + local.OpenPeriods + p.Replicas
	if fleet.Hits > budget {
		t.Errorf("fleet-wide breaker: dead endpoint got %d requests, want at most %d", fleet.Hits, budget)
	}
	if fleet.Hits >= local.Hits {
		t.Errorf("fleet-wide breaker: %d requests, local breakers: %d; want fewer with the fleet", fleet.Hits, local.Hits)
	}
	if local.FirstSecond < 2*p.Threshold {
		t.Errorf("local breakers tripped after %d requests; the comparison assumes each replica counts its own", local.FirstSecond)
	}
}
