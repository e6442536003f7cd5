package dispatch

import (
	"context"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
)

// pendingEvery is how often the retries and holds waiting on the bus are
// counted.
var pendingEvery = 5 * time.Second

// pendingGauge is an Observer that also shows how many retries and holds
// wait on the bus, fleet-wide (internal/metrics implements it).
type pendingGauge interface {
	SetRetriesPending(n int)
}

// reportPending counts the schedules waiting on the request stream and
// hands the number to the Observer, when it shows it.
func (d *Dispatcher) reportPending(ctx context.Context) {
	g, ok := d.obs.(pendingGauge)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, pendingEvery)
	defer cancel()
	info := d.lanes[0].CachedInfo() // the first lane bears the topology's consumer name
	n, err := bus.Topology{RequestStream: info.Stream, Consumer: info.Name}.PendingSchedules(ctx, d.js)
	if err != nil {
		d.log.Debug().Err(err).Msg("dispatch: count pending retries")
		return
	}
	g.SetRetriesPending(n)
}
