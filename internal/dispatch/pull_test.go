package dispatch

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestPullsOnlyForIdleWorkers: with every worker busy, nothing more is
// pulled: the other events stay on the server, undelivered, instead of
// ageing in a client buffer while their ack wait runs. Once the workers
// are free, every event gets its outcome.
func TestPullsOnlyForIdleWorkers(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 5 * time.Second}, breaker.Settings{FailureThreshold: 100})
	gate := make(chan struct{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-gate:
		case <-req.Context().Done():
		}
	}))
	t.Cleanup(recv.Close)
	t.Cleanup(func() {
		select {
		case <-gate:
		default:
			close(gate)
		}
	})
	const workers, events = 4, 40
	r.run(Config{Workers: workers, PullBatch: 1})
	n := r.node(flowevent.RouteNo)
	n.URL = recv.URL + "/gate"
	for i := range events {
		r.publish(fmt.Sprintf("e-%02d", i), n)
	}
	// Let the dispatcher pull all it would.
	waitFor(t, 5*time.Second, "every worker busy", func() bool {
		info, err := r.cons.Info(context.Background())
		return err == nil && info.NumAckPending == workers
	})
	time.Sleep(300 * time.Millisecond)
	info, err := r.cons.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != workers || info.NumPending != events-workers {
		t.Fatalf("with %d workers busy: %d delivered unacked, %d not delivered; want %d and %d",
			workers, info.NumAckPending, info.NumPending, workers, events-workers)
	}
	close(gate)
	for i := range events {
		if o := r.outcome(fmt.Sprintf("e-%02d", i), 10*time.Second); o.Route != flowevent.RouteYes {
			t.Fatalf("event %d: %s/%s", i, o.Route, o.Reason)
		}
	}
}
