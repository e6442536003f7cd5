package nodestats

import "errors"

// ErrNotFound reports a node (or flow, or account) without stats.
var ErrNotFound = errors.New("nodestats: no stats")

// ErrUnavailable reports that the stats bucket cannot be read (it does not
// exist yet, or NATS is unreachable).
var ErrUnavailable = errors.New("nodestats: stats unavailable")

// ErrVersion reports a stored value written in a format this version of
// flowhook does not know (a newer one wrote it).
var ErrVersion = errors.New("nodestats: stored stats have an unknown format version")

// readBackError is an outcome that could not be read back from the stream.
type readBackError struct{ err error }

func (e *readBackError) Error() string { return "nodestats: read outcome back: " + e.err.Error() }
func (e *readBackError) Unwrap() error { return e.err }
