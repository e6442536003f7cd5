package breaker

import (
	"errors"
	"time"
)

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

// The errors handed to gobreaker's done callback.
var (
	errFault   = errors.New("breaker: endpoint fault")
	errIgnored = errors.New("breaker: result ignored")
)
