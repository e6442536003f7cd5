package endpointlimit

import (
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
)

// TestFastOriginRefusalsStayClose checks that the requests refused by a
// fast origin at its cap come back one step (average duration / cap)
// apart, not minWait apart: a burst of refusals must not be spread over
// seconds when slots free every few microseconds.
func TestFastOriginRefusalsStayClose(t *testing.T) {
	clock := fakeclock.New()
	l := New(Config{}, clock)
	lim := Limits{MaxConcurrency: 100}
	// Time the origin: requests take 1 ms, so a slot frees every 10 µs.
	r, _, _ := l.Acquire("acme", key, lim)
	clock.Advance(time.Millisecond)
	r()
	var held []func()
	for range 100 {
		r, _, ok := l.Acquire("acme", key, lim)
		if !ok {
			t.Fatal("refused under the cap")
		}
		held = append(held, r)
	}
	defer func() {
		for _, r := range held {
			r()
		}
	}()
	var last time.Time
	for range 1000 {
		_, at, ok := l.Acquire("acme", key, lim)
		if ok {
			t.Fatal("admitted over the cap")
		}
		last = at
	}
	// The first comes back after minWait; 1,000 refusals 10 µs apart add
	// about 10 ms (jitter included), not 1,000 x minWait.
	if spread := last.Sub(clock.Now()); spread > minWait+20*time.Millisecond {
		t.Errorf("the 1,000th refused request comes back after %s", spread)
	}
}
