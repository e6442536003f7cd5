package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metric family names. Alert rules and the dashboard in deployments/ use
// them; a test checks that every name they use is one of these.
const (
	EventsConsumed      = "flowhook_events_consumed_total"
	EventsInFlight      = "flowhook_events_in_flight"
	Outcomes            = "flowhook_outcomes_total"
	RequestDuration     = "flowhook_request_duration_seconds"
	DeadLetters         = "flowhook_dead_letters_total"
	RetriesPending      = "flowhook_retries_pending"
	Consuming           = "flowhook_dispatcher_consuming"
	BreakerStateChanges = "flowhook_breaker_state_changes_total"
	Breakers            = "flowhook_breakers"
	NATSConnected       = "flowhook_nats_connected"
	NATSReconnects      = "flowhook_nats_reconnects_total"
	ConsumerPending     = "flowhook_consumer_pending_messages"
	ConsumerAckPending  = "flowhook_consumer_ack_pending_messages"
	ConsumerRedelivered = "flowhook_consumer_redelivered_messages"
	StatsLeader         = "flowhook_nodestats_leader"
	StatsApplied        = "flowhook_nodestats_applied_total"
	StatsConflicts      = "flowhook_nodestats_conflicts_total"
	StatsBehind         = "flowhook_nodestats_behind_messages"
	StatsSpikingNodes   = "flowhook_nodestats_spiking_nodes"
	StatsRejectedNodes  = "flowhook_nodestats_credentials_rejected_nodes"
)

// Names returns every metric family name the package registers.
func Names() []string {
	return []string{
		EventsConsumed, EventsInFlight, Outcomes, RequestDuration, DeadLetters,
		RetriesPending, Consuming, BreakerStateChanges, Breakers, NATSConnected,
		NATSReconnects, ConsumerPending, ConsumerAckPending, ConsumerRedelivered,
		StatsLeader, StatsApplied, StatsConflicts, StatsBehind, StatsSpikingNodes, StatsRejectedNodes,
	}
}

// DurationBuckets are the request latency histogram's upper bounds, in
// seconds: from 5 ms to the longest node timeout.
var DurationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// Metrics holds flowhook's collectors. Create it with New. Its methods are
// safe for concurrent use by multiple goroutines.
type Metrics struct {
	reg            prometheus.Registerer
	consumed       prometheus.Counter
	inFlight       prometheus.Gauge
	outcomes       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	deadLetters    *prometheus.CounterVec
	retriesPending prometheus.Gauge
	consuming      prometheus.Gauge
	breakerChanges *prometheus.CounterVec
	pending        prometheus.Gauge
	ackPending     prometheus.Gauge
	redelivered    prometheus.Gauge
	statsLeader    prometheus.Gauge
	statsApplied   prometheus.Counter
	statsConflicts prometheus.Counter
	statsBehind    prometheus.Gauge
}

// New creates the collectors and registers them on reg. Collectors that
// read a live source (breakers, the NATS connection, node-stats spikes)
// are registered later by the Watch methods. It panics if reg already
// holds a collector of the same name, like promauto.
func New(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		reg:      reg,
		consumed: f.NewCounter(prometheus.CounterOpts{Name: EventsConsumed, Help: "Request event messages taken from the consumer (redeliveries included)."}),
		inFlight: f.NewGauge(prometheus.GaugeOpts{Name: EventsInFlight, Help: "Request events being handled by this replica now."}),
		outcomes: f.NewCounterVec(prometheus.CounterOpts{Name: Outcomes,
			Help: "Outcome events handed to JetStream, by route (yes, no, exit) and reason."}, []string{"route", "reason"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{Name: RequestDuration, Buckets: DurationBuckets,
			Help: "Time spent on an event's outbound HTTP request(s), by route; events that sent nothing are not observed."}, []string{"route"}),
		deadLetters: f.NewCounterVec(prometheus.CounterOpts{Name: DeadLetters,
			Help: "Dead-letter records stored, by reason."}, []string{"reason"}),
		retriesPending: f.NewGauge(prometheus.GaugeOpts{Name: RetriesPending, Help: "Retries and holds waiting on the bus, fleet-wide (every replica reports the same value)."}),
		consuming:      f.NewGauge(prometheus.GaugeOpts{Name: Consuming, Help: "1 while this replica's dispatcher is bound to the consumer and pulling, 0 while starting or draining."}),
		breakerChanges: f.NewCounterVec(prometheus.CounterOpts{Name: BreakerStateChanges,
			Help: "Circuit breaker state changes on this replica, by the state entered."}, []string{"state"}),
		pending:     f.NewGauge(prometheus.GaugeOpts{Name: ConsumerPending, Help: "Request events not yet delivered by the shared consumer (fleet-wide; every replica reports the same value)."}),
		ackPending:  f.NewGauge(prometheus.GaugeOpts{Name: ConsumerAckPending, Help: "Request events delivered and not yet acknowledged (fleet-wide)."}),
		redelivered: f.NewGauge(prometheus.GaugeOpts{Name: ConsumerRedelivered, Help: "Request events delivered more than once and not yet acknowledged (fleet-wide)."}),
		statsLeader: f.NewGauge(prometheus.GaugeOpts{Name: StatsLeader, Help: "1 on the replica that currently aggregates node stats."}),
		statsApplied: f.NewCounter(prometheus.CounterOpts{Name: StatsApplied,
			Help: "Outcomes counted into node stats by this replica."}),
		statsConflicts: f.NewCounter(prometheus.CounterOpts{Name: StatsConflicts,
			Help: "Node-stats writes that lost an optimistic-concurrency race and were retried."}),
		statsBehind: f.NewGauge(prometheus.GaugeOpts{Name: StatsBehind, Help: "Outcomes stored but not yet counted into node stats (reported by the aggregating replica)."}),
	}
}

// SetRetriesPending sets the number of retries and holds waiting on the
// bus. The dispatcher polls it and calls this (see internal/dispatch).
func (m *Metrics) SetRetriesPending(n int) { m.retriesPending.Set(float64(n)) }
