package scaleout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/fleetbreaker"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// BreakerParams size a dead-endpoint run. Zero values take the defaults.
type BreakerParams struct {
	// Binary is the flowhook command; Dir holds the NATS store and logs.
	Binary, Dir string
	// Fleet turns the fleet-wide breaker on (--fleet-breaker).
	Fleet bool
	// Replicas is the number of flowhook processes; default 3.
	Replicas int
	// Threshold is --breaker-failures (default 5); Open is --breaker-open
	// (default 1s).
	Threshold int
	Open      time.Duration
	// Events are published evenly over Duration to the dead endpoint;
	// defaults 600 and 6s.
	Events   int
	Duration time.Duration
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
}

func (p BreakerParams) withDefaults() BreakerParams {
	if p.Replicas <= 0 {
		p.Replicas = 3
	}
	if p.Threshold <= 0 {
		p.Threshold = 5
	}
	if p.Open <= 0 {
		p.Open = time.Second
	}
	if p.Events <= 0 {
		p.Events = 600
	}
	if p.Duration <= 0 {
		p.Duration = 6 * time.Second
	}
	if p.Progress == nil {
		p.Progress = io.Discard
	}
	return p
}

// BreakerReport is what the dead endpoint got.
type BreakerReport struct {
	Fleet bool
	// Events published, and their outcomes: refused by an open breaker, or
	// sent (status_mismatch: the endpoint answered 503).
	Events, Refused, Sent int
	// Hits is the requests the endpoint got; FirstSecond those in the
	// second after the first one (the run of faults that trips the
	// breakers), the rest being probes.
	Hits, FirstSecond int
	// ByReplica counts the hits per replica.
	ByReplica map[string]int
	// OpenPeriods is about how many open periods the run spanned.
	OpenPeriods int
}

// String renders the report.
func (r BreakerReport) String() string {
	mode := "local breakers"
	if r.Fleet {
		mode = "fleet-wide breaker"
	}
	return fmt.Sprintf("%s: %d events (%d sent, %d refused); dead endpoint got %d requests: %d in the first second, %d later over ~%d open periods; per replica %v",
		mode, r.Events, r.Sent, r.Refused, r.Hits, r.FirstSecond, r.Hits-r.FirstSecond, r.OpenPeriods, r.ByReplica)
}

// RunBreaker starts p.Replicas flowhook processes on one NATS server and
// sends p.Events events to an endpoint that answers 503 to everything,
// then counts the requests the endpoint got.
func RunBreaker(ctx context.Context, p BreakerParams) (BreakerReport, error) {
	p = p.withDefaults()
	if p.Binary == "" || p.Dir == "" {
		return BreakerReport{}, errors.New("scaleout: Binary and Dir are required")
	}
	emb, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: filepath.Join(p.Dir, "nats"), Port: -1})
	if err != nil {
		return BreakerReport{}, err
	}
	defer emb.Shutdown()
	c, err := connect(emb.ClientURL())
	if err != nil {
		return BreakerReport{}, err
	}
	defer c.close()
	// One partition and few workers: a replica has few calls in flight to
	// the dead endpoint when its breaker trips.
	topo := bus.Topology{AckWait: ackWait, Partitions: 1}.WithDefaults()
	if _, err := topo.Ensure(ctx, c.js); err != nil {
		return BreakerReport{}, err
	}
	dead, err := startReceiver(503, 0)
	if err != nil {
		return BreakerReport{}, err
	}
	defer dead.close()
	var rs []*Replica
	defer func() { stopAll(rs) }()
	for i := range p.Replicas {
		name := "r" + strconv.Itoa(i)
		r, err := startReplica(p.Binary, p.Dir, name, []string{"serve", "--nats-url", emb.ClientURL(),
			"--replicas", strconv.Itoa(p.Replicas), "--workers", strconv.Itoa(topo.MinWorkers()), "--partitions", "1", "--ack-wait", ackWait.String(), "--admin-addr", "",
			"--allow-cidrs", "127.0.0.0/8", "--user-agent", "flowhook-scaleout/" + name, "--replica-id", name,
			"--breaker-failures", strconv.Itoa(p.Threshold), "--breaker-open", p.Open.String(),
			"--fleet-breaker=" + strconv.FormatBool(p.Fleet), "--fleet-probe-lease", "5s", "--log-level", "warn"})
		if err != nil {
			return BreakerReport{}, err
		}
		rs = append(rs, r)
		if i == 0 && p.Fleet {
			if err := c.waitBucket(ctx, fleetbreaker.DefaultBucket, 30*time.Second); err != nil {
				return BreakerReport{}, err
			}
		}
	}
	if err := c.waitConsumers(ctx, topo, p.Replicas, 30*time.Second); err != nil {
		return BreakerReport{}, err
	}
	fmt.Fprintf(p.Progress, "scaleout: %d replicas pulling, fleet breaker %v\n", p.Replicas, p.Fleet)
	ids, err := c.publishEvenly(ctx, "dead", p.Events, p.Duration, hookNode(dead.url()))
	if err != nil {
		return BreakerReport{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = c.waitDone(wctx, topo, len(ids))
	cancel()
	if err != nil {
		return BreakerReport{}, err
	}
	return breakerReport(ctx, p, c, topo, dead)
}

// breakerReport counts the outcomes and the dead endpoint's requests.
func breakerReport(ctx context.Context, p BreakerParams, c *client, topo bus.Topology, dead *receiver) (BreakerReport, error) {
	outcomes, err := c.readOutcomes(ctx, topo.OutcomeStream)
	if err != nil {
		return BreakerReport{}, err
	}
	rep := BreakerReport{Fleet: p.Fleet, Events: p.Events, OpenPeriods: int(p.Duration / p.Open)}
	for _, list := range outcomes {
		for _, o := range list {
			switch o.Reason {
			case flowevent.ReasonCircuitOpen:
				rep.Refused++
			case flowevent.ReasonStatusMismatch:
				rep.Sent++
			}
		}
	}
	_, byAgent, times := dead.counts()
	rep.ByReplica = byAgent
	rep.Hits = len(times)
	for _, t := range times {
		if len(times) > 0 && t.Sub(times[0]) < time.Second {
			rep.FirstSecond++
		}
	}
	return rep, nil
}
