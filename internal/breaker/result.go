package breaker

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
