package metrics

import "github.com/prometheus/client_golang/prometheus"

// The methods below make *Metrics a nodestats.Observer.

// Leading sets the node-stats leader gauge.
func (m *Metrics) Leading(on bool) { m.statsLeader.Set(boolValue(on)) }

// Applied counts n outcomes counted into node stats.
func (m *Metrics) Applied(n int) { m.statsApplied.Add(float64(n)) }

// Conflict counts one lost optimistic-concurrency race.
func (m *Metrics) Conflict() { m.statsConflicts.Inc() }

// Behind sets how many stored outcomes are not yet counted.
func (m *Metrics) Behind(n uint64) { m.statsBehind.Set(float64(n)) }

// WatchSpikes registers flowhook_nodestats_spiking_nodes, read from
// spiking at every scrape: how many nodes show an error spike now. It is
// one number, not a label per node; `flowhook stats --worst` names them.
func (m *Metrics) WatchSpikes(spiking func() int) error {
	return m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: StatsSpikingNodes,
		Help: "Nodes whose recent error rate spiked (see flowhook stats --worst); reported by the aggregating replica, 0 elsewhere."},
		func() float64 { return float64(spiking()) }))
}

// WatchRejected registers flowhook_nodestats_credentials_rejected_nodes,
// read from rejected at every scrape: how many nodes have their
// credentials rejected now (401, 403, a node's auth_failed_statuses, a
// refused client certificate or client secret, with no accepted response
// since). One number, not a label per node; `flowhook stats --worst`
// names them.
func (m *Metrics) WatchRejected(rejected func() int) error {
	return m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: StatsRejectedNodes,
		Help: "Nodes whose endpoint rejects their credentials (see flowhook stats --worst); reported by the aggregating replica, 0 elsewhere."},
		func() float64 { return float64(rejected()) }))
}
