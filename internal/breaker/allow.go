package breaker

import (
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Allow asks key's breaker for permission to send one request. If it
// returns an error (an *OpenError, matching ErrOpen and wrapping
// gobreaker.ErrOpenState or gobreaker.ErrTooManyRequests) nothing may be
// sent; otherwise done must be called exactly once with the call's result
// (later calls are ignored).
func (r *Registry) Allow(key Key) (done func(Result), err error) {
	now := r.clock.Now()
	r.maybeSweep(now)
	for {
		e := r.entry(key, now)
		done, evicted, err := r.allow(e, now)
		if !evicted {
			return done, err
		}
	}
}

// allow asks e; evicted reports that e was dropped meanwhile and the caller
// must look the key up again.
func (r *Registry) allow(e *entry, now time.Time) (done func(Result), evicted bool, err error) {
	e.mu.Lock()
	if e.evicted {
		e.mu.Unlock()
		return nil, true, nil
	}
	e.lastUsed = now
	if now.Before(e.openUntil) {
		until := e.openUntil
		e.mu.Unlock()
		return nil, false, &OpenError{Key: e.key, Until: until, cause: gobreaker.ErrOpenState}
	}
	r.renewWindow(e, now)
	b := e.cb
	e.inflight++
	e.mu.Unlock()

	gdone, err := b.Allow()
	if err != nil {
		r.finish(e)
		return nil, false, r.refusal(e, err)
	}
	if e.hasPending.Load() {
		r.announce(e) // the call moved an open breaker to half-open
	}
	var called atomic.Bool
	return func(res Result) {
		if called.Swap(true) {
			return
		}
		gdone(res.err())
		r.finish(e)
	}, false, nil
}

// finish ends one admitted call and announces what it changed.
func (r *Registry) finish(e *entry) {
	now := r.clock.Now()
	e.mu.Lock()
	e.inflight--
	e.lastUsed = now
	e.mu.Unlock()
	if e.hasPending.Load() {
		r.announce(e)
	}
}

// refusal is the error for a call gobreaker refused.
func (r *Registry) refusal(e *entry, cause error) error {
	e.mu.Lock()
	until := e.openUntil
	e.mu.Unlock()
	if cause != gobreaker.ErrOpenState {
		until = time.Time{}
	}
	return &OpenError{Key: e.key, Until: until, cause: cause}
}
