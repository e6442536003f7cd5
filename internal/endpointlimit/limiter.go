package endpointlimit

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound the requests to one origin. A zero field sets no bound.
type Limits struct {
	// MaxConcurrency caps the requests in flight at once.
	MaxConcurrency int
	// RatePerSecond caps how many requests start per second, spaced
	// evenly (no bursts).
	RatePerSecond float64
}

// None reports whether l bounds nothing.
func (l Limits) None() bool { return l.MaxConcurrency <= 0 && l.RatePerSecond <= 0 }

// Over returns l with each zero field taken from defaults: a node's own
// limits over the operator's.
func (l Limits) Over(defaults Limits) Limits {
	if l.MaxConcurrency <= 0 {
		l.MaxConcurrency = defaults.MaxConcurrency
	}
	if l.RatePerSecond <= 0 {
		l.RatePerSecond = defaults.RatePerSecond
	}
	return l
}

// Config configures a Limiter.
type Config struct {
	// Default applies to every origin, field by field, unless the caller's
	// limits set the field.
	Default Limits
	// IdleEvict drops the state of origins with nothing in flight and no
	// request for this long; default 10m.
	IdleEvict time.Duration
	// MaxWait is how long Take may wait for room at an origin that is
	// expected to have it by then; 0 never waits (Take is Acquire).
	MaxWait time.Duration
}

// Clock tells the time. It must be safe for concurrent use.
type Clock interface {
	Now() time.Time
}

// Limiter holds the per-origin counts. It is safe for concurrent use by
// multiple goroutines. Create it with New.
type Limiter struct {
	cfg   Config
	clock Clock

	mu        sync.Mutex
	origins   map[string]*origin
	nextSweep time.Time
}

// origin is one origin's state.
type origin struct {
	inflight int
	// tat is when the next request conforms to the rate (GCRA's
	// theoretical arrival time).
	tat time.Time
	// queue is the end of the virtual queue of refused requests.
	queue time.Time
	// avg is the moving average of request durations.
	avg      time.Duration
	lastUsed time.Time
	// waiters wait in Take for a slot, first come first served: a
	// release hands its slot to the first of them instead of freeing it,
	// so that inflight stays at the cap while anyone waits and Acquire
	// cannot jump the queue.
	waiters []*waiter
}

// waiter is one Take waiting for a slot.
type waiter struct {
	ready   chan struct{} // closed once granted
	granted bool          // set under Limiter.mu
}

// Guesses used before an origin's requests have been timed, and bounds
// of the times Acquire hands out.
const (
	firstGuess = 100 * time.Millisecond
	minWait    = 20 * time.Millisecond
)

// New returns a Limiter. A nil clock is the system clock.
func New(cfg Config, clock Clock) *Limiter {
	if clock == nil {
		clock = systemClock{}
	}
	if cfg.IdleEvict <= 0 {
		cfg.IdleEvict = 10 * time.Minute
	}
	return &Limiter{cfg: cfg, clock: clock, origins: map[string]*origin{}}
}

// Acquire asks for one request to key (an endpoint origin) under limits
// (a node's own, zero fields falling back to the Limiter's defaults). It
// never blocks. If the request may go, ok is true and release must be
// called once when it has ended (later calls do nothing). Otherwise
// retryAt is when to come back: a place in the origin's queue, at the
// pace the origin accepts, with a little jitter.
func (l *Limiter) Acquire(key string, limits Limits) (release func(), retryAt time.Time, ok bool) {
	lim := limits.Over(l.cfg.Default)
	if lim.None() {
		return func() {}, time.Time{}, true
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.origin(key, now)
	interval := rateInterval(lim.RatePerSecond)
	concOK := lim.MaxConcurrency <= 0 || o.inflight < lim.MaxConcurrency
	rateOK := interval == 0 || !now.Before(o.tat)
	if concOK && rateOK {
		o.inflight++
		if interval > 0 {
			o.tat = later(o.tat, now).Add(interval)
		}
		return l.releaser(o, now), time.Time{}, true
	}
	return nil, o.reserve(now, lim, interval, concOK), false
}

// Take is Acquire that may wait, at most Config.MaxWait, when an origin
// at its limit is expected to have room by then: a slot of a concurrency
// cap frees every average duration / cap, and waiters are served first
// come, first served, as many as are expected to be served in time; a
// rate allows the next start at a known time. An origin that is not
// expected to have room within MaxWait — a slow endpoint at its cap — is
// refused at once, as by Acquire, so that a worker waits only behind an
// endpoint that is keeping up. The wait ends early, refused, when ctx
// ends. Waiting for a concurrency slot is only done for origins without
// a rate.
func (l *Limiter) Take(ctx context.Context, key string, limits Limits) (release func(), retryAt time.Time, ok bool) {
	lim := limits.Over(l.cfg.Default)
	if lim.None() || l.cfg.MaxWait <= 0 {
		return l.Acquire(key, limits)
	}
	now := l.clock.Now()
	l.mu.Lock()
	o := l.origin(key, now)
	interval := rateInterval(lim.RatePerSecond)
	concOK := lim.MaxConcurrency <= 0 || o.inflight < lim.MaxConcurrency
	switch {
	case concOK && (interval == 0 || !now.Before(o.tat)):
		o.inflight++
		if interval > 0 {
			o.tat = later(o.tat, now).Add(interval)
		}
		l.mu.Unlock()
		return l.releaser(o, now), time.Time{}, true
	case concOK && o.tat.Sub(now) <= l.cfg.MaxWait:
		// The rate allows a start within MaxWait: take that start.
		start := o.tat
		o.inflight++
		o.tat = start.Add(interval)
		l.mu.Unlock()
		if !sleep(ctx, start.Sub(now)) {
			l.unused(o)
			return nil, l.clock.Now(), false
		}
		return l.releaser(o, l.clock.Now()), time.Time{}, true
	case !concOK && interval == 0 && o.avg/time.Duration(lim.MaxConcurrency)*time.Duration(len(o.waiters)+1) < l.cfg.MaxWait:
		// An origin not timed yet is given the benefit of the doubt: its
		// waiters wait at most MaxWait, and a wait in vain raises the
		// estimate.
		w := &waiter{ready: make(chan struct{})}
		o.waiters = append(o.waiters, w)
		l.mu.Unlock()
		return l.wait(ctx, o, w, lim)
	}
	defer l.mu.Unlock()
	return nil, o.reserve(now, lim, interval, concOK), false
}

// wait waits for w to be granted a slot of o, up to MaxWait.
func (l *Limiter) wait(ctx context.Context, o *origin, w *waiter, lim Limits) (release func(), retryAt time.Time, ok bool) {
	timer := time.NewTimer(l.cfg.MaxWait)
	defer timer.Stop()
	timedOut := false
	select {
	case <-w.ready:
		return l.releaser(o, l.clock.Now()), time.Time{}, true
	case <-timer.C:
		timedOut = true
	case <-ctx.Done():
	}
	now := l.clock.Now()
	l.mu.Lock()
	if w.granted {
		// Granted as the wait ended: the slot is ours.
		l.mu.Unlock()
		if ctx.Err() != nil {
			l.unused(o)
			return nil, now, false
		}
		return l.releaser(o, now), time.Time{}, true
	}
	if i := slices.Index(o.waiters, w); i >= 0 {
		o.waiters = slices.Delete(o.waiters, i, i+1)
		// No slot for the waiter in place i+1 within MaxWait: slots free
		// slower than every MaxWait/(i+1). Raise the estimate, so that the
		// next ones are refused at once instead of waiting in vain.
		if est := l.cfg.MaxWait * time.Duration(lim.MaxConcurrency) / time.Duration(i+1); timedOut && est > o.avg {
			o.avg = est
		}
	}
	defer l.mu.Unlock()
	return nil, o.reserve(now, lim, 0, false), false
}

// sleep waits d, or less when ctx ends first (then it returns false).
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// origin returns key's state, created if new. l.mu must be held.
func (l *Limiter) origin(key string, now time.Time) *origin {
	l.maybeSweep(now)
	o := l.origins[key]
	if o == nil {
		o = &origin{}
		l.origins[key] = o
	}
	o.lastUsed = now
	return o
}

// slot is how often o is expected to free a slot under lim's cap: the
// average request duration over the cap.
func (o *origin) slot(lim Limits) time.Duration {
	avg := o.avg
	if avg <= 0 {
		avg = firstGuess
	}
	return avg / time.Duration(lim.MaxConcurrency)
}

// reserve gives a refused request its place in o's queue: when the
// origin is expected to accept one more request (a slot frees every
// average duration / cap; the rate lets one start every interval), after
// the requests refused before it, one step apart.
func (o *origin) reserve(now time.Time, lim Limits, interval time.Duration, concOK bool) time.Time {
	var slot time.Duration
	if !concOK {
		slot = o.slot(lim)
	}
	// One step apart, as documented: minWait bounds how soon the first
	// comes back, not the spacing. (As a step it spread a refused burst
	// over 20 ms each: 1,000 refusals of a fast endpoint waited 20 s.)
	step := max(slot, interval)
	base := now.Add(max(slot, minWait))
	if interval > 0 {
		base = later(base, o.tat)
	}
	place := later(o.queue, base)
	o.queue = place.Add(step)
	return place.Add(time.Duration(rand.Int64N(int64(step)/4 + 1)))
}

// releaser returns the release function of a request started at start.
func (l *Limiter) releaser(o *origin, start time.Time) func() {
	var done atomic.Bool
	return func() {
		if done.Swap(true) {
			return
		}
		now := l.clock.Now()
		l.mu.Lock()
		defer l.mu.Unlock()
		o.lastUsed = now
		o.observe(now.Sub(start))
		o.free()
	}
}

// free gives back one slot of o: to the first waiter if any (inflight
// stays), else to the pool. Limiter.mu must be held.
func (o *origin) free() {
	if len(o.waiters) > 0 {
		w := o.waiters[0]
		o.waiters[0] = nil
		o.waiters = o.waiters[1:]
		w.granted = true
		close(w.ready)
		return
	}
	o.inflight--
}

// unused gives back a slot taken for a request that was never sent.
func (l *Limiter) unused(o *origin) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o.free()
}

// observe folds one request's duration into the moving average.
func (o *origin) observe(d time.Duration) {
	if o.avg <= 0 {
		o.avg = d
		return
	}
	o.avg += (d - o.avg) / 5
}

// maybeSweep drops idle origins every IdleEvict/4. l.mu must be held.
func (l *Limiter) maybeSweep(now time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(l.cfg.IdleEvict / 4)
	for key, o := range l.origins {
		if o.inflight == 0 && now.Sub(o.lastUsed) >= l.cfg.IdleEvict {
			delete(l.origins, key)
		}
	}
}

// InFlight returns how many requests to key are in flight.
func (l *Limiter) InFlight(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.origins[key]; o != nil {
		return o.inflight
	}
	return 0
}

// rateInterval is the spacing of requests at rate per second; 0 for no
// rate.
func rateInterval(rate float64) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / rate)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
