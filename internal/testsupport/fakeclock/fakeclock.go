// Package fakeclock is a clock that tests move by hand, for the packages
// that take an injected clock (clock.Clock, breaker.Clock,
// endpointlimit.Clock, or a func() time.Time such as oauth.Config.Now via
// the method value c.Now).
//
// A fake clock only moves what reads it: timers and sleeps in the code under
// test still run on the system clock. Where the code waits on timers, test it
// under testing/synctest with the system clock instead.
//
// Only tests import this package.
package fakeclock

import (
	"sync"
	"time"
)

// Start is the time a Clock from New shows until it is advanced: a fixed
// instant, so that a test sees the same times on every run.
var Start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Clock is a clock that moves only when Advance is called. It is
// safe for concurrent use by multiple goroutines. Create it with New or At.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a Clock showing Start.
func New() *Clock { return At(Start) }

// At returns a Clock showing t.
func At(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the time the clock shows.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
