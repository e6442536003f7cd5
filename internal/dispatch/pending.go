package dispatch

import (
	"context"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
)

// pendingEvery is how often the retries and holds waiting on the bus are
// counted.
var pendingEvery = 5 * time.Second

// PendingGauge shows how many retries and holds wait on the bus,
// fleet-wide (internal/metrics implements it). It is called from one
// goroutine, every few seconds.
type PendingGauge interface {
	SetRetriesPending(n int)
}

// countPending counts the schedules waiting on the request stream every
// pendingEvery and shows the number on d.pending, until ctx ends.
func (d *Dispatcher) countPending(ctx context.Context) {
	tick := time.NewTicker(pendingEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			d.reportPending(ctx)
		}
	}
}

// reportPending counts the schedules waiting on the request stream once.
func (d *Dispatcher) reportPending(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, pendingEvery)
	defer cancel()
	info := d.lanes[0].CachedInfo() // the first lane bears the topology's consumer name
	n, err := bus.Topology{RequestStream: info.Stream, Consumer: info.Name}.PendingSchedules(ctx, d.js)
	if err != nil {
		d.log.Debug().Err(err).Msg("dispatch: count pending retries")
		return
	}
	d.pending.SetRetriesPending(n)
}
