package dispatch

import (
	"math/rand/v2"
	"time"
)

// holdUntil says when an event refused by an open breaker should wake up
// to try again, and false when it would wake after its hold limit (the
// breaker is still open then, so holding is pointless).
//
// Held events wake spread at random over HoldSpread after the breaker's
// open period ends, so that the endpoint is not hit by every held profile
// at once when it recovers: the first arrivals take the half-open probe
// slots, the others find the breaker half-open and are held again briefly
// (HoldProbeWait), or find it closed and go through at the spread's pace.
// No wake-up is later than the limit.
func (d *Dispatcher) holdUntil(openUntil, limit, now time.Time) (time.Time, bool) {
	base := openUntil
	spread := d.cfg.HoldSpread
	if base.IsZero() || base.Before(now) {
		// Half-open with every probe slot taken: wait for the probe.
		base, spread = now.Add(d.cfg.HoldProbeWait), d.cfg.HoldProbeWait
	}
	if base.After(limit) {
		return time.Time{}, false
	}
	at := base.Add(time.Duration(rand.Int64N(int64(spread) + 1)))
	if at.After(limit) {
		at = limit
	}
	return at, true
}
