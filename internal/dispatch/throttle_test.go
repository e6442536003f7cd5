package dispatch

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/endpointlimit"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

func TestScheduleIDsAreDistinct(t *testing.T) {
	seen := map[string]deliveryState{}
	for _, st := range []deliveryState{{}, {tries: 1}, {holds: 1}, {throttles: 1}, {tries: 1, throttles: 1}, {throttles: 2}, {tries: 1, holds: 1, throttles: 7}} {
		id := scheduleID("acme", "evt-1", st)
		if prev, dup := seen[id]; dup {
			t.Fatalf("states %+v and %+v share schedule id %s", prev, st, id)
		}
		seen[id] = st
	}
	if scheduleID("acme", "evt-1", deliveryState{tries: 2, holds: 1}) != "sched-"+flowevent.OutcomeKey("acme", "evt-1")+"-2-1" {
		t.Fatal("the ids of retries and holds changed")
	}
	h := nats.Header{}
	deliveryState{tries: 1, throttles: 12}.write(h)
	if st := readState(h, time.Now()); st.throttles != 12 || st.tries != 1 {
		t.Fatalf("read back %+v", st)
	}
	h.Set(HeaderThrottled, "-3")
	if st := readState(h, time.Now()); st.throttles != 0 {
		t.Fatalf("negative throttle count read as %d", st.throttles)
	}
}

// slowReceiver answers after a delay and records the most requests it
// had in flight at once.
type slowReceiver struct {
	*httptest.Server
	inflight, peak, hits atomic.Int64
}

func newSlowReceiver(t *testing.T, delay time.Duration) *slowReceiver {
	r := &slowReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := r.inflight.Add(1)
		for p := r.peak.Load(); n > p && !r.peak.CompareAndSwap(p, n); p = r.peak.Load() {
		}
		r.hits.Add(1)
		time.Sleep(delay)
		r.inflight.Add(-1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.Close)
	return r
}

// TestSlowEndpointDoesNotStallOthers sends a slow endpoint (500 ms, at
// most 2 requests at once) more events than there are workers, ahead of
// a fast endpoint's: the fast events finish while the slow endpoint is
// still saturated, the slow one never has more than 2 requests in flight,
// and the events that waited for room are neither attempts nor
// redeliveries. With a bounded wait for room (serve's default), workers
// still do not wait behind the slow endpoint: it frees a slot every
// 250 ms, far beyond the wait.
func TestSlowEndpointDoesNotStallOthers(t *testing.T) {
	for _, wait := range []time.Duration{0, 50 * time.Millisecond} {
		t.Run("max wait "+wait.String(), func(t *testing.T) { testSlowEndpoint(t, wait) })
	}
}

func testSlowEndpoint(t *testing.T, maxWait time.Duration) {
	r := newRig(t, bus.Topology{AckWait: 5 * time.Second, MaxDeliver: 3}, breaker.Settings{FailureThreshold: 100})
	slow := newSlowReceiver(t, 500*time.Millisecond)
	fast := newSlowReceiver(t, 0)
	r.runLimited(Config{Workers: 6}, endpointlimit.New(endpointlimit.Config{MaxWait: maxWait}, nil))

	slowNode := r.node(flowevent.RouteNo)
	slowNode.URL, slowNode.MaxConcurrency = slow.URL+"/slow", 2
	fastNode := r.node(flowevent.RouteNo)
	fastNode.URL = fast.URL + "/fast"
	const nSlow, nFast = 12, 30
	start := time.Now()
	for i := range nSlow {
		r.publish(fmt.Sprintf("slow-%02d", i), slowNode)
	}
	for i := range nFast {
		r.publish(fmt.Sprintf("fast-%02d", i), fastNode)
	}

	var fastDone time.Duration
	for i := range nFast {
		if o := r.outcome(fmt.Sprintf("fast-%02d", i), 10*time.Second); o.Route != flowevent.RouteYes {
			t.Fatalf("fast event %d: %s/%s", i, o.Route, o.Reason)
		}
	}
	fastDone = time.Since(start)
	slowAtFastDone := slow.hits.Load()
	for i := range nSlow {
		o := r.outcome(fmt.Sprintf("slow-%02d", i), 20*time.Second)
		if o.Route != flowevent.RouteYes || o.Attempts != 1 {
			t.Fatalf("slow event %d: %s/%s after %d attempts, want matched after 1", i, o.Route, o.Reason, o.Attempts)
		}
	}
	slowDone := time.Since(start)
	t.Logf("fast events done after %v (slow endpoint had %d of %d), slow ones after %v; slow peak %d in flight",
		fastDone, slowAtFastDone, nSlow, slowDone, slow.peak.Load())
	if p := slow.peak.Load(); p > 2 {
		t.Fatalf("slow endpoint saw %d requests at once, cap 2", p)
	}
	if slowAtFastDone >= nSlow || fastDone > 2*time.Second {
		t.Fatalf("fast events took %v and waited for %d of %d slow requests: stalled behind the slow endpoint", fastDone, slowAtFastDone, nSlow)
	}
	if n := slow.hits.Load(); n != nSlow {
		t.Fatalf("slow endpoint got %d requests for %d events", n, nSlow)
	}
	r.waitEmpty(5 * time.Second)
	if info := r.backlog(); info.Redelivered != 0 {
		t.Fatalf("%d redeliveries: waiting for room used up MaxDeliver", info.Redelivered)
	}
}
