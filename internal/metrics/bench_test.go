package metrics_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flowhook/flowhook/internal/metrics"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// BenchmarkPerEvent is what the dispatcher's observer costs per event:
// consumed, in flight up and down, one outcome with its duration.
func BenchmarkPerEvent(b *testing.B) {
	m := metrics.New(prometheus.NewRegistry())
	o := flowevent.Outcome{Route: flowevent.RouteYes, Reason: flowevent.ReasonMatched, Attempts: 1, DurationMS: 42}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Consumed()
			m.InFlight(1)
			m.Outcome(o)
			m.InFlight(-1)
		}
	})
}
