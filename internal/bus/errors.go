package bus

import "errors"

// ErrInvariant is wrapped by every error Check returns.
var ErrInvariant = errors.New("bus: topology invariant violated")

// ErrPortInUse reports that a port the embedded server needs is already
// taken, by another NATS server or another flowhook serve most likely.
var ErrPortInUse = errors.New("bus: port in use")

// PortInUseError names the address that is taken; it matches ErrPortInUse.
type PortInUseError struct {
	// Addr is host:port.
	Addr string
}

func (e *PortInUseError) Error() string {
	return "bus: embedded NATS server: " + e.Addr + " is already in use (another NATS server or flowhook serve?)"
}

// Is reports whether target is ErrPortInUse.
func (e *PortInUseError) Is(target error) bool { return target == ErrPortInUse }
