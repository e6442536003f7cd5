package nodestats

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// recorder is an Observer that remembers what it was told.
type recorder struct {
	leading   atomic.Int32
	led       atomic.Int32
	applied   atomic.Int64
	conflicts atomic.Int64
	behind    atomic.Uint64
}

func (r *recorder) Leading(on bool) {
	if on {
		r.leading.Add(1)
		r.led.Add(1)
	} else {
		r.leading.Add(-1)
	}
}
func (r *recorder) Applied(n int)   { r.applied.Add(int64(n)) }
func (r *recorder) Conflict()       { r.conflicts.Add(1) }
func (r *recorder) Behind(n uint64) { r.behind.Store(n) }

type env struct {
	js           jetstream.JetStream
	stats, lease jetstream.KeyValue
	cfg          Config
	// want holds the expected counts per node key.
	want map[string]*Stats
	seq  int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test against an in-process NATS server")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx := context.Background()
	if _, err := (bus.Topology{}).Ensure(ctx, js); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Lease: 3 * time.Second, Batch: 64}
	stats, lease, err := Ensure(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{js: js, stats: stats, lease: lease, cfg: cfg, want: map[string]*Stats{}}
}

func (e *env) aggregator(obs Observer) *Aggregator {
	return NewAggregator(e.cfg, e.js, e.stats, e.lease, obs, zerolog.Nop())
}

// publish stores n outcomes spread over nodes of two flows and returns the
// last stream sequence. Every 7th has no summary header, as an older
// version published them: the aggregator reads those back in full.
func (e *env) publish(t *testing.T, n int) uint64 {
	t.Helper()
	ctx := context.Background()
	t0 := time.Now().UTC().Add(-3 * time.Minute)
	var last uint64
	for range n {
		e.seq++
		i := e.seq
		o := flowevent.Outcome{
			Account: "acme", FlowID: fmt.Sprintf("flow.%d", i%2), NodeID: fmt.Sprintf("node %d", i%5),
			ProfileID: "p" + strconv.Itoa(i), Success: i%4 != 0, Attempts: 1 + i%3, DurationMS: float64(i % 300),
			CompletedAt: t0.Add(time.Duration(i) * 100 * time.Millisecond),
		}
		if o.Success {
			o.Route, o.Reason = flowevent.RouteYes, flowevent.ReasonMatched
		} else {
			o.Route, o.Reason, o.Status, o.Detail = flowevent.RouteNo, flowevent.ReasonStatusMismatch, 503, "expected status 200, got 503"
		}
		m, err := flowevent.NewOutcomeMsg(flowevent.Event{ID: "req-" + strconv.Itoa(i)}, o)
		if err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			m.Header.Del(flowevent.HeaderSummary)
		}
		ack, err := e.js.PublishMsg(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		last = ack.Sequence
		k := NodeKey(o.Account, o.FlowID, o.NodeID)
		if e.want[k] == nil {
			e.want[k] = newStats(o)
		}
		e.want[k].Apply(ack.Sequence, o)
	}
	return last
}

// waitCheckpoint waits until every outcome up to seq is counted.
func (e *env) waitCheckpoint(t *testing.T, seq uint64) {
	t.Helper()
	poll.UntilNoError(t, 20*time.Second, func() error {
		ent, err := e.stats.Get(context.Background(), checkpointKey)
		if err != nil {
			return fmt.Errorf("checkpoint did not reach %d: %w", seq, err)
		}
		if got, _ := strconv.ParseUint(string(ent.Value()), 10, 64); got < seq {
			return fmt.Errorf("checkpoint at %d, did not reach %d", got, seq)
		}
		return nil
	})
}

// check compares every node's stored value with what was published.
func (e *env) check(t *testing.T) {
	t.Helper()
	for k, want := range e.want {
		ent, err := e.stats.Get(context.Background(), k)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		got, err := decode(ent.Value())
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != want.Total || got.Errors != want.Errors || got.Retries != want.Retries ||
			got.AppliedSeq != want.AppliedSeq || got.Latency.Count() != want.Latency.Count() ||
			fmt.Sprint(got.Routes) != fmt.Sprint(want.Routes) || fmt.Sprint(got.Minutes) != fmt.Sprint(want.Minutes) ||
			!sameLastError(got.LastError, want.LastError) {
			t.Fatalf("%s: stored\n%+v\nwant\n%+v", k, got, want)
		}
	}
}

func sameLastError(a, b *LastError) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Reason == b.Reason && a.Detail == b.Detail && a.Status == b.Status && a.At.Equal(b.At)
}

func TestAggregatorCountsEachOutcomeOnce(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	a := e.aggregator(rec)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	e.waitCheckpoint(t, e.publish(t, 500))
	e.check(t)
	// More outcomes for the same nodes: now served from the cache.
	e.waitCheckpoint(t, e.publish(t, 300))
	e.check(t)
	if rec.applied.Load() != 800 || rec.leading.Load() != 1 || rec.behind.Load() != 0 {
		t.Errorf("observer: applied %d leading %d behind %d", rec.applied.Load(), rec.leading.Load(), rec.behind.Load())
	}
	if n := a.Spiking(); n != 5 {
		// Every 4th outcome fails, all in flow.0: its 5 nodes fail half of
		// their profiles (a spike by rate), flow.1's never fail.
		t.Errorf("spiking nodes = %d, want 5", n)
	}
}

// TestCrashBetweenWriteAndCheckpoint stops an aggregator after it wrote a
// batch's values but before the checkpoint: the next one re-reads those
// outcomes and must not count them twice.
func TestCrashBetweenWriteAndCheckpoint(t *testing.T) {
	e := newEnv(t)
	last := e.publish(t, 400)

	ctx, cancel := context.WithCancel(context.Background())
	first := e.aggregator(nil)
	var crashed atomic.Bool
	first.afterWrite = func() {
		crashed.Store(true)
		cancel() // the checkpoint write now fails, as in a crash
	}
	if err := first.aggregate(ctx); err == nil {
		t.Fatal("aggregate survived its crash")
	}
	if !crashed.Load() {
		t.Fatal("no batch was written before the crash")
	}
	if cp, _ := (&Aggregator{stats: e.stats, log: zerolog.Nop()}).checkpoint(context.Background()); cp != 0 {
		t.Fatalf("checkpoint %d after the crash, want none", cp)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go e.aggregator(nil).Run(ctx2)
	e.waitCheckpoint(t, last)
	e.check(t)
}

// TestRacingAggregators runs two aggregators at once without the lease (as
// after a lease expired under a paused leader): revision checks and the
// per-node sequence keep every count exact.
func TestRacingAggregators(t *testing.T) {
	e := newEnv(t)
	e.cfg.Batch = 16
	last := e.publish(t, 600)
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.aggregator(rec).aggregate(ctx)
		}()
	}
	e.waitCheckpoint(t, last)
	cancel()
	wg.Wait()
	e.check(t)
	t.Logf("applied %d outcomes with two aggregators racing, %d revision conflicts", rec.applied.Load(), rec.conflicts.Load())
}

func TestLeaseFailover(t *testing.T) {
	e := newEnv(t)
	recA, recB := &recorder{}, &recorder{}
	ctxA, cancelA := context.WithCancel(context.Background())
	ctxB, cancelB := context.WithCancel(context.Background())
	defer cancelB()
	doneA := make(chan struct{})
	go func() { defer close(doneA); e.aggregator(recA).Run(ctxA) }()
	poll.Until(t, 15*time.Second, "A leads", func() bool { return recA.leading.Load() == 1 })
	go e.aggregator(recB).Run(ctxB)

	e.waitCheckpoint(t, e.publish(t, 200))
	if recB.led.Load() != 0 {
		t.Fatal("B aggregated while A held the lease")
	}
	cancelA() // A releases the lease on the way out
	<-doneA
	start := time.Now()
	poll.Until(t, 15*time.Second, "B takes over", func() bool { return recB.leading.Load() == 1 })
	t.Logf("B took over %v after A stopped", time.Since(start).Round(time.Millisecond))
	e.waitCheckpoint(t, e.publish(t, 200))
	e.check(t)
	if recA.applied.Load()+recB.applied.Load() != 400 {
		t.Errorf("applied %d + %d, want 400", recA.applied.Load(), recB.applied.Load())
	}
}

// TestLeaseExpires: a holder that dies without releasing the lease (a
// crash) stops refreshing it; the bucket's TTL removes it and another
// replica takes over within about one lease period.
func TestLeaseExpires(t *testing.T) {
	e := newEnv(t)
	e.cfg.Lease = 1500 * time.Millisecond
	var err error
	if e.stats, e.lease, err = Ensure(context.Background(), e.js, e.cfg); err != nil {
		t.Fatal(err)
	}
	ghost := &lease{kv: e.lease, id: "crashed-replica", ttl: e.cfg.Lease}
	if ok, err := ghost.acquire(context.Background()); !ok || err != nil {
		t.Fatalf("ghost lease: %v %v", ok, err)
	}
	crashed := time.Now()
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.aggregator(rec).Run(ctx)
	poll.Until(t, 15*time.Second, "a replica takes over the expired lease", func() bool { return rec.leading.Load() == 1 })
	took := time.Since(crashed)
	t.Logf("took over %v after the holder stopped refreshing (lease %v)", took.Round(time.Millisecond), e.cfg.Lease)
	if took < e.cfg.Lease*2/3 || took > 3*e.cfg.Lease {
		t.Errorf("takeover after %v, want one to two lease periods (%v)", took, e.cfg.Lease)
	}
	e.waitCheckpoint(t, e.publish(t, 50))
	e.check(t)
}
