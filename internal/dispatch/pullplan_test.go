package dispatch

import (
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// planner is a puller over n lanes without consumers: plan never touches
// them.
func planner(workers, pullBatch, n int) *puller {
	d := &Dispatcher{cfg: Config{Workers: workers, PullBatch: pullBatch}.withDefaults(), log: zerolog.Nop()}
	p := &puller{d: d, idle: workers, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
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

func TestPullProbesEveryColdLane(t *testing.T) {
	p := planner(20, 4, 5)
	reqs, _ := p.nextRequests(time.Now())
	got := sizes(p, reqs)
	if len(got) != 5 {
		t.Fatalf("planned %v, want a probe on each of 5 lanes", got)
	}
	for i, n := range got {
		if n != -1 {
			t.Errorf("lane %d: request of %d, want a probe of 1", i, n)
		}
	}
	if p.idle != 15 {
		t.Errorf("idle %d, want 15", p.idle)
	}
	if again, _ := p.nextRequests(time.Now()); len(again) != 0 {
		t.Errorf("a second round planned %d requests while every lane has one", len(again))
	}
}

func TestPullSharesTheSpareAmongBusyLanes(t *testing.T) {
	p := planner(40, 4, 4)
	p.nextRequests(time.Now()) // probes everywhere
	// Lanes 0 and 1 delivered their probe's message and are at work;
	// lanes 2 and 3 still probe.
	for _, l := range p.lanes[:2] {
		l.pulling, l.active, l.inflight = false, true, 1
	}
	// 36 idle: 34 spare beyond the reserve, 17 each.
	got := sizes(p, mustPlan(t, p))
	if got[0] != 17 || got[1] != 17 || len(got) != 2 {
		t.Fatalf("planned %v, want 17 and 17 for the busy lanes", got)
	}
	if p.idle != pullReserve {
		t.Fatalf("idle %d, want the reserve of %d kept", p.idle, pullReserve)
	}
}

func TestPullWaitsForABatchButNotWhenALaneHasNothingInFlight(t *testing.T) {
	p := planner(40, 8, 3)
	p.nextRequests(time.Now())
	p.idle = 2 + 5 // below PullBatch beyond the reserve
	busy, idleLane := p.lanes[0], p.lanes[1]
	busy.pulling, busy.active, busy.inflight = false, true, 30
	idleLane.pulling, idleLane.active, idleLane.inflight = false, true, 0
	got := sizes(p, mustPlan(t, p))
	if _, ok := got[0]; ok {
		t.Errorf("a busy lane got a request with %d spare workers, below the batch of 8", 5)
	}
	if n := got[1]; n < 1 {
		t.Errorf("an active lane with nothing in flight got no request (%v)", got)
	}
}

func TestPullSkipsPausedLanes(t *testing.T) {
	p := planner(20, 4, 2)
	now := time.Now()
	p.lanes[0].resume = now.Add(time.Second)
	reqs, nextAt := p.nextRequests(now)
	if got := sizes(p, reqs); len(got) != 1 || got[1] != -1 {
		t.Fatalf("planned %v, want a probe of lane 1 only", got)
	}
	if !nextAt.Equal(now.Add(time.Second)) {
		t.Fatalf("nextAt %v, want the paused lane's resume", nextAt)
	}
}

func TestPullRotates(t *testing.T) {
	p := planner(3, 1, 3)
	p.idle = 1
	first := map[int]bool{}
	for range 3 {
		reqs, _ := p.nextRequests(time.Now())
		for i := range sizes(p, reqs) {
			first[i] = true
		}
		for _, r := range reqs {
			p.finish(r, 0, 0, false, nil)
		}
	}
	if len(first) != 3 {
		t.Fatalf("with one idle worker, three rounds probed lanes %v: every lane must get its turn", first)
	}
}

func mustPlan(t *testing.T, p *puller) []pullRequest {
	t.Helper()
	reqs, _ := p.nextRequests(time.Now())
	return reqs
}
