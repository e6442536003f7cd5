package endpointlimit

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
)

const key = "https://crm.example.com:443"

func TestNone(t *testing.T) {
	if !(Limits{}).None() || (Limits{RatePerSecond: 1}).None() || (Limits{MaxConcurrency: 1}).None() {
		t.Error("None")
	}
}

func TestConcurrencyCap(t *testing.T) {
	clock := fakeclock.New()
	l := New(Config{Default: Limits{MaxConcurrency: 2}}, clock)
	r1, _, ok1 := l.Acquire("acme", key, Limits{})
	r2, _, ok2 := l.Acquire("acme", key, Limits{})
	_, at, ok3 := l.Acquire("acme", key, Limits{})
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("admitted %v %v %v, want the first two only", ok1, ok2, ok3)
	}
	if !at.After(clock.Now()) {
		t.Fatalf("retryAt %v is not in the future", at)
	}
	if _, _, ok := l.Acquire("acme", "https://other.example:443", Limits{}); !ok {
		t.Fatal("another origin is refused: caps are per origin")
	}
	clock.Advance(400 * time.Millisecond)
	r1()
	r1() // twice: counts once
	if n := l.InFlight(key); n != 1 {
		t.Fatalf("in flight = %d, want 1", n)
	}
	r3, _, ok := l.Acquire("acme", key, Limits{})
	if !ok {
		t.Fatal("refused after a release")
	}
	r2()
	r3()
	if n := l.InFlight(key); n != 0 {
		t.Fatalf("in flight = %d, want 0", n)
	}
	// A node's own cap adds to the origin's: it never raises it.
	var rs []func()
	for range 2 {
		r, _, ok := l.Acquire("acme", key, Limits{MaxConcurrency: 5})
		if !ok {
			t.Fatal("refused under both caps")
		}
		rs = append(rs, r)
	}
	if _, _, ok := l.Acquire("acme", key, Limits{MaxConcurrency: 5}); ok {
		t.Fatal("a node cap of 5 raised the origin's cap of 2")
	}
	for _, r := range rs {
		r()
	}
	r, _, _ := l.Acquire("acme", key, Limits{MaxConcurrency: 1})
	if _, _, ok := l.Acquire("acme", key, Limits{MaxConcurrency: 1}); ok {
		t.Fatal("second request admitted under a node cap of 1")
	}
	r()
}

// TestQueueSpreadsRetries checks that refused requests are handed
// distinct times, one step (average duration / cap) apart.
func TestQueueSpreadsRetries(t *testing.T) {
	clock := fakeclock.New()
	l := New(Config{}, clock)
	lim := Limits{MaxConcurrency: 2}
	// Time the origin: requests take 500 ms.
	for range 2 {
		r, _, _ := l.Acquire("acme", key, lim)
		clock.Advance(500 * time.Millisecond)
		r()
	}
	a, _, _ := l.Acquire("acme", key, lim)
	b, _, _ := l.Acquire("acme", key, lim)
	defer a()
	defer b()
	now := clock.Now()
	prev := now
	for i := 1; i <= 4; i++ {
		_, at, ok := l.Acquire("acme", key, lim)
		if ok {
			t.Fatal("admitted over the cap")
		}
		lo, hi := now.Add(time.Duration(i)*250*time.Millisecond), now.Add(time.Duration(i)*250*time.Millisecond+63*time.Millisecond)
		if at.Before(lo) || at.After(hi) || !at.After(prev) {
			t.Fatalf("refusal %d: retry at +%v, want within [+%v, +%v] and after the previous", i, at.Sub(now), lo.Sub(now), hi.Sub(now))
		}
		prev = at
	}
	// Once the queue's time has passed, it starts again from now.
	clock.Advance(10 * time.Second)
	if _, at, _ := l.Acquire("acme", key, lim); at.After(clock.Now().Add(313 * time.Millisecond)) {
		t.Fatalf("after the queue drained: retry at +%v", at.Sub(clock.Now()))
	}
}

func TestRate(t *testing.T) {
	clock := fakeclock.New()
	l := New(Config{}, clock)
	lim := Limits{RatePerSecond: 10}
	r, _, ok := l.Acquire("acme", key, lim)
	if !ok {
		t.Fatal("first request refused")
	}
	r()
	_, at, ok := l.Acquire("acme", key, lim)
	if ok {
		t.Fatal("second request within 100 ms admitted at 10/s")
	}
	if d := at.Sub(clock.Now()); d < 100*time.Millisecond || d > 200*time.Millisecond {
		t.Fatalf("retry in %v, want about 100-125 ms", d)
	}
	clock.Advance(100 * time.Millisecond)
	if _, _, ok := l.Acquire("acme", key, lim); !ok {
		t.Fatal("refused once the interval passed")
	}
	// Over a simulated second with a request offered every millisecond,
	// about rate requests go.
	var admitted int
	for range 1000 {
		clock.Advance(time.Millisecond)
		if r, _, ok := l.Acquire("acme", key, lim); ok {
			admitted++
			r()
		}
	}
	if admitted < 9 || admitted > 11 {
		t.Fatalf("%d requests admitted in a second at 10/s", admitted)
	}
}

func TestNoLimitsKeepsNoState(t *testing.T) {
	l := New(Config{}, fakeclock.New())
	r, _, ok := l.Acquire("acme", key, Limits{})
	if !ok {
		t.Fatal("refused without limits")
	}
	r()
	if len(l.origins) != 0 {
		t.Fatalf("%d origins tracked without limits", len(l.origins))
	}
}

func TestIdleOriginsAreDropped(t *testing.T) {
	clock := fakeclock.New()
	l := New(Config{Default: Limits{MaxConcurrency: 1}, IdleEvict: time.Minute}, clock)
	r, _, _ := l.Acquire("acme", key, Limits{})
	held, _, _ := l.Acquire("acme", "https://busy.example:443", Limits{})
	r()
	clock.Advance(2 * time.Minute)
	if _, _, ok := l.Acquire("acme", "https://trigger.example:443", Limits{}); !ok {
		t.Fatal("refused")
	}
	if _, ok := l.origins[key]; ok {
		t.Fatal("idle origin kept")
	}
	if _, ok := l.origins["https://busy.example:443"]; !ok {
		t.Fatal("origin with a request in flight dropped")
	}
	held()
}

// TestConcurrentCapHolds runs many goroutines against a cap (run with
// -race) and checks that the cap is never exceeded.
func TestConcurrentCapHolds(t *testing.T) {
	l := New(Config{Default: Limits{MaxConcurrency: 3}}, nil)
	var inflight, peak, admitted atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				r, _, ok := l.Acquire("acme", key, Limits{})
				if !ok {
					continue
				}
				n := inflight.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				admitted.Add(1)
				inflight.Add(-1)
				r()
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || admitted.Load() == 0 {
		t.Fatalf("peak %d in flight under a cap of 3 (%d admitted)", p, admitted.Load())
	}
	if n := l.InFlight(key); n != 0 {
		t.Fatalf("%d left in flight", n)
	}
}
