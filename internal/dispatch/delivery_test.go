package dispatch

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// rig is a real in-process NATS JetStream with flowhook's topology, a
// real guarded HTTP client and breakers, and a recording receiver.
type rig struct {
	t        *testing.T
	log      zerolog.Logger // the dispatchers' log; none by default
	js       jetstream.JetStream
	lanes    []jetstream.Consumer
	topo     bus.Topology
	breakers *breaker.Registry
	recv     *recorder
}

// recorder is a receiver that answers by a script and records every
// request's idempotency key and arrival time per event.
type recorder struct {
	*httptest.Server
	mu     sync.Mutex
	keys   map[string][]string
	times  []time.Time
	answer func(id string, n int) (status int, retryAfter string)
}

func newRig(t *testing.T, topo bus.Topology, bs breaker.Settings) *rig {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a NATS server")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	if topo.Partitions == 0 {
		// Most tests run a few workers on one account: one partition
		// (and the lane of events stored before partitioning) is enough.
		topo.Partitions = 1
	}
	lanes, err := topo.Ensure(context.Background(), js)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, log: zerolog.Nop(), js: js, lanes: lanes, topo: topo.WithDefaults(), breakers: breaker.NewRegistry(bs, nil, zerolog.Nop())}
	r.recv = &recorder{keys: map[string][]string{}, answer: func(string, int) (int, string) { return 200, "" }}
	r.recv.Server = httptest.NewServer(http.HandlerFunc(r.recv.serve))
	t.Cleanup(r.recv.Close)
	return r
}

// backlog sums the lanes' consumer counts.
func (r *rig) backlog() bus.Backlog {
	r.t.Helper()
	b, err := r.topo.Backlog(context.Background(), r.js)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// acmeLane is the lane of account acme, the account of r.publish, with
// the rig's single partition.
func (r *rig) acmeLane() jetstream.Consumer {
	if r.topo.Partitions != 1 {
		r.t.Fatal("acmeLane: the rig has more than one partition")
	}
	return r.lanes[1]
}

func (rc *recorder) serve(w http.ResponseWriter, req *http.Request) {
	id := req.URL.Query().Get("id")
	rc.mu.Lock()
	rc.keys[id] = append(rc.keys[id], req.Header.Get("Idempotency-Key"))
	rc.times = append(rc.times, time.Now())
	n := len(rc.keys[id])
	answer := rc.answer
	rc.mu.Unlock()
	status, ra := answer(id, n)
	if ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	w.WriteHeader(status)
}

func (rc *recorder) requests(id string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.keys[id]...)
}

// run starts a dispatcher; it stops when the test ends or stop is called.
func (r *rig) run(cfg Config) (stop func()) {
	r.t.Helper()
	return r.runLimited(cfg, nil)
}

// runLimited is run with an endpoint limiter (nil: none).
func (r *rig) runLimited(cfg Config, lim Limiter) (stop func()) {
	r.t.Helper()
	client, err := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		r.t.Fatal(err)
	}
	outcomes, err := r.js.Stream(context.Background(), r.topo.OutcomeStream)
	if err != nil {
		r.t.Fatal(err)
	}
	cfg.AckWait = r.topo.AckWait
	d, err := New(cfg, Deps{JetStream: r.js, Lanes: r.lanes, Outcomes: outcomes, Builder: request.NewBuilder(nil, "test"),
		Sender: client, Breakers: r.breakers, Limiter: lim, Log: r.log})
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			r.t.Errorf("Run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done; client.Close() }) }
	r.t.Cleanup(stop)
	return stop
}

func (r *rig) node(on flowevent.Route) flowevent.NodeConfig {
	return flowevent.NodeConfig{Method: "GET", URL: r.recv.URL + "/hook", OnError: on, TimeoutMS: 2000,
		Params:   []flowevent.Param{{Name: "id", From: flowevent.FromProfile, Path: "id"}},
		Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}}
}

func (r *rig) publish(id string, n flowevent.NodeConfig) {
	r.t.Helper()
	msg, err := flowevent.NewRequestMsg(id, flowevent.Request{Account: "acme", FlowID: "f", NodeID: "n", Node: n,
		Profile: flowevent.Profile{ID: "p-" + id, Attributes: map[string]any{"id": id}}})
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.js.PublishMsg(context.Background(), msg); err != nil {
		r.t.Fatal(err)
	}
}

// outcome waits for the stored outcome of id.
func (r *rig) outcome(id string, within time.Duration) flowevent.Outcome {
	r.t.Helper()
	s, err := r.js.Stream(context.Background(), r.topo.OutcomeStream)
	if err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(within)
	for {
		raw, err := s.GetLastMsgForSubject(context.Background(), flowevent.OutcomeSubject("acme", id))
		if err == nil {
			_, o, err := flowevent.DecodeOutcome(&nats.Msg{Subject: raw.Subject, Header: raw.Header, Data: raw.Data})
			if err != nil {
				r.t.Fatal(err)
			}
			return o
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("no outcome for %s within %v", id, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// streamMsgs is how many messages the request stream holds (events not
// finished, and pending schedules).
func (r *rig) streamMsgs() uint64 {
	r.t.Helper()
	s, err := r.js.Stream(context.Background(), r.topo.RequestStream)
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return info.State.Msgs
}

func (r *rig) waitEmpty(within time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for r.streamMsgs() != 0 {
		if time.Now().After(deadline) {
			r.t.Fatalf("request stream still holds %d messages", r.streamMsgs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRetriesWaitOnTheBus: failed tries are retried through JetStream
// message schedules with the same idempotency key, Retry-After is
// honoured, the outcome counts every attempt, and a retry pending when its
// replica stops is run by the next one.
func TestRetriesWaitOnTheBus(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 3 * time.Second}, breaker.Settings{FailureThreshold: 100})
	r.recv.answer = func(_ string, n int) (int, string) {
		switch n {
		case 1:
			return 503, ""
		case 2:
			return 429, "1" // the next try waits at least a second
		}
		return 200, ""
	}
	node := r.node(flowevent.RouteNo)
	node.Retry = &flowevent.RetryPolicy{MaxAttempts: 4, InitialDelayMS: 100, DeadlineMS: 20_000}
	ids := []string{"r-1", "r-2", "r-3"}
	for _, id := range ids {
		r.publish(id, node)
	}
	stop := r.run(Config{Workers: 4})
	// Stop the first replica as soon as every event has had its second try:
	// the third tries are schedules on the bus, run by the next replica.
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range ids {
		for len(r.recv.requests(id)) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d requests", id, len(r.recv.requests(id)))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	stop()
	secondTry := time.Now()
	r.run(Config{Workers: 4})
	for _, id := range ids {
		o := r.outcome(id, 15*time.Second)
		if o.Route != flowevent.RouteYes || o.Reason != flowevent.ReasonMatched || o.Attempts != 3 {
			t.Errorf("%s: outcome %s/%s attempts %d (%s)", id, o.Route, o.Reason, o.Attempts, o.Detail)
		}
		keys := r.recv.requests(id)
		if len(keys) != 3 {
			t.Errorf("%s: %d requests, want 3", id, len(keys))
		}
		want := `"` + flowevent.IdempotencyKey("acme", id) + `"`
		for i, k := range keys {
			if k != want {
				t.Errorf("%s: request %d carried key %q, want %q", id, i+1, k, want)
			}
		}
	}
	if waited := time.Since(secondTry); waited < 900*time.Millisecond {
		t.Errorf("third tries came %v after the 429's Retry-After of 1s", waited)
	}
	r.waitEmpty(5 * time.Second)
	ci := r.backlog()
	if ci.Redelivered != 0 {
		t.Errorf("%d redeliveries: retries must not use the consumer's MaxDeliver", ci.Redelivered)
	}
}

// TestRetryDeadline: a node whose endpoint keeps failing ends with its
// error action once its tries are used up, saying so.
func TestRetryDeadline(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 3 * time.Second}, breaker.Settings{FailureThreshold: 100})
	r.recv.answer = func(string, int) (int, string) { return 502, "" }
	node := r.node(flowevent.RouteExit)
	node.Retry = &flowevent.RetryPolicy{MaxAttempts: 3, InitialDelayMS: 100, DeadlineMS: 10_000}
	r.publish("d-1", node)
	r.run(Config{Workers: 2})
	o := r.outcome("d-1", 10*time.Second)
	if o.Route != flowevent.RouteExit || o.Reason != flowevent.ReasonStatusMismatch || o.Attempts != 3 || o.Status != 502 ||
		!strings.Contains(o.Detail, "3 tries, none left") {
		t.Errorf("outcome %+v", o)
	}
	r.waitEmpty(5 * time.Second)
}

// TestHoldWhileOpen: events refused by an open breaker wait on the bus,
// wake spread out when it may let a probe through and then go through,
// without using retry attempts; an event whose hold limit comes first
// ends with circuit_open.
func TestHoldWhileOpen(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 3 * time.Second}, breaker.Settings{FailureThreshold: 3, OpenTimeout: time.Second})
	node := r.node(flowevent.RouteNo)
	node.Hold = &flowevent.HoldPolicy{MaxWaitMS: 20_000}
	r.breakers.ForceOpen(breakerKey(t, r.recv.URL), time.Now().Add(1500*time.Millisecond))
	const n = 30
	for i := range n {
		r.publish(fmt.Sprintf("h-%02d", i), node)
	}
	short := r.node(flowevent.RouteNo)
	short.Hold = &flowevent.HoldPolicy{MaxWaitMS: 1000}
	r.publish("h-short", short)
	r.run(Config{Workers: 8, HoldSpread: 2 * time.Second, HoldProbeWait: 300 * time.Millisecond})
	for i := range n {
		id := fmt.Sprintf("h-%02d", i)
		o := r.outcome(id, 15*time.Second)
		if o.Route != flowevent.RouteYes || o.Attempts != 1 {
			t.Errorf("%s: outcome %s/%s attempts %d (%s)", id, o.Route, o.Reason, o.Attempts, o.Detail)
		}
	}
	o := r.outcome("h-short", 5*time.Second)
	if o.Route != flowevent.RouteNo || o.Reason != flowevent.ReasonCircuitOpen || o.Attempts != 0 || !strings.Contains(o.Detail, "hold limit reached") {
		t.Errorf("short hold: %+v", o)
	}
	if len(r.recv.requests("h-short")) != 0 {
		t.Error("the short-hold event reached the endpoint")
	}
	// Released spread out: no more than half of them within any 200ms.
	r.recv.mu.Lock()
	times := append([]time.Time(nil), r.recv.times...)
	r.recv.mu.Unlock()
	for i := range times {
		inWindow := 0
		for _, u := range times {
			if d := u.Sub(times[i]); d >= 0 && d < 200*time.Millisecond {
				inWindow++
			}
		}
		if inWindow > n/2 {
			t.Fatalf("%d of %d held events released within 200ms: a thundering herd", inWindow, n)
		}
	}
	r.waitEmpty(5 * time.Second)
}

// TestPoisonCaptured: a request event delivered MaxDeliver times without
// finishing gets a terminal outcome and a dead letter and leaves the
// stream — caught from the advisory while a dispatcher listens, and by the
// start-up sweep when the advisory was sent while none did.
func TestPoisonCaptured(t *testing.T) {
	for _, viaSweep := range []bool{false, true} {
		t.Run(fmt.Sprintf("sweep=%v", viaSweep), func(t *testing.T) {
			r := newRig(t, bus.Topology{AckWait: time.Second, MaxDeliver: 2}, breaker.Settings{})
			r.publish("poison-1", r.node(flowevent.RouteExit))
			// A consumer that takes the event and dies with it, twice: the
			// second pull waits on the server until the first delivery's
			// ack wait has run out and the event comes again.
			for delivery := uint64(1); delivery <= 2; delivery++ {
				batch, err := r.acmeLane().Fetch(1, jetstream.FetchMaxWait(5*time.Second))
				if err != nil {
					t.Fatal(err)
				}
				got := 0
				for m := range batch.Messages() {
					meta, err := m.Metadata()
					if err != nil || meta.NumDelivered != delivery || meta.Sequence.Stream != 1 {
						t.Fatalf("fetch %d: %s, %+v, %v", delivery, m.Subject(), meta, err)
					}
					got++
				}
				if got != 1 {
					t.Fatalf("fetch %d: %d messages (%v)", delivery, got, batch.Error())
				}
			}
			if viaSweep {
				// Pulls make the server give up on it once its second ack
				// wait ran out, and advise, to no one; then the next event
				// is taken and acked, which moves the ack floor past it.
				published := false
				deadline := time.Now().Add(10 * time.Second)
				for {
					batch, _ := r.acmeLane().Fetch(1, jetstream.FetchMaxWait(300*time.Millisecond))
					for m := range batch.Messages() {
						_ = m.Ack()
					}
					ci, err := r.acmeLane().Info(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if ci.NumAckPending == 0 && !published {
						r.publish("after-1", r.node(flowevent.RouteExit))
						published = true
					}
					if published && ci.NumAckPending == 0 && ci.AckFloor.Stream >= 2 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("server did not give up: %+v", ci)
					}
				}
			} else {
				r.publish("after-1", r.node(flowevent.RouteExit))
			}
			// Sweeps often; a suspect is judged once older than its ack
			// waits and the longest call (MaxTimeout).
			r.run(Config{Workers: 2, PoisonSweep: 200 * time.Millisecond, MaxTimeout: 500 * time.Millisecond})
			o := r.outcome("poison-1", 10*time.Second)
			if o.Route != flowevent.RouteExit || o.Reason != flowevent.ReasonMaxDeliveries || o.Success {
				t.Errorf("outcome %+v", o)
			}
			if !viaSweep {
				if o := r.outcome("after-1", 5*time.Second); o.Reason != flowevent.ReasonMatched {
					t.Errorf("the next event: %+v", o)
				}
			}
			r.waitEmpty(5 * time.Second)
			dl := r.deadLetters()
			if len(dl) != 1 || dl[0].Reason != flowevent.ReasonMaxDeliveries || dl[0].RequestID != "poison-1" || !dl[0].OutcomePublished || dl[0].StreamSeq == 0 {
				t.Fatalf("dead letters %+v", dl)
			}
			if n := len(r.recv.requests("poison-1")); n != 0 {
				t.Errorf("poison event sent %d times", n)
			}
		})
	}
}

func (r *rig) deadLetters() []flowevent.DeadLetter {
	r.t.Helper()
	c, err := r.js.OrderedConsumer(context.Background(), r.topo.DeadLetterStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		r.t.Fatal(err)
	}
	batch, err := c.Fetch(100, jetstream.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		r.t.Fatal(err)
	}
	var out []flowevent.DeadLetter
	for m := range batch.Messages() {
		_, d, err := flowevent.DecodeDeadLetter(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// gauge records the pending-retries gauge.
type gauge struct {
	mu      sync.Mutex
	pending []int
}

func (g *gauge) SetRetriesPending(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending = append(g.pending, n)
}

func (g *gauge) last() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.pending) == 0 {
		return -1
	}
	return g.pending[len(g.pending)-1]
}

// TestPendingRetriesGauge: retries waiting on the bus are counted
// fleet-wide for the metrics, and the count falls to 0 once they ran.
func TestPendingRetriesGauge(t *testing.T) {
	defer func(d time.Duration) { pendingEvery = d }(pendingEvery)
	pendingEvery = 50 * time.Millisecond
	r := newRig(t, bus.Topology{AckWait: 3 * time.Second}, breaker.Settings{FailureThreshold: 100})
	r.recv.answer = func(_ string, n int) (int, string) {
		if n == 1 {
			return 503, ""
		}
		return 200, ""
	}
	node := r.node(flowevent.RouteNo)
	node.Retry = &flowevent.RetryPolicy{MaxAttempts: 2, InitialDelayMS: 2000, Jitter: 0.01, DeadlineMS: 20_000}
	for _, id := range []string{"g-1", "g-2", "g-3"} {
		r.publish(id, node)
	}
	pending := &gauge{}
	client, err := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	outcomes, _ := r.js.Stream(context.Background(), r.topo.OutcomeStream)
	d, err := New(Config{Workers: 4, AckWait: r.topo.AckWait}, Deps{JetStream: r.js, Lanes: r.lanes, Outcomes: outcomes,
		Builder: request.NewBuilder(nil, "test"), Sender: client, Breakers: r.breakers, Log: zerolog.Nop(), Pending: pending})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, 3*time.Second, "3 retries pending", func() bool { return pending.last() == 3 })
	for _, id := range []string{"g-1", "g-2", "g-3"} {
		if o := r.outcome(id, 10*time.Second); o.Attempts != 2 {
			t.Errorf("%s: %+v", id, o)
		}
	}
	waitFor(t, 3*time.Second, "none pending", func() bool { return pending.last() == 0 })
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSweepTakesNoFinishedEvent: sweeping all the time while events are
// acked (the server moves the ack floor a moment before it removes an
// acked message) captures no event that did finish.
func TestSweepTakesNoFinishedEvent(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 3 * time.Second}, breaker.Settings{FailureThreshold: 1000})
	r.recv.answer = func(_ string, n int) (int, string) {
		if n == 1 {
			return 503, "" // every event retried once: acks of scheduled inputs too
		}
		return 200, ""
	}
	node := r.node(flowevent.RouteNo)
	node.Retry = &flowevent.RetryPolicy{MaxAttempts: 2, InitialDelayMS: 100, DeadlineMS: 20_000}
	const n = 300
	for i := range n {
		r.publish(fmt.Sprintf("s-%03d", i), node)
	}
	r.run(Config{Workers: 16, PoisonSweep: 5 * time.Millisecond})
	for i := range n {
		id := fmt.Sprintf("s-%03d", i)
		if o := r.outcome(id, 20*time.Second); o.Reason != flowevent.ReasonMatched {
			t.Fatalf("%s: %s (%s)", id, o.Reason, o.Detail)
		}
	}
	if dl := r.deadLetters(); len(dl) != 0 {
		t.Fatalf("%d dead letters, e.g. %+v", len(dl), dl[0])
	}
}
