package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	"github.com/flowhook/flowhook/internal/breaker"
)

// BreakerChanged counts a breaker's change into state to. Its signature
// fits breaker.Registry.OnStateChange; neither the account nor the origin
// is used as a label.
func (m *Metrics) BreakerChanged(_ breaker.Key, _, to gobreaker.State) {
	m.breakerChanges.WithLabelValues(to.String()).Inc()
}

// WatchBreakers registers the flowhook_breakers gauge: the number of
// endpoint breakers per state (closed, half-open, open), read from
// snapshot at every scrape.
func (m *Metrics) WatchBreakers(snapshot func() []breaker.Status) error {
	return m.reg.Register(&breakerCollector{snapshot: snapshot, desc: prometheus.NewDesc(Breakers,
		"Endpoint circuit breakers on this replica, by state; open ones refuse requests.", []string{"state"}, nil)})
}

// breakerCollector counts breakers per state at scrape time, so that an
// idle breaker evicted from the registry cannot leave the gauge stale.
type breakerCollector struct {
	snapshot func() []breaker.Status
	desc     *prometheus.Desc
}

var breakerStates = []gobreaker.State{gobreaker.StateClosed, gobreaker.StateHalfOpen, gobreaker.StateOpen}

func (c *breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	counts := map[gobreaker.State]int{}
	for _, s := range c.snapshot() {
		counts[s.State]++
	}
	for _, st := range breakerStates {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), st.String())
	}
}
