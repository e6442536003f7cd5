package dispatch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/internal/testsupport/syncbuf"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestPullsOnlyForIdleWorkers: with every worker busy (but the reserve), nothing more is pulled: the other events
// stay on the server, undelivered, instead of ageing in a client buffer
// while their ack wait runs. Once the workers are free, every event gets
// its outcome.
func TestPullsOnlyForIdleWorkers(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 5 * time.Second}, breaker.Settings{FailureThreshold: 100})
	gate := make(chan struct{})
	var arrived atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		arrived.Add(1)
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
	const workers, events = 8, 40
	r.run(Config{Workers: workers, PullBatch: 1})
	n := r.node(flowevent.RouteNo)
	n.URL = recv.URL + "/gate"
	for i := range events {
		r.publish(fmt.Sprintf("e-%02d", i), n)
	}
	// Let the dispatcher pull all it would: every worker but the reserve
	// (kept idle for the other lanes' events) holds a request at the
	// receiver, and the lane has no pull request outstanding. No worker is
	// idle beyond the reserve then, so no batch can be asked for.
	const busy = workers - bus.ReservedWorkers
	waitFor(t, 5*time.Second, "every worker busy and no pull outstanding", func() bool {
		ci, err := r.acmeLane().Info(context.Background())
		return err == nil && arrived.Load() == busy && ci.NumWaiting == 0
	})
	// The client holds exactly the busy workers' messages: nothing more
	// was delivered and left to age. (Not delivered is at most the rest:
	// once, on a loaded CI machine, 3 of them were neither pending nor
	// held — back on the server's redelivery list, which is no buffer
	// either — so that count is a bound, not an equality.)
	if info := r.backlog(); info.AckPending != busy || info.Pending > events-busy {
		t.Fatalf("with %d workers busy: %d delivered unacked, %d not delivered; want %d and at most %d",
			busy, info.AckPending, info.Pending, busy, events-busy)
	}
	close(gate)
	for i := range events {
		if o := r.outcome(fmt.Sprintf("e-%02d", i), 10*time.Second); o.Route != flowevent.RouteYes {
			t.Fatalf("event %d: %s/%s", i, o.Route, o.Reason)
		}
	}
}

// TestLongCallIsKeptInProgress: a call lasting over twice the ack wait is
// marked in progress meanwhile, so the event is neither redelivered nor
// sent twice.
func TestLongCallIsKeptInProgress(t *testing.T) {
	const ackWait = time.Second
	r := newRig(t, bus.Topology{AckWait: ackWait}, breaker.Settings{FailureThreshold: 100})
	var hits atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		time.Sleep(2*ackWait + 500*time.Millisecond)
	}))
	t.Cleanup(recv.Close)
	r.run(Config{Workers: 4})
	n := r.node(flowevent.RouteNo)
	n.URL, n.TimeoutMS = recv.URL+"/slow", 10_000
	r.publish("long", n)
	if o := r.outcome("long", 10*time.Second); o.Route != flowevent.RouteYes || o.Attempts != 1 {
		t.Fatalf("outcome %s/%s after %d attempts", o.Route, o.Reason, o.Attempts)
	}
	if info := r.backlog(); info.Redelivered != 0 || hits.Load() != 1 {
		t.Fatalf("%d redeliveries, %d requests: the long call was not kept in progress", info.Redelivered, hits.Load())
	}
}

// TestPullingResumesAfterTheConsumerIsRecreated: pull requests fail while
// the durable consumer is gone (deleted by an operator); once it exists
// again, the dispatcher pulls from it without a restart.
func TestPullingResumesAfterTheConsumerIsRecreated(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 5 * time.Second}, breaker.Settings{FailureThreshold: 100})
	logs := &syncBuffer{}
	r.log = zerolog.New(logs)
	r.run(Config{Workers: 4})
	n := r.node(flowevent.RouteNo)
	r.publish("before", n)
	if o := r.outcome("before", 10*time.Second); o.Route != flowevent.RouteYes {
		t.Fatalf("before: %s/%s", o.Route, o.Reason)
	}
	ctx := context.Background()
	if err := r.js.DeleteConsumer(ctx, r.topo.RequestStream, r.acmeLane().CachedInfo().Name); err != nil {
		t.Fatal(err)
	}
	// The lane's outstanding pull request ends with the consumer; the next
	// ones fail until it is back.
	waitFor(t, 10*time.Second, "a failed pull request", func() bool {
		return strings.Contains(logs.String(), "dispatch: pull request failed")
	})
	if _, err := r.topo.Ensure(ctx, r.js); err != nil {
		t.Fatal(err)
	}
	r.publish("after", n)
	if o := r.outcome("after", 15*time.Second); o.Route != flowevent.RouteYes {
		t.Fatalf("after: %s/%s", o.Route, o.Reason)
	}
}

// TestStopBeforeStartIsClean: a dispatcher stopped before it could read
// its consumers returns without an error (a quick SIGTERM exits 0).
func TestStopBeforeStartIsClean(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 5 * time.Second}, breaker.Settings{})
	outcomes, err := r.js.Stream(context.Background(), r.topo.OutcomeStream)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{Workers: 4, AckWait: r.topo.AckWait}, Deps{JetStream: r.js, Lanes: r.lanes, Outcomes: outcomes,
		Builder: request.NewBuilder(nil, "test"), Sender: noSender{}, Breakers: r.breakers, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Run(ctx); err != nil {
		t.Fatalf("Run after an early stop: %v", err)
	}
}

// noSender sends nothing; a test that needs a Sender but no requests.
type noSender struct{}

func (noSender) Do(context.Context, *egress.Request) (*egress.Response, error) {
	return nil, errors.New("noSender: no request expected")
}

// syncBuffer is a log sink that tests read while the dispatcher writes.
type syncBuffer = syncbuf.Buffer
