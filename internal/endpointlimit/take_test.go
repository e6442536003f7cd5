package endpointlimit

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// Take waits on timers, so its tests run in a synctest bubble with the
// system clock (a nil Clock): the bubble's fake time drives both the
// limiter's readings and its timers, waits take no real time, and
// synctest.Wait tells when every Take has settled into its wait. A request
// that takes no time at all reads as an origin not timed yet: the tests
// sleep a microsecond for a fast one.

// TestTakeWaitsForASlot: at a fast origin's cap, Take waits and gets the
// slot a release frees, first come first served; Acquire cannot jump the
// queue meanwhile.
func TestTakeWaitsForASlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Config{Default: Limits{MaxConcurrency: 1}, MaxWait: 5 * time.Second}, nil)
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
			synctest.Wait()
			if n := waiters(l); n != i+1 {
				t.Fatalf("%d waiters after %d Takes at the cap", n, i+1)
			}
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
	})
}

// TestTakeRefusesASlowOrigin: an origin whose requests take long is not
// expected to free a slot within MaxWait, so Take refuses at once, with a
// place in the queue, instead of holding the worker.
func TestTakeRefusesASlowOrigin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Config{Default: Limits{MaxConcurrency: 2}, MaxWait: 50 * time.Millisecond}, nil)
		r, _, _ := l.Acquire("acme", key, Limits{})
		time.Sleep(10 * time.Second) // average request: 10 s
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
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("Take held the worker %v for an origin freeing a slot every 5 s", waited)
		}
		if d := time.Until(at); d < 5*time.Second {
			t.Fatalf("come back in %v, want at least a slot (5 s)", d)
		}
	})
}

// TestTakeGivesUpAfterMaxWait: a wait that runs out is refused with a
// place in the queue, leaves no waiter behind and makes the next Take
// refuse at once.
func TestTakeGivesUpAfterMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Config{Default: Limits{MaxConcurrency: 1}, MaxWait: 30 * time.Millisecond}, nil)
		r, _, _ := l.Take(context.Background(), "acme", key, Limits{})
		time.Sleep(time.Microsecond) // a fast origin: a slot is expected within microseconds
		r()
		release, _, _ := l.Take(context.Background(), "acme", key, Limits{})
		start := time.Now()
		if _, at, ok := l.Take(context.Background(), "acme", key, Limits{}); ok || at.IsZero() {
			t.Fatalf("Take = %v, %v; want refused with a time to come back", ok, at)
		}
		if waited := time.Since(start); waited != 30*time.Millisecond {
			t.Fatalf("gave up after %v, MaxWait 30ms", waited)
		}
		// The wait in vain taught the limiter that slots free slower than
		// MaxWait: the next Take is refused at once.
		start = time.Now()
		if _, _, ok := l.Take(context.Background(), "acme", key, Limits{}); ok {
			t.Fatal("Take admitted at cap 1")
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("second Take waited %v in vain again", waited)
		}
		if n := waiters(l); n != 0 {
			t.Fatalf("%d waiters left behind", n)
		}
		release()
		if n := l.InFlight(key); n != 0 {
			t.Fatalf("%d in flight after the only request ended: a slot went to a waiter that gave up", n)
		}
	})
}

// TestTakeWaitsForTheRate: under a rate, Take waits for the next start
// the rate allows when it is within MaxWait, and refuses beyond.
func TestTakeWaitsForTheRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Config{Default: Limits{RatePerSecond: 100}, MaxWait: 35 * time.Millisecond}, nil)
		start := time.Now()
		started := make(chan time.Duration, 4)
		for i := range 4 {
			go func() {
				if _, _, ok := l.Take(context.Background(), "acme", key, Limits{}); !ok {
					t.Errorf("Take %d refused", i)
				}
				started <- time.Since(start)
			}()
		}
		synctest.Wait() // the four have their starts: 0, 10, 20 and 30 ms
		if _, _, ok := l.Take(context.Background(), "acme", key, Limits{}); ok {
			t.Fatal("Take admitted a start 40 ms away, MaxWait 35 ms")
		}
		var got []time.Duration
		for range 4 {
			got = append(got, <-started)
		}
		slices.Sort(got)
		if want := []time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}; !slices.Equal(got, want) {
			t.Fatalf("four starts at 100/s went at %v, want %v", got, want)
		}
	})
}

func waiters(l *Limiter) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.origins[key]; o != nil {
		return len(o.waiters)
	}
	return 0
}

// TestTakeCanceled: a cancelled context ends a wait at once, refused, and
// teaches the limiter nothing: the next Take waits and gets the slot.
func TestTakeCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(Config{Default: Limits{MaxConcurrency: 1}, MaxWait: 5 * time.Second}, nil)
		r, _, _ := l.Take(context.Background(), "acme", key, Limits{})
		time.Sleep(time.Microsecond) // a fast origin
		r()
		release, _, _ := l.Take(context.Background(), "acme", key, Limits{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(5*time.Millisecond, cancel)
		start := time.Now()
		if _, _, ok := l.Take(ctx, "acme", key, Limits{}); ok {
			t.Fatal("Take admitted after its context ended")
		}
		if waited := time.Since(start); waited != 5*time.Millisecond {
			t.Fatalf("a wait cancelled after 5ms lasted %v", waited)
		}
		time.AfterFunc(20*time.Millisecond, release)
		if _, _, ok := l.Take(context.Background(), "acme", key, Limits{}); !ok {
			t.Fatal("Take refused after a cancelled wait: the cancellation raised the estimate")
		}
	})
}
