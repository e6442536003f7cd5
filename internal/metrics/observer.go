package metrics

import (
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// The methods below make *Metrics a dispatch.Observer.

// Consuming sets the consuming gauge.
func (m *Metrics) Consuming(on bool) { m.consuming.Set(boolValue(on)) }

// Consumed counts one message taken from the consumer.
func (m *Metrics) Consumed() { m.consumed.Inc() }

// InFlight adds delta to the in-flight gauge.
func (m *Metrics) InFlight(delta int) { m.inFlight.Add(float64(delta)) }

// Outcome counts o by route and reason and, when a request was sent,
// observes its duration.
func (m *Metrics) Outcome(o flowevent.Outcome) {
	route := routeLabel(o.Route)
	m.outcomes.WithLabelValues(route, reasonLabel(o.Reason)).Inc()
	if o.Attempts > 0 {
		m.duration.WithLabelValues(route).Observe(o.DurationMS / 1000)
	}
}

// DeadLettered counts one dead-letter record by reason.
func (m *Metrics) DeadLettered(reason flowevent.Reason) {
	m.deadLetters.WithLabelValues(reasonLabel(reason)).Inc()
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
