package dispatch

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// planner is a puller over n lanes without consumers: nextRequests never
// touches them.
func planner(workers, pullBatch, n int) *puller {
	d := &Dispatcher{cfg: Config{Workers: workers, PullBatch: pullBatch}.withDefaults(), log: zerolog.Nop(), now: time.Now,
		keeper: newKeeper(time.Second, time.Now)}
	p := &puller{d: d, idle: workers, wake: make(chan struct{}, 1)}
	for range n {
		p.lanes = append(p.lanes, &lane{})
	}
	return p
}

// sizes maps each lane's index to its planned request's size (negative
// for a probe).
func sizes(p *puller, reqs []pullRequest) map[int]int {
	out := map[int]int{}
	for _, r := range reqs {
		for i, l := range p.lanes {
			if l == r.lane {
				out[i] = r.n
				if r.probe {
					out[i] = -r.n
				}
			}
		}
	}
	return out
}

// TestPullProbesEveryIdleLane: every lane without work gets a probe, and
// probes promise no worker.
func TestPullProbesEveryIdleLane(t *testing.T) {
	p := planner(20, 4, 5)
	reqs, _ := p.nextRequests(t.Context(), time.Now())
	got := sizes(p, reqs)
	if len(got) != 5 {
		t.Fatalf("planned %v, want a probe on each of 5 lanes", got)
	}
	for i, n := range got {
		if n != -1 {
			t.Errorf("lane %d: request of %d, want a probe of 1", i, n)
		}
	}
	if p.idle != 20 {
		t.Errorf("idle %d, want 20: probes promise no worker", p.idle)
	}
	if again, _ := p.nextRequests(t.Context(), time.Now()); len(again) != 0 {
		t.Errorf("a second round planned %d requests while every lane has one", len(again))
	}
}

// TestPullSharesTheSpareAmongBusyLanes: lanes at work with more waiting
// share the idle workers beyond the reserve equally.
func TestPullSharesTheSpareAmongBusyLanes(t *testing.T) {
	p := planner(40, 4, 4)
	p.nextRequests(t.Context(), time.Now()) // probes everywhere
	// Lanes 0 and 1 delivered their probe's message and are at work;
	// lanes 2 and 3 still probe.
	for _, l := range p.lanes[:2] {
		l.pulling, l.found, l.inflight = false, true, 1
	}
	p.idle = 38
	// 36 spare beyond the reserve: 18 each.
	got := sizes(p, mustPlan(t, p))
	if got[0] != 18 || got[1] != 18 || len(got) != 2 {
		t.Fatalf("planned %v, want 18 and 18 for the busy lanes", got)
	}
	if p.idle != pullReserve {
		t.Fatalf("idle %d, want the reserve of %d kept", p.idle, pullReserve)
	}
}

// TestPullWaitsForABatch: a busy lane gets no batch below PullBatch spare
// workers; a lane with nothing in flight gets its probe anyway.
func TestPullWaitsForABatch(t *testing.T) {
	p := planner(40, 8, 3)
	p.nextRequests(t.Context(), time.Now())
	p.idle = pullReserve + 5 // below PullBatch beyond the reserve
	busy, done := p.lanes[0], p.lanes[1]
	busy.pulling, busy.found, busy.inflight = false, true, 30
	done.pulling, done.found, done.inflight = false, true, 0
	got := sizes(p, mustPlan(t, p))
	if _, ok := got[0]; ok {
		t.Errorf("a busy lane got a request with %d spare workers, below the batch of 8", 5)
	}
	if got[1] != -1 {
		t.Errorf("a lane with nothing in flight got %v, want a probe", got)
	}
}

func TestPullSkipsPausedLanes(t *testing.T) {
	p := planner(20, 4, 2)
	now := time.Now()
	p.lanes[0].resume = now.Add(time.Second)
	reqs, nextAt := p.nextRequests(t.Context(), now)
	if got := sizes(p, reqs); len(got) != 1 || got[1] != -1 {
		t.Fatalf("planned %v, want a probe of lane 1 only", got)
	}
	if !nextAt.Equal(now.Add(time.Second)) {
		t.Fatalf("nextAt %v, want the paused lane's resume", nextAt)
	}
}

// TestPullRotates: with a single busy-lane batch possible per round, the
// lanes take turns.
func TestPullRotates(t *testing.T) {
	p := planner(3, 1, 3)
	for _, l := range p.lanes {
		l.found, l.inflight = true, 1
	}
	first := map[int]bool{}
	for range 3 {
		p.idle = pullReserve + 1
		reqs, _ := p.nextRequests(t.Context(), time.Now())
		for i := range sizes(p, reqs) {
			first[i] = true
		}
		for _, r := range reqs {
			p.finish(r, 1, 1, false, nil)
		}
	}
	if len(first) != 3 {
		t.Fatalf("with one spare worker, three rounds served lanes %v: every lane must get its turn", first)
	}
}

// TestPullProbeMessageWaitsForAWorker: a probe's message with no idle
// worker waits, kept in progress, and is the next job of the first worker
// that finishes.
func TestPullProbeMessageWaitsForAWorker(t *testing.T) {
	p := planner(4, 1, 2)
	p.idle = 0
	l := p.lanes[0]
	msg := fakeMsg{}
	p.handOver(job{msg: msg, lane: l}, true)
	if len(p.waiting) != 1 || l.inflight != 1 {
		t.Fatalf("waiting %d, in flight %d: want the message waiting", len(p.waiting), l.inflight)
	}
	next, ok := p.done(p.lanes[1])
	if !ok || next.msg != msg || len(p.waiting) != 0 || p.idle != 0 {
		t.Fatalf("the finishing worker took %v (%v); waiting %d, idle %d", next, ok, len(p.waiting), p.idle)
	}
}

func mustPlan(t *testing.T, p *puller) []pullRequest {
	t.Helper()
	reqs, _ := p.nextRequests(t.Context(), time.Now())
	return reqs
}

// fakeMsg stands for a pulled message the planner only passes on.
type fakeMsg struct{ jetstream.Msg }

// TestPullBatchesStayBatches: with more busy lanes than batches of a
// quarter of PullBatch, a round serves that many lanes, and the lanes take
// turns across rounds.
func TestPullBatchesStayBatches(t *testing.T) {
	p := planner(64, 32, 40)
	for _, l := range p.lanes {
		l.found, l.inflight = true, 1
	}
	served := map[int]int{}
	for range 40 {
		p.idle = pullReserve + 32
		reqs := mustPlan(t, p)
		if len(reqs) != 4 {
			t.Fatalf("%d requests for 32 spare workers, want 4 batches of 8", len(reqs))
		}
		for i, n := range sizes(p, reqs) {
			if n != 8 {
				t.Fatalf("lane %d: batch of %d, want 8", i, n)
			}
			served[i]++
		}
		for _, r := range reqs {
			p.finish(r, r.n, r.n, false, nil)
		}
	}
	for i := range p.lanes {
		if served[i] != 4 {
			t.Errorf("lane %d served %d times in 40 rounds, want 4 (every lane its turn)", i, served[i])
		}
	}
}
