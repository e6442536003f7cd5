package endpointlimit

import (
	"context"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
)

// TestTakeWaitsForASlot: at a fast origin's cap, Take waits and gets the
// slot a release frees, first come first served; Acquire cannot jump the
// queue meanwhile.
func TestTakeWaitsForASlot(t *testing.T) {
	l := New(Config{Default: Limits{MaxConcurrency: 1}, MaxWait: 5 * time.Second}, fakeclock.New())
	release, _, ok := l.Take(context.Background(), "acme", key, Limits{})
	if !ok {
		t.Fatal("first Take refused")
	}
	order := make(chan int, 3)
	releases := make(chan func(), 3)
	for i := range 3 {
		go func() {
			r, _, ok := l.Take(context.Background(), "acme", key, Limits{})
			if !ok {
				t.Errorf("waiter %d refused", i)
				order <- -1
				releases <- func() {}
				return
			}
			order <- i
			releases <- r
		}()
		waitUntil(t, func() bool { return waiters(l) == i+1 })
	}
	if _, _, ok := l.Acquire("acme", key, Limits{}); ok {
		t.Fatal("Acquire jumped the queue of waiters")
	}
	release()
	for want := range 3 {
		if got := <-order; got != want {
			t.Fatalf("waiter %d served in place %d", got, want)
		}
		if n := l.InFlight(key); n != 1 {
			t.Fatalf("%d in flight while handing over, cap 1", n)
		}
		(<-releases)()
	}
	if n := l.InFlight(key); n != 0 {
		t.Fatalf("%d in flight after every release", n)
	}
}

// TestTakeRefusesASlowOrigin: an origin whose requests take long is not
// expected to free a slot within MaxWait, so Take refuses at once, with a
// place in the queue, instead of holding the worker.
func TestTakeRefusesASlowOrigin(t *testing.T) {
	clock := fakeclock.New()
	l := New(Config{Default: Limits{MaxConcurrency: 2}, MaxWait: 50 * time.Millisecond}, clock)
	r, _, _ := l.Acquire("acme", key, Limits{})
	clock.Advance(10 * time.Second) // average request: 10 s
	r()
	r1, _, _ := l.Take(context.Background(), "acme", key, Limits{})
	r2, _, _ := l.Take(context.Background(), "acme", key, Limits{})
	defer r1()
	defer r2()
	start := time.Now()
	_, at, ok := l.Take(context.Background(), "acme", key, Limits{})
	if ok {
		t.Fatal("Take admitted a third request at cap 2")
	}
	if waited := time.Since(start); waited > 40*time.Millisecond {
		t.Fatalf("Take held the worker %v for an origin freeing a slot every 5 s", waited)
	}
	if d := at.Sub(clock.Now()); d < 5*time.Second {
		t.Fatalf("come back in %v, want at least a slot (5 s)", d)
	}
}

// TestTakeGivesUpAfterMaxWait: a wait that runs out is refused with a
// place in the queue, leaves no waiter behind and makes the next Take
// refuse at once.
func TestTakeGivesUpAfterMaxWait(t *testing.T) {
	l := New(Config{Default: Limits{MaxConcurrency: 1}, MaxWait: 30 * time.Millisecond}, nil)
	r, _, _ := l.Take(context.Background(), "acme", key, Limits{})
	r() // a fast origin: a slot is expected within microseconds
	release, _, _ := l.Take(context.Background(), "acme", key, Limits{})
	start := time.Now()
	if _, at, ok := l.Take(context.Background(), "acme", key, Limits{}); ok || at.IsZero() {
		t.Fatalf("Take = %v, %v; want refused with a time to come back", ok, at)
	}
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Fatalf("gave up after %v, MaxWait 30ms", waited)
	}
	// The wait in vain taught the limiter that slots free slower than
	// MaxWait: the next Take is refused at once.
	start = time.Now()
	if _, _, ok := l.Take(context.Background(), "acme", key, Limits{}); ok {
		t.Fatal("Take admitted at cap 1")
	}
	if waited := time.Since(start); waited > 20*time.Millisecond {
		t.Fatalf("second Take waited %v in vain again", waited)
	}
	if n := waiters(l); n != 0 {
		t.Fatalf("%d waiters left behind", n)
	}
	release()
	if n := l.InFlight(key); n != 0 {
		t.Fatalf("%d in flight after the only request ended: a slot went to a waiter that gave up", n)
	}
}

// TestTakeWaitsForTheRate: under a rate, Take waits for the next start
// the rate allows when it is within MaxWait, and refuses beyond.
func TestTakeWaitsForTheRate(t *testing.T) {
	l := New(Config{Default: Limits{RatePerSecond: 100}, MaxWait: 35 * time.Millisecond}, fakeclock.New())
	start := time.Now()
	for i := range 4 { // starts at 0, 10, 20, 30 ms
		if _, _, ok := l.Take(context.Background(), "acme", key, Limits{}); !ok {
			t.Fatalf("Take %d refused", i)
		}
	}
	if waited := time.Since(start); waited < 55*time.Millisecond {
		t.Fatalf("four starts at 100/s took %v, want the waits 10+20+30 ms", waited)
	}
	if _, _, ok := l.Take(context.Background(), "acme", key, Limits{}); ok {
		t.Fatal("Take admitted a start 40 ms away, MaxWait 35 ms")
	}
}

func waiters(l *Limiter) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.origins[key]; o != nil {
		return len(o.waiters)
	}
	return 0
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestTakeCanceled: a cancelled context ends a wait at once, refused, and
// teaches the limiter nothing: the next Take waits and gets the slot.
func TestTakeCanceled(t *testing.T) {
	l := New(Config{Default: Limits{MaxConcurrency: 1}, MaxWait: 5 * time.Second}, nil)
	r, _, _ := l.Take(context.Background(), "acme", key, Limits{})
	r() // a fast origin
	release, _, _ := l.Take(context.Background(), "acme", key, Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(5*time.Millisecond, cancel)
	start := time.Now()
	if _, _, ok := l.Take(ctx, "acme", key, Limits{}); ok {
		t.Fatal("Take admitted after its context ended")
	}
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("a cancelled wait lasted %v", waited)
	}
	time.AfterFunc(20*time.Millisecond, release)
	if _, _, ok := l.Take(context.Background(), "acme", key, Limits{}); !ok {
		t.Fatal("Take refused after a cancelled wait: the cancellation raised the estimate")
	}
}
