package dispatch

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Fault points, for the fault-injection checker only (see
// Config.FaultPoint). Each names a window between two steps whose order
// the delivery guarantees depend on.
const (
	// FaultAfterResponse: the endpoint answered; nothing is published for
	// the event yet.
	FaultAfterResponse = "after_response"
	// FaultBeforeAck: JetStream acknowledged what was stored for the event
	// (its outcome or its scheduled retry); the input is not acked yet.
	FaultBeforeAck = "before_ack"
	// FaultEvent: the event with the given id is taken up (a poison
	// event: the process dies on it every time).
	FaultEvent = "event"
)

// faults kills the process with SIGKILL at a configured point. A nil
// *faults is inert; that is what every production process has.
type faults struct {
	point string
	nth   int64  // for after_response and before_ack
	id    string // for event
	count atomic.Int64
}

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
