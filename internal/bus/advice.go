package bus

import (
	"fmt"
	"time"
)

// Advice returns settings that hold the guarantees but risk avoidable
// redeliveries under the worst load, each saying what to change. Unlike
// Check's findings they do not stop the service: they assume every worker
// stuck in calls as long as the longest timeout allowed, which nodes
// rarely ask for.
func (t Topology) Advice(w Workload) []string {
	t = t.WithDefaults()
	var out []string
	if w.Workers > 0 && w.Prefetch > 0 && w.MaxTimeout > 0 {
		if wait := time.Duration(w.Prefetch) * w.MaxTimeout / time.Duration(w.Workers); wait > t.AckWait/2 {
			out = append(out, fmt.Sprintf("a pulled message may wait about %s for a worker (prefetch %d x max timeout %s / workers %d), more than half the ack wait %s, and be redelivered to another replica meanwhile: raise --ack-wait, or lower --prefetch or --max-timeout",
				wait, w.Prefetch, w.MaxTimeout, w.Workers, t.AckWait))
		}
	}
	return out
}
