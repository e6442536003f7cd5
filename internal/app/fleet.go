package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/clock"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/fleetbreaker"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// FleetConfig says whether and how this replica shares its endpoint
// breakers with the other replicas (internal/fleetbreaker).
type FleetConfig struct {
	// Enabled shares breaker state through NATS. serve turns it on by
	// default; with one replica it costs a key-value bucket and one
	// subscription, and nothing per healthy request.
	Enabled bool
	// Replica names this replica in the fleet's records; default the host
	// name and the process id.
	Replica string
	// ProbeLease is how long a replica holds the probe of an open period;
	// default the longest request (Dispatch.MaxTimeout) plus 10 seconds.
	ProbeLease time.Duration
}

// ReplicaName is this replica's name: c.Replica, or the host name and the
// process id.
func (c FleetConfig) ReplicaName() string {
	if c.Replica != "" {
		return c.Replica
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "flowhook"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}

// newFleet returns what guards endpoints for the dispatcher: the Registry
// alone, or the fleet-wide breaker in front of it (its state loaded within
// sctx). runFleet starts following the fleet.
func (a *App) newFleet(sctx context.Context, js jetstream.JetStream, topo bus.Topology, dcfg dispatch.Config) (dispatch.Breakers, error) {
	fc := a.cfg.Fleet
	if !fc.Enabled {
		return a.breakers, nil
	}
	lease := fc.ProbeLease
	if lease <= 0 {
		maxTimeout := dcfg.MaxTimeout
		if maxTimeout <= 0 {
			maxTimeout = flowevent.MaxTimeoutMS * time.Millisecond
		}
		lease = maxTimeout + 10*time.Second
	}
	cfg := fleetbreaker.Config{
		Replica:        fc.ReplicaName(),
		StreamReplicas: topo.Replicas,
		MemoryStorage:  topo.MemoryStorage,
		ProbeLease:     lease,
	}
	fleet, err := fleetbreaker.New(sctx, cfg, fleetbreaker.Deps{
		Conn: a.nc, JetStream: js, Registry: a.breakers, Clock: clock.System{}, Log: a.log,
	})
	if err != nil {
		return nil, fmt.Errorf("app: fleet breaker: %w", err)
	}
	a.fleet = fleet
	a.log.Info().Str("replica", cfg.Replica).Dur("probe_lease", lease).Msg("fleet-wide breaker on")
	return fleet, nil
}

// runFleet follows the fleet until ctx ends, as background work that
// waitOperations waits for.
func (a *App) runFleet(ctx context.Context) {
	if a.fleet == nil {
		return
	}
	a.ops.bg.Add(1)
	go func() {
		defer a.ops.bg.Done()
		if err := a.fleet.Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error().Err(err).Msg("fleet-wide breaker stopped; breakers are local")
		}
	}()
}
