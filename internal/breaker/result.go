package breaker

import (
	"errors"
	"time"
)

// Result is how one admitted call ended, as far as the breaker cares.
type Result int

// Results. The zero Result is not valid and counts as a Fault, so a caller
// that forgets to classify a call errs on the safe side.
const (
	// Success: the endpoint answered (any response the endpoint meant,
	// including 4xx and responses that do not match the node's check).
	Success Result = iota + 1
	// Fault: the endpoint is unhealthy (transport error, timeout, 5xx, 429).
	Fault
	// Ignored: the call says nothing about the endpoint (cancelled by
	// shutdown); it counts neither way and frees a half-open probe slot.
	Ignored
)

// String returns the result's name.
func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Fault:
		return "fault"
	case Ignored:
		return "ignored"
	default:
		return "invalid"
	}
}

// The errors handed to gobreaker's done callback.
var (
	errFault   = errors.New("breaker: endpoint fault")
	errIgnored = errors.New("breaker: result ignored")
)

// err is the error gobreaker sees for r.
func (r Result) err() error {
	switch r {
	case Success:
		return nil
	case Ignored:
		return errIgnored
	default:
		return errFault
	}
}

// ErrOpen is returned (wrapped in an *OpenError) by Allow when a
// breaker refuses a request: nothing may be sent.
var ErrOpen = errors.New("breaker: circuit open")

// OpenError is the error Allow returns when it refuses a request. It
// matches ErrOpen with errors.Is, and unwraps to gobreaker.ErrOpenState
// (open) or gobreaker.ErrTooManyRequests (half-open, every probe slot
// taken).
type OpenError struct {
	// Key is the refused account and origin.
	Key
	// Until is when the breaker stops being open; zero when it is
	// half-open and waiting for its probes.
	Until time.Time
	cause error
}

// Error implements error; it names the origin and the gobreaker state
// (not the account: the error is the account's own).
func (e *OpenError) Error() string {
	return "breaker: " + e.Origin + ": " + e.cause.Error()
}

// Is reports whether target is ErrOpen.
func (e *OpenError) Is(target error) bool { return target == ErrOpen }

// Unwrap returns gobreaker's error.
func (e *OpenError) Unwrap() error { return e.cause }
