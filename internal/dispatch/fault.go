//go:build faultinject

package dispatch

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Fault injection, for the fault checker only (internal/tools/faultcheck):
// this file is compiled only with the build tag FaultTag, which
// faultcheck.Build sets; the default build of flowhook has nofault.go's
// inert faults instead, and none of this code (cmd/flowhook's
// TestDefaultBuildHasNoFaultInjection checks the binary).
//
// The fault point is read from the environment (FaultPointEnv) by New,
// rather than from a flag of serve, so that the default build has neither
// a flag nor a field for it.

// faults kills the process with SIGKILL at a configured point. A nil
// *faults is inert.
type faults struct {
	point string
	nth   int64  // for after_response and before_ack
	id    string // for event
	count atomic.Int64
}

// loadFaults reads the fault point of FaultPointEnv (nil when unset).
func loadFaults() (*faults, error) { return parseFault(os.Getenv(FaultPointEnv)) }

// parseFault reads a fault point: "after_response:N", "before_ack:N"
// (die the N-th time the point is reached, N >= 1) or "event:ID" (die
// whenever the event ID is taken up). Empty returns nil.
func parseFault(s string) (*faults, error) {
	if s == "" {
		return nil, nil
	}
	point, arg, ok := strings.Cut(s, ":")
	if !ok || arg == "" {
		return nil, fmt.Errorf("dispatch: fault point %q: want <point>:<n> or event:<id>", s)
	}
	switch point {
	case FaultAfterResponse, FaultBeforeAck:
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("dispatch: fault point %q: count must be a positive integer", s)
		}
		return &faults{point: point, nth: n}, nil
	case FaultEvent:
		return &faults{point: point, id: arg}, nil
	}
	return nil, fmt.Errorf("dispatch: fault point %q: unknown point (after_response, before_ack, event)", s)
}

// hit is called at point; it kills the process the N-th time.
func (f *faults) hit(point string) {
	if f == nil || f.point != point {
		return
	}
	if f.count.Add(1) == f.nth {
		die()
	}
}

// event is called when an event is taken up; it kills the process when
// the event is the configured poison event.
func (f *faults) event(id string) {
	if f != nil && f.point == FaultEvent && f.id == id {
		die()
	}
}

// die kills the process at once, as the kernel's OOM killer or a node
// failure would: no deferred function runs, nothing is flushed.
func die() {
	p, err := os.FindProcess(os.Getpid())
	if err == nil {
		_ = p.Kill()
	}
	select {}
}
