package breaker

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// cb is the gobreaker type used per key.
type cb = gobreaker.TwoStepCircuitBreaker[struct{}]

// entry is one key's breaker and the state the Registry keeps around it.
//
// Lock order: gobreaker's lock, then entry.mu (gobreaker calls record with
// its lock held). So entry.mu is never held while calling into gobreaker.
type entry struct {
	key Key

	// forcing counts ForceOpen calls tripping the breaker; ReadyToTrip and
	// record read it under gobreaker's lock.
	forcing atomic.Int32
	// hasPending is set when changes holds unannounced transitions.
	hasPending atomic.Bool

	mu          sync.Mutex
	cb          *cb
	epoch       uint64          // bumped whenever cb is replaced
	state       gobreaker.State // as gobreaker last reported it
	openUntil   time.Time       // Allow refuses while now < openUntil
	windowStart time.Time       // start of the closed-state count window
	lastUsed    time.Time
	inflight    int // admitted calls whose done has not been called
	evicted     bool
	changes     []change // transitions not yet announced
}

// change is one state transition to announce.
type change struct {
	from, to  gobreaker.State
	openUntil time.Time
	forced    bool
}

// newBreaker returns a fresh closed gobreaker for e, whose transitions are
// recorded only while epoch is current.
func (r *Registry) newBreaker(e *entry, epoch uint64) *cb {
	threshold := r.settings.FailureThreshold
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        e.key.String(),
		MaxRequests: r.settings.HalfOpenProbes,
		// Interval 0: gobreaker never clears closed counts by the system
		// clock; Registry replaces the breaker at the end of each window.
		Interval: 0,
		// The real open period is openUntil; gobreaker's has expired by the
		// time Allow asks it again. (Were the system clock too coarse for
		// that, gobreaker would refuse once more: a harmless ErrOpen.)
		Timeout: time.Nanosecond,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= threshold || e.forcing.Load() > 0
		},
		OnStateChange: func(_ string, from, to gobreaker.State) { r.record(e, epoch, from, to) },
		IsExcluded:    func(err error) bool { return err == errIgnored },
	})
}

// record notes a transition. gobreaker calls it with its lock held: it only
// records, never calls the breaker, logs or runs hooks.
func (r *Registry) record(e *entry, epoch uint64, from, to gobreaker.State) {
	now := r.clock.Now()
	forced := e.forcing.Load() > 0
	e.mu.Lock()
	defer e.mu.Unlock()
	if epoch != e.epoch {
		return // a replaced breaker, finishing calls admitted before
	}
	e.state = to
	switch to {
	case gobreaker.StateOpen:
		// ForceOpen has set openUntil already; a trip never shortens it.
		if until := now.Add(r.settings.OpenTimeout); !forced && until.After(e.openUntil) {
			e.openUntil = until
		}
	case gobreaker.StateClosed:
		e.windowStart = now
	}
	e.changes = append(e.changes, change{from: from, to: to, openUntil: e.openUntil, forced: forced})
	e.hasPending.Store(true)
}

// renewWindow replaces a closed breaker whose count window has ended, which
// clears its counts. e.mu must be held; gobreaker is not called.
func (r *Registry) renewWindow(e *entry, now time.Time) {
	if e.state != gobreaker.StateClosed || now.Before(e.windowStart.Add(r.settings.Interval)) {
		return
	}
	e.epoch++
	e.cb = r.newBreaker(e, e.epoch)
	e.windowStart = now
}

// visibleState is the state an operator should see at now: open while Allow
// refuses, half-open once an open period has passed (gobreaker moves there
// on the next call), else gobreaker's.
func (e *entry) visibleState(now time.Time) gobreaker.State {
	switch {
	case now.Before(e.openUntil):
		return gobreaker.StateOpen
	case e.state == gobreaker.StateOpen:
		return gobreaker.StateHalfOpen
	default:
		return e.state
	}
}
