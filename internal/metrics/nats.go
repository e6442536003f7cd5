package metrics

import (
	"errors"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Conn is what WatchNATS reads of a NATS connection; *nats.Conn
// implements it.
type Conn interface {
	Status() nats.Status
	Stats() nats.Statistics
}

// WatchNATS registers the NATS connection gauges, read at every scrape:
// flowhook_nats_connected (1 while connected) and
// flowhook_nats_reconnects_total.
func (m *Metrics) WatchNATS(c Conn) error {
	connected := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: NATSConnected,
		Help: "1 while the NATS connection is up, 0 while disconnected or reconnecting."},
		func() float64 { return boolValue(c.Status() == nats.CONNECTED) })
	reconnects := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: NATSReconnects,
		Help: "Times the NATS connection was re-established."},
		func() float64 { return float64(c.Stats().Reconnects) })
	return errors.Join(m.reg.Register(connected), m.reg.Register(reconnects))
}

// ObserveConsumers records the shared consumers' lag from their infos
// (the request stream's lanes), summed: the messages not yet delivered and
// those delivered but not yet acknowledged (their sum is the lag to scale
// replicas on).
func (m *Metrics) ObserveConsumers(infos ...*jetstream.ConsumerInfo) {
	var pending, ackPending, redelivered uint64
	for _, info := range infos {
		pending += info.NumPending
		ackPending += uint64(info.NumAckPending)
		redelivered += uint64(info.NumRedelivered)
	}
	m.pending.Set(float64(pending))
	m.ackPending.Set(float64(ackPending))
	m.redelivered.Set(float64(redelivered))
}
