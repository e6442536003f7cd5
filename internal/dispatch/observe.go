package dispatch

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Observer is told what a Dispatcher does, for metrics and readiness.
// internal/metrics implements it. Its methods are called from many
// goroutines at once and must return quickly; they never receive query
// strings, header values or profile attributes (an Outcome carries none).
type Observer interface {
	// Consuming reports that the dispatcher is bound to its consumer and
	// pulling (true), or has stopped pulling to drain (false).
	Consuming(on bool)
	// Consumed counts one message taken from the consumer.
	Consumed()
	// InFlight adds delta to the number of events being handled.
	InFlight(delta int)
	// Outcome reports an outcome handed to JetStream for storing.
	Outcome(o flowevent.Outcome)
	// DeadLettered reports a stored dead-letter record and its reason.
	DeadLettered(reason flowevent.Reason)
}

// Tracer opens one span per request event. internal/tracing implements it.
type Tracer interface {
	// Start begins the span of ev, continuing ev's W3C trace context, and
	// returns ev with the span's trace context in its place (so that the
	// outbound request and the outcome carry the span as their parent)
	// and a function that ends the span. end receives the outcome, or a
	// zero Outcome when the event was handed back unfinished.
	Start(ctx context.Context, ev flowevent.Event, req *flowevent.Request) (flowevent.Event, func(out flowevent.Outcome))
}

// nopObserver is the Observer used when Deps.Observer is nil.
type nopObserver struct{}

func (nopObserver) Consuming(bool)                {}
func (nopObserver) Consumed()                     {}
func (nopObserver) InFlight(int)                  {}
func (nopObserver) Outcome(flowevent.Outcome)     {}
func (nopObserver) DeadLettered(flowevent.Reason) {}

// nopTracer is the Tracer used when Deps.Tracer is nil: no spans, the
// event's own trace context passes through unchanged.
type nopTracer struct{}

func (nopTracer) Start(_ context.Context, ev flowevent.Event, _ *flowevent.Request) (flowevent.Event, func(flowevent.Outcome)) {
	return ev, func(flowevent.Outcome) {}
}

// track counts msg as consumed and in flight; the returned function ends
// the in-flight count.
func (d *Dispatcher) track() (untrack func()) {
	d.obs.Consumed()
	d.obs.InFlight(1)
	return func() { d.obs.InFlight(-1) }
}

// HeaderReplay marks a request event re-published by `flowhook replay`
// (its value is when it was replayed, RFC 3339). The dispatcher checks the
// outcome stream before handling such an event, as for a redelivery, so
// that a replayed event whose outcome is already stored is acknowledged
// without calling its endpoint again or storing a second outcome.
const HeaderReplay = "Flowhook-Replay"

// mayHaveOutcome reports whether msg may already have a stored outcome:
// it is a redelivery, or a replay of a dead-lettered event.
func (d *Dispatcher) mayHaveOutcome(msg jetstream.Msg) bool {
	if d.redelivered(msg) {
		return true
	}
	h := msg.Headers()
	return h != nil && h.Get(HeaderReplay) != ""
}
