// Package clock is the time source of the service's packages that take an
// injected clock (the breakers, the endpoint limiter): the contract a clock
// keeps (Clock) and the real clock (System), defined once.
//
// A package that needs a clock still declares its own one-method interface
// beside the code that uses it, as breaker.Clock and endpointlimit.Clock do,
// with the contract of Clock, and takes nil to mean System. Tests pass the
// clock of internal/testsupport/fakeclock, moved by hand; code whose waits
// are timers rather than clock readings is tested under testing/synctest
// instead, where System reads the bubble's fake time.
package clock

import "time"

// Clock tells the time. Now returns the current time; it must be safe for
// concurrent use by multiple goroutines. Durations are differences of two
// readings of the same Clock.
type Clock interface {
	Now() time.Time
}

// System is the real clock: its Now is time.Now. The zero value is ready to
// use and safe for concurrent use by multiple goroutines.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

var _ Clock = System{}
