package dispatch

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/endpointlimit"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Limiter caps the requests in flight to each endpoint origin, and their
// rate. It waits only briefly, for an origin expected to have room
// within its bounded wait, and never past ctx; otherwise it says when to
// come back. internal/endpointlimit.Limiter implements it.
type Limiter interface {
	Take(ctx context.Context, origin string, limits endpointlimit.Limits) (release func(), retryAt time.Time, ok bool)
}

// HeaderThrottled counts the times a request event waited on the bus
// because its endpoint was at its limit (max_concurrency,
// rate_per_second). Waiting is not a try.
const HeaderThrottled = "Flowhook-Throttled"

// acquire asks the limiter for room for one request of node to origin.
// When there is none, r is marked throttled, with when to come back, and
// nothing may be sent; otherwise release must be called when the request
// has ended.
func (d *Dispatcher) acquire(ctx context.Context, origin string, node flowevent.NodeConfig, r *tryResult) (release func(), ok bool) {
	if d.limiter == nil {
		return func() {}, true
	}
	release, at, ok := d.limiter.Take(ctx, origin, endpointlimit.Limits{MaxConcurrency: node.MaxConcurrency, RatePerSecond: node.RatePerSecond})
	if !ok {
		r.throttled, r.throttleAt = true, at
	}
	return release, ok
}

// park puts an event whose endpoint was at its limit back on the bus until
// r.throttleAt, with the same schedule a retry uses, so that the worker
// moves on at once (no head-of-line blocking behind a busy endpoint).
// Nothing was sent: the delivery state is unchanged but for the throttle
// count (no attempt, no hold). The input is acked once the schedule is
// stored and the copy is a new message, so waiting never uses up the
// consumer's MaxDeliver, as a Nak would.
func (d *Dispatcher) park(ev flowevent.Event, account string, msg jetstream.Msg, st deliveryState, r tryResult) {
	st.first = st.firstTry(d.now())
	st.throttles++
	d.schedule(ev, account, msg, &next{state: st, at: r.throttleAt, throttle: true})
}
