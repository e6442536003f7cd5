package endpointlimit

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowhook/flowhook/internal/clock"
)

// Limits bound requests: the operator's bound an origin (every account
// together), a node's own bound its account's requests to the origin. A
// zero field sets no bound.
type Limits struct {
	// MaxConcurrency caps the requests in flight at once.
	MaxConcurrency int
	// RatePerSecond caps how many requests start per second, spaced
	// evenly (no bursts).
	RatePerSecond float64
}

// None reports whether l bounds nothing.
func (l Limits) None() bool { return l.MaxConcurrency <= 0 && l.RatePerSecond <= 0 }

// Config configures a Limiter.
type Config struct {
	// Default are every origin's limits, shared by the accounts active at
	// it (see the package documentation).
	Default Limits
	// MinShare is the least an active account's share of an origin's
	// concurrency cap is (never more than the cap); default 1.
	MinShare int
	// IdleEvict drops the state of origins and accounts with nothing in
	// flight and no request for this long; default 10m.
	IdleEvict time.Duration
	// MaxWait is how long Take may wait for room at an origin that is
	// expected to have it by then; 0 never waits (Take is Acquire).
	MaxWait time.Duration
}

// Clock is the time a Limiter judges rates, waits and idleness by, with
// the contract of clock.Clock: Now is safe for concurrent use. Take's
// waits are timers of the system clock (tests run them under
// testing/synctest).
type Clock interface {
	Now() time.Time
}

// Limiter holds the per-origin and per-account counts. It is safe for
// concurrent use by multiple goroutines. Create it with New.
type Limiter struct {
	cfg   Config
	clock Clock

	mu        sync.Mutex
	origins   map[string]*origin
	nextSweep time.Time
}

// origin is one origin's state: what every account sends it.
type origin struct {
	inflight int
	// tat is when the next request conforms to the origin's rate (GCRA's
	// theoretical arrival time).
	tat time.Time
	// avg is the moving average of request durations.
	avg      time.Duration
	lastUsed time.Time
	// waiters wait in Take for a slot, first come first served among
	// those whose account is within its share: a release hands its slot to
	// the first of them instead of freeing it, so that Acquire cannot jump
	// the queue.
	waiters  []*waiter
	accounts map[string]*account
	// active caches how many accounts are active at the origin, counted
	// at activeAt.
	active   int
	activeAt time.Time
}

// account is one account's state at one origin.
type account struct {
	inflight int
	// tat is when the account's next request conforms to its node's rate.
	tat time.Time
	// queue is the end of the account's virtual queue of refused requests.
	queue time.Time
	// activeUntil keeps a refused (parked) account counted as active at
	// the origin until its requests are due back.
	activeUntil time.Time
	lastUsed    time.Time
	waiting     int
}

// waiter is one Take waiting for a slot.
type waiter struct {
	acct    *account
	node    Limits
	ready   chan struct{} // closed once granted
	granted bool          // set under Limiter.mu
}

// Guesses used before an origin's requests have been timed, bounds of the
// times Acquire hands out, and how long an account stays active at an
// origin after its last request.
const (
	firstGuess     = 100 * time.Millisecond
	minWait        = 20 * time.Millisecond
	activeWindow   = time.Second
	activeRecount  = 50 * time.Millisecond
	defaultIdleEvt = 10 * time.Minute
)

// New returns a Limiter. A nil c is the system clock (clock.System).
func New(cfg Config, c Clock) *Limiter {
	if c == nil {
		c = clock.System{}
	}
	if cfg.IdleEvict <= 0 {
		cfg.IdleEvict = defaultIdleEvt
	}
	if cfg.MinShare <= 0 {
		cfg.MinShare = 1
	}
	return &Limiter{cfg: cfg, clock: c, origins: map[string]*origin{}}
}

// check is what one request of an account to an origin may do now.
type check struct {
	concOK bool
	// cap is the concurrency cap that binds (for the wait estimate).
	cap int
	// start is the earliest start the rates allow; zero when no rate binds.
	start time.Time
}

// check applies the origin's limits (with a's share of the cap) and the
// node's to one request at now. l.mu must be held.
func (l *Limiter) check(o *origin, a *account, node Limits, now time.Time) check {
	c := check{concOK: true}
	if op := l.cfg.Default.MaxConcurrency; op > 0 {
		share := l.share(o, now)
		if o.inflight >= op || a.inflight >= share {
			c.concOK, c.cap = false, op
		}
	}
	if node.MaxConcurrency > 0 && a.inflight >= node.MaxConcurrency {
		c.concOK, c.cap = false, node.MaxConcurrency
	}
	if l.cfg.Default.RatePerSecond > 0 && now.Before(o.tat) {
		c.start = o.tat
	}
	if node.RatePerSecond > 0 && now.Before(a.tat) {
		c.start = later(c.start, a.tat)
	}
	return c
}

// share is an active account's share of the origin's concurrency cap.
// l.mu must be held.
func (l *Limiter) share(o *origin, now time.Time) int {
	op := l.cfg.Default.MaxConcurrency
	n := max(l.activeAccounts(o, now), 1)
	return min(op, max((op+n-1)/n, l.cfg.MinShare))
}

// activeAccounts counts the accounts active at o: a request in flight or
// waiting, a request within activeWindow, or refused requests not yet due
// back. The count is refreshed at most every activeRecount. l.mu must be
// held.
func (l *Limiter) activeAccounts(o *origin, now time.Time) int {
	if now.Sub(o.activeAt) < activeRecount && !o.activeAt.IsZero() {
		return o.active
	}
	n := 0
	for _, a := range o.accounts {
		if a.isActive(now) {
			n++
		}
	}
	o.active, o.activeAt = n, now
	return n
}

func (a *account) isActive(now time.Time) bool {
	return a.inflight > 0 || a.waiting > 0 || now.Sub(a.lastUsed) < activeWindow || now.Before(a.activeUntil)
}

// Acquire asks for one request of acct to key (an endpoint origin) under
// the origin's limits (Config.Default, shared by the active accounts) and
// node (the node's own limits, its account's). It never blocks. If the
// request may go, ok is true and release must be called once when it has
// ended (later calls do nothing). Otherwise retryAt is when to come back:
// a place in the account's queue at the origin, at the pace the origin
// accepts, with a little jitter.
func (l *Limiter) Acquire(acct, key string, node Limits) (release func(), retryAt time.Time, ok bool) {
	if l.cfg.Default.None() && node.None() {
		return func() {}, time.Time{}, true
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	o, a := l.state(key, acct, now)
	c := l.check(o, a, node, now)
	if c.concOK && c.start.IsZero() && a.waiting == 0 {
		l.take(o, a, node, now)
		return l.releaser(o, a, now), time.Time{}, true
	}
	return nil, l.refuse(o, a, node, now, c), false
}

// Take is Acquire that may wait, at most Config.MaxWait, when the request
// is expected to be allowed by then: a slot of a concurrency cap frees
// every average duration / cap, and waiters are served first come, first
// served (among those within their account's share), as many as are
// expected to be served in time; a rate allows the next start at a known
// time. A request not expected to go within MaxWait — a slow endpoint at
// its cap — is refused at once, as by Acquire, so that a worker waits only
// behind an endpoint that is keeping up. The wait ends early, refused,
// when ctx ends. Waiting for a concurrency slot is only done when no rate
// applies.
func (l *Limiter) Take(ctx context.Context, acct, key string, node Limits) (release func(), retryAt time.Time, ok bool) {
	if (l.cfg.Default.None() && node.None()) || l.cfg.MaxWait <= 0 {
		return l.Acquire(acct, key, node)
	}
	now := l.clock.Now()
	l.mu.Lock()
	o, a := l.state(key, acct, now)
	c := l.check(o, a, node, now)
	rated := l.cfg.Default.RatePerSecond > 0 || node.RatePerSecond > 0
	switch {
	case c.concOK && c.start.IsZero() && a.waiting == 0:
		l.take(o, a, node, now)
		l.mu.Unlock()
		return l.releaser(o, a, now), time.Time{}, true
	case c.concOK && a.waiting == 0 && c.start.Sub(now) <= l.cfg.MaxWait:
		// The rates allow a start within MaxWait: take that start.
		start := c.start
		l.take(o, a, node, start)
		l.mu.Unlock()
		if !sleep(ctx, start.Sub(now)) {
			l.unused(o, a)
			return nil, l.clock.Now(), false
		}
		return l.releaser(o, a, l.clock.Now()), time.Time{}, true
	case !c.concOK && !rated && o.slot(c.cap)*time.Duration(len(o.waiters)+1) < l.cfg.MaxWait:
		// An origin not timed yet is given the benefit of the doubt: its
		// waiters wait at most MaxWait, and a wait in vain raises the
		// estimate.
		w := &waiter{acct: a, node: node, ready: make(chan struct{})}
		o.waiters = append(o.waiters, w)
		a.waiting++
		l.mu.Unlock()
		return l.wait(ctx, o, w, c.cap)
	}
	defer l.mu.Unlock()
	return nil, l.refuse(o, a, node, now, c), false
}

// take counts one request of a starting at start. l.mu must be held.
func (l *Limiter) take(o *origin, a *account, node Limits, start time.Time) {
	o.inflight++
	a.inflight++
	if iv := rateInterval(l.cfg.Default.RatePerSecond); iv > 0 {
		o.tat = later(o.tat, start).Add(iv)
	}
	if iv := rateInterval(node.RatePerSecond); iv > 0 {
		a.tat = later(a.tat, start).Add(iv)
	}
}

// wait waits for w to be granted a slot of o, up to MaxWait.
func (l *Limiter) wait(ctx context.Context, o *origin, w *waiter, binding int) (release func(), retryAt time.Time, ok bool) {
	timer := time.NewTimer(l.cfg.MaxWait)
	defer timer.Stop()
	timedOut := false
	select {
	case <-w.ready:
		return l.releaser(o, w.acct, l.clock.Now()), time.Time{}, true
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
			l.unused(o, w.acct)
			return nil, now, false
		}
		return l.releaser(o, w.acct, now), time.Time{}, true
	}
	w.acct.waiting--
	if i := slices.Index(o.waiters, w); i >= 0 {
		o.waiters = slices.Delete(o.waiters, i, i+1)
		// No slot for the waiter in place i+1 within MaxWait: slots free
		// slower than every MaxWait/(i+1). Raise the estimate, so that the
		// next ones are refused at once instead of waiting in vain.
		if est := l.cfg.MaxWait * time.Duration(binding) / time.Duration(i+1); timedOut && est > o.avg {
			o.avg = est
		}
	}
	defer l.mu.Unlock()
	return nil, l.refuse(o, w.acct, w.node, now, check{cap: binding}), false
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

// state returns key's origin and acct's state at it, created if new. l.mu
// must be held.
func (l *Limiter) state(key, acct string, now time.Time) (*origin, *account) {
	l.maybeSweep(now)
	o := l.origins[key]
	if o == nil {
		o = &origin{accounts: map[string]*account{}}
		// Map keys outlive the request: own copies, not substrings that
		// would pin the request event they were decoded from.
		l.origins[strings.Clone(key)] = o
	}
	o.lastUsed = now
	a := o.accounts[acct]
	if a == nil {
		a = &account{}
		o.accounts[strings.Clone(acct)] = a
		o.activeAt = time.Time{} // recount: a new account joins
	}
	a.lastUsed = now
	return o, a
}

// slot is how often o is expected to free a slot of a cap: the average
// request duration over the cap.
func (o *origin) slot(cap int) time.Duration {
	avg := o.avg
	if avg <= 0 {
		avg = firstGuess
	}
	return avg / time.Duration(max(cap, 1))
}

// refuse gives a refused request its place in its account's queue at o:
// when the request is expected to be allowed (a slot frees every average
// duration / cap; the rates allow the next start), after the account's
// requests refused before it, one step apart. The account stays active at
// o until then, so that its share is kept while it waits on the bus.
// l.mu must be held.
func (l *Limiter) refuse(o *origin, a *account, node Limits, now time.Time, c check) time.Time {
	var slot time.Duration
	if !c.concOK && c.cap > 0 {
		slot = o.slot(c.cap)
	}
	interval := max(rateInterval(l.cfg.Default.RatePerSecond), rateInterval(node.RatePerSecond))
	// One step apart, as documented: minWait bounds how soon the first
	// comes back, not the spacing.
	step := max(slot, interval)
	base := later(now.Add(max(slot, minWait)), c.start)
	place := later(a.queue, base)
	a.queue = place.Add(step)
	at := place.Add(time.Duration(rand.Int64N(int64(step)/4 + 1)))
	a.activeUntil = later(a.activeUntil, at.Add(activeWindow))
	return at
}

// releaser returns the release function of a request started at start.
func (l *Limiter) releaser(o *origin, a *account, start time.Time) func() {
	var done atomic.Bool
	return func() {
		if done.Swap(true) {
			return
		}
		now := l.clock.Now()
		l.mu.Lock()
		defer l.mu.Unlock()
		o.lastUsed, a.lastUsed = now, now
		o.observe(now.Sub(start))
		l.free(o, a, now)
	}
}

// free gives back one slot of a at o, and hands the freed room to the
// first waiter allowed to take it. l.mu must be held.
func (l *Limiter) free(o *origin, a *account, now time.Time) {
	o.inflight--
	a.inflight--
	for i, w := range o.waiters {
		if c := l.check(o, w.acct, w.node, now); !c.concOK {
			continue
		}
		o.waiters = slices.Delete(o.waiters, i, i+1)
		w.acct.waiting--
		l.take(o, w.acct, w.node, now)
		w.granted = true
		close(w.ready)
		return
	}
}

// unused gives back a slot taken for a request that was never sent.
func (l *Limiter) unused(o *origin, a *account) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free(o, a, l.clock.Now())
}

// observe folds one request's duration into the moving average.
func (o *origin) observe(d time.Duration) {
	if o.avg <= 0 {
		o.avg = d
		return
	}
	o.avg += (d - o.avg) / 5
}

// maybeSweep drops idle origins and accounts every IdleEvict/4. l.mu must
// be held.
func (l *Limiter) maybeSweep(now time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(l.cfg.IdleEvict / 4)
	idle := func(inflight, waiting int, lastUsed, until time.Time) bool {
		return inflight == 0 && waiting == 0 && now.Sub(lastUsed) >= l.cfg.IdleEvict && !now.Before(until)
	}
	for key, o := range l.origins {
		for name, a := range o.accounts {
			if idle(a.inflight, a.waiting, a.lastUsed, later(a.activeUntil, a.queue)) {
				delete(o.accounts, name)
				o.activeAt = time.Time{}
			}
		}
		if idle(o.inflight, len(o.waiters), o.lastUsed, time.Time{}) && len(o.accounts) == 0 {
			delete(l.origins, key)
		}
	}
}

// InFlight returns how many requests to key are in flight, all accounts
// together.
func (l *Limiter) InFlight(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.origins[key]; o != nil {
		return o.inflight
	}
	return 0
}

// InFlightOf returns how many of acct's requests to key are in flight.
func (l *Limiter) InFlightOf(acct, key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.origins[key]; o != nil {
		if a := o.accounts[acct]; a != nil {
			return a.inflight
		}
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
