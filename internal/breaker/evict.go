package breaker

import (
	"slices"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Memory. A breaker costs about 660 bytes (measured with 100,000 keys).
// Keys are (account, origin) pairs, as many as accounts times the origins
// their nodes call, so the Registry bounds them two ways: breakers idle
// for IdleEvict go (sweep), and past MaxBreakers the least useful go at
// once (shrink). Neither drops what protects an endpoint that is failing
// right now: open and half-open breakers, calls in flight.

// sweepEvery is how often idle breakers are looked for.
func (r *Registry) sweepEvery() time.Duration { return r.settings.IdleEvict / 4 }

// maybeSweep drops idle breakers when a sweep is due. It costs one atomic
// load when none is.
func (r *Registry) maybeSweep(now time.Time) {
	next := r.nextSweep.Load()
	if now.UnixNano() < next || !r.nextSweep.CompareAndSwap(next, now.Add(r.sweepEvery()).UnixNano()) {
		return
	}
	r.sweep(now)
}

// sweep drops every breaker with no call in flight that has not been used
// for IdleEvict and is closed, or was opened and then abandoned (its open
// period ended IdleEvict ago and no call came to probe it); breakers open
// now, and half-open ones, stay.
func (r *Registry) sweep(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, e := range r.entries {
		e.mu.Lock()
		if e.idle() && now.Sub(e.lastUsed) >= r.settings.IdleEvict && !now.Before(e.openUntil) &&
			(e.state == gobreaker.StateClosed || e.state == gobreaker.StateOpen) {
			e.evicted = true
			delete(r.entries, key)
		}
		e.mu.Unlock()
	}
}

// idle reports that e has no call in flight and no unannounced change.
// e.mu must be held.
func (e *entry) idle() bool { return e.inflight == 0 && !e.hasPending.Load() }

// shrink brings the Registry back to 9/10 of MaxBreakers when it has grown
// past it, so that a scan happens at most once per MaxBreakers/10 new
// breakers. It drops closed breakers with no call in flight: first those
// without a fault in their run (a fresh breaker is the same), then the
// least recently used. r.mu must be held for writing.
func (r *Registry) shrink() {
	target := r.settings.MaxBreakers * 9 / 10
	if len(r.entries) <= r.settings.MaxBreakers {
		return
	}
	type candidate struct {
		key      Key
		e        *entry
		faulty   bool
		lastUsed time.Time
	}
	var cands []candidate
	for key, e := range r.entries {
		e.mu.Lock()
		ok, b, last := e.idle() && e.state == gobreaker.StateClosed && e.openUntil.IsZero(), e.cb, e.lastUsed
		e.mu.Unlock()
		if ok {
			// gobreaker's lock is never taken with e.mu held.
			cands = append(cands, candidate{key, e, b.Counts().ConsecutiveFailures > 0, last})
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if a.faulty != b.faulty {
			if a.faulty {
				return 1
			}
			return -1
		}
		return a.lastUsed.Compare(b.lastUsed)
	})
	for _, c := range cands {
		if len(r.entries) <= target {
			return
		}
		c.e.mu.Lock()
		if c.e.idle() && c.e.state == gobreaker.StateClosed {
			c.e.evicted = true
			delete(r.entries, c.key)
		}
		c.e.mu.Unlock()
	}
}
