package app

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/metrics"
	"github.com/flowhook/flowhook/internal/nodestats"
	"github.com/flowhook/flowhook/internal/tracing"
)

// consumerPollEvery is how often the shared consumer's info is read for
// the lag gauges and readiness.
var consumerPollEvery = 5 * time.Second

// operations is what the admin endpoints report on: metrics, readiness and
// node stats, and the background work that feeds them.
type operations struct {
	reg     *prometheus.Registry
	metrics *metrics.Metrics
	// consuming is true while the dispatcher is bound to its consumer and
	// pulling; false before it starts and once it drains.
	consuming atomic.Bool
	// consumerMissing is set when the last poll found the consumer deleted.
	consumerMissing atomic.Bool
	stats           *nodestats.Reader
	aggregator      *nodestats.Aggregator
	tracer          *tracing.Tracer
	bg              sync.WaitGroup
}

// observer is the dispatcher's Observer: the metrics, plus the readiness
// flag.
type observer struct {
	*metrics.Metrics
	consuming *atomic.Bool
}

// Consuming records readiness and updates the gauge.
func (o observer) Consuming(on bool) {
	o.consuming.Store(on)
	o.Metrics.Consuming(on)
}

// setupOperations creates the metrics, the node-stats buckets and the
// tracer; it starts no goroutine. It returns the dispatcher's Observer and
// Tracer (nil when tracing is off).
func (a *App) setupOperations(ctx context.Context, js jetstream.JetStream, topo bus.Topology) (dispatch.Observer, dispatch.Tracer, error) {
	obs, err := a.setupMetrics(ctx, js, topo)
	if err != nil {
		return nil, nil, err
	}
	a.ops.tracer, err = tracing.New(a.cfg.Tracing, a.log)
	if err != nil || a.ops.tracer == nil {
		return obs, nil, err
	}
	a.log.Info().Msg("tracing: a span per event, exported by OTLP/HTTP")
	return obs, a.ops.tracer, nil
}

func (a *App) setupMetrics(ctx context.Context, js jetstream.JetStream, topo bus.Topology) (dispatch.Observer, error) {
	ops := &a.ops
	ops.reg = prometheus.NewRegistry()
	ops.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ops.metrics = metrics.New(ops.reg)
	a.breakers.OnStateChange(ops.metrics.BreakerChanged)
	err := errors.Join(ops.metrics.WatchNATS(a.nc), ops.metrics.WatchBreakers(a.breakers.Snapshot))
	if err != nil {
		return nil, err
	}
	scfg := a.cfg.NodeStats
	if scfg.Replicas == 0 {
		scfg.Replicas = topo.Replicas
	}
	if scfg.OutcomeStream == "" {
		scfg.OutcomeStream = topo.OutcomeStream
	}
	ops.stats = nodestats.NewReader(js, scfg.Bucket)
	if !a.cfg.NodeStatsDisabled {
		stats, lease, err := nodestats.Ensure(ctx, js, scfg)
		if err != nil {
			return nil, err
		}
		ops.aggregator = nodestats.NewAggregator(scfg, js, stats, lease, ops.metrics, a.log)
		if err := ops.metrics.WatchSpikes(ops.aggregator.Spiking); err != nil {
			return nil, err
		}
		if err := ops.metrics.WatchRejected(ops.aggregator.Rejected); err != nil {
			return nil, err
		}
	}
	return observer{Metrics: ops.metrics, consuming: &ops.consuming}, nil
}

// startOperations starts the background work: the consumer poll and, unless
// disabled, the node-stats aggregator. Both stop when ctx ends; waitOperations
// waits for them.
func (a *App) startOperations(ctx context.Context, lanes []jetstream.Consumer) {
	ops := &a.ops
	ops.bg.Add(1)
	go func() {
		defer ops.bg.Done()
		a.pollConsumers(ctx, lanes)
	}()
	if ops.aggregator != nil {
		ops.bg.Add(1)
		go func() {
			defer ops.bg.Done()
			ops.aggregator.Run(ctx)
		}()
	}
}

// waitOperations waits for the background work to stop and exports the
// spans still buffered.
func (a *App) waitOperations(ctx context.Context) {
	a.ops.bg.Wait()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.ops.tracer.Shutdown(ctx); err != nil {
		a.log.Warn().Err(err).Msg("tracing: spans not exported at exit")
	}
}

// pollConsumers reads the lanes' consumer infos every consumerPollEvery:
// their lag for the metrics, their existence for readiness.
func (a *App) pollConsumers(ctx context.Context, lanes []jetstream.Consumer) {
	tick := time.NewTicker(consumerPollEvery)
	defer tick.Stop()
	for {
		a.pollConsumersOnce(ctx, lanes)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (a *App) pollConsumersOnce(ctx context.Context, lanes []jetstream.Consumer) {
	ctx, cancel := context.WithTimeout(ctx, consumerPollEvery)
	defer cancel()
	infos := make([]*jetstream.ConsumerInfo, 0, len(lanes))
	for _, c := range lanes {
		info, err := c.Info(ctx)
		switch {
		case err == nil:
			infos = append(infos, info)
		case errors.Is(err, jetstream.ErrConsumerNotFound):
			a.ops.consumerMissing.Store(true)
			return
		default:
			return // NATS unreachable: readiness says so
		}
	}
	a.ops.consumerMissing.Store(false)
	a.ops.metrics.ObserveConsumers(infos...)
}

// readiness reports whether this replica should count as ready: connected
// to NATS, bound to the consumer and pulling, and not draining. why names
// the first condition that fails.
func (a *App) readiness() (ok bool, why string) {
	switch {
	case a.nc == nil || !a.nc.IsConnected():
		return false, "not connected to NATS"
	case a.ops.consumerMissing.Load():
		return false, "consumer not found"
	case !a.ready.Load() || !a.ops.consuming.Load():
		return false, "not consuming (starting or draining)"
	}
	return true, ""
}
