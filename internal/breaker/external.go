package breaker

import (
	"time"

	"github.com/sony/gobreaker/v2"
)

// Transition is one state change of a breaker, as hooks added by
// OnTransition see it.
type Transition struct {
	Key      Key
	From, To gobreaker.State
	// OpenUntil is when the open period ends, for a transition to open.
	OpenUntil time.Time
	// External reports a change imposed from outside (ForceOpen or Close:
	// another replica's decision), not one the breaker made from the
	// results of calls.
	External bool
}

// OnTransition adds a hook called after every state change of every
// breaker, with the details a fleet needs to share it; see
// OnStateChange for the rules hooks follow.
func (r *Registry) OnTransition(f func(Transition)) {
	r.notifyMu.Lock()
	defer r.notifyMu.Unlock()
	r.hooks = append(r.hooks, f)
}

// Record counts a result observed elsewhere (by another replica calling
// the same origin for the same account) in key's breaker as if one of its
// own calls had
// ended so: a Fault adds to the run of consecutive faults and may trip the
// breaker, a Success ends the run. It only counts while the breaker is
// closed; open and half-open breakers leave their probes to decide.
// Ignored results do nothing.
func (r *Registry) Record(key Key, res Result) {
	if res == Ignored {
		return
	}
	now := r.clock.Now()
	for {
		e := r.entry(key, now)
		e.mu.Lock()
		if e.evicted {
			e.mu.Unlock()
			continue
		}
		if e.state != gobreaker.StateClosed || now.Before(e.openUntil) {
			e.mu.Unlock()
			return
		}
		r.renewWindow(e, now)
		b := e.cb
		e.inflight++
		e.mu.Unlock()
		r.recordOn(e, b, res)
		return
	}
}

// recordOn passes one recorded result through b. Should b have gone
// half-open since e was checked, the call it admitted is a probe that is
// not this result's to decide: it is handed back as ignored.
func (r *Registry) recordOn(e *entry, b *cb, res Result) {
	if gdone, err := b.Allow(); err == nil {
		if b.State() != gobreaker.StateClosed {
			res = Ignored
		}
		gdone(res.err())
	}
	r.finish(e)
}

// Close closes key's breaker at once, as when a probe sent by another
// replica found the endpoint healthy again: its open period ends and its
// counts start from zero. Calls still in flight on the old breaker end
// without counting. A closed breaker, or a key without one, is left
// alone.
func (r *Registry) Close(key Key) {
	now := r.clock.Now()
	r.mu.RLock()
	e := r.entries[key]
	r.mu.RUnlock()
	if e == nil {
		return
	}
	e.mu.Lock()
	if e.evicted || (e.state == gobreaker.StateClosed && !now.Before(e.openUntil)) {
		e.mu.Unlock()
		return
	}
	from := e.state
	e.epoch++
	e.cb = r.newBreaker(e, e.epoch)
	e.state, e.openUntil, e.windowStart, e.lastUsed = gobreaker.StateClosed, time.Time{}, now, now
	e.changes = append(e.changes, change{from: from, to: gobreaker.StateClosed, forced: true})
	e.hasPending.Store(true)
	e.mu.Unlock()
	r.announce(e)
}

// Status returns key's breaker status, and false when the key has no
// breaker (it was never called, or was evicted while idle and closed).
func (r *Registry) Status(key Key) (Status, bool) {
	now := r.clock.Now()
	r.mu.RLock()
	e := r.entries[key]
	r.mu.RUnlock()
	if e == nil {
		return Status{}, false
	}
	return e.status(now), true
}

// status is e's Status at now.
func (e *entry) status(now time.Time) Status {
	e.mu.Lock()
	s := Status{Key: e.key, State: e.visibleState(now)}
	if s.State == gobreaker.StateOpen {
		s.OpenUntil = e.openUntil
	}
	b := e.cb
	e.mu.Unlock()
	s.Counts = b.Counts() // gobreaker's lock: never with e.mu held
	return s
}

// Refusal returns the error a guard standing in front of a Registry (a
// fleet-wide breaker) returns when it refuses a call to key itself: the
// same *OpenError Allow returns, wrapping gobreaker.ErrOpenState when
// until is set (open until then), else gobreaker.ErrTooManyRequests
// (half-open, waiting for a probe).
func Refusal(key Key, until time.Time) *OpenError {
	cause := gobreaker.ErrOpenState
	if until.IsZero() {
		cause = gobreaker.ErrTooManyRequests
	}
	return &OpenError{Key: key, Until: until, cause: cause}
}
