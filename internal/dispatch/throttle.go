package dispatch

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/endpointlimit"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Limiter caps an account's requests in flight to a key (an endpoint
// origin, or the whole replica), and their rate, sharing each key's limits
// among the accounts active at it. It waits only briefly, for room
// expected within its bounded wait, and never past ctx; otherwise it says
// when to come back. internal/endpointlimit.Limiter implements it.
type Limiter interface {
	Take(ctx context.Context, account, key string, node endpointlimit.Limits) (release func(), retryAt time.Time, ok bool)
}

// replicaKey is the key under which Deps.Accounts shares this replica's
// workers among accounts.
const replicaKey = "replica"

// HeaderThrottled counts the times a request event waited on the bus
// because its endpoint was at its limit (max_concurrency,
// rate_per_second). Waiting is not a try.
const HeaderThrottled = "Flowhook-Throttled"

// acquire asks for room for one request of account's node to origin: the
// account's share of this replica's workers (Deps.Accounts), then the
// origin's limits and the node's own (Deps.Limiter). When there is none, r
// is marked throttled, with when to come back, and nothing may be sent;
// otherwise release must be called when the request has ended.
func (a *Attempter) acquire(ctx context.Context, account, origin string, node flowevent.NodeConfig, r *tryResult) (release func(), ok bool) {
	releaseShare := func() {}
	if a.accounts != nil {
		rel, at, ok := a.accounts.Take(ctx, account, replicaKey, endpointlimit.Limits{})
		if !ok {
			r.throttled, r.throttleAt = true, at
			return nil, false
		}
		releaseShare = rel
	}
	if a.limiter == nil {
		return releaseShare, true
	}
	rel, at, ok := a.limiter.Take(ctx, account, origin, endpointlimit.Limits{MaxConcurrency: node.MaxConcurrency, RatePerSecond: node.RatePerSecond})
	if !ok {
		releaseShare()
		r.throttled, r.throttleAt = true, at
		return nil, false
	}
	return func() { rel(); releaseShare() }, true
}

// park puts an event whose endpoint (or account) was at its limit back on
// the bus until
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
