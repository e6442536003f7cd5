package breaker

import (
	"time"

	"github.com/sony/gobreaker/v2"
)

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

// sweep drops every closed breaker with no call in flight that has not been
// used for IdleEvict; open and half-open breakers stay.
func (r *Registry) sweep(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for origin, e := range r.entries {
		e.mu.Lock()
		if e.state == gobreaker.StateClosed && !now.Before(e.openUntil) && e.inflight == 0 &&
			now.Sub(e.lastUsed) >= r.settings.IdleEvict && !e.hasPending.Load() {
			e.evicted = true
			delete(r.entries, origin)
		}
		e.mu.Unlock()
	}
}
