package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/nodestats"
)

// busClient is the driver's connection: it resets the streams, preloads
// backlogs and watches the streams' counts.
type busClient struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	topo   bus.Topology
	failed atomic.Int64 // async publishes that failed
	// owned reports that the streams are the benchmark's to delete.
	owned bool
}

func connectBus(url string) (*busClient, error) {
	nc, err := nats.Connect(url, nats.Name("flowhook-bench-driver"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("bench: connect %s: %w", url, err)
	}
	c := &busClient{nc: nc, topo: bus.Topology{}.WithDefaults()}
	c.js, err = jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncErrHandler(func(jetstream.JetStream, *nats.Msg, error) { c.failed.Add(1) }))
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *busClient) close() { _ = c.nc.Drain() }

// checkUnused refuses a server that already holds any of flowhook's
// streams: the benchmark deletes the streams it uses, and must never touch
// a real deployment's.
func (c *busClient) checkUnused(ctx context.Context) error {
	for _, name := range c.streams() {
		_, err := c.js.Stream(ctx, name)
		if err == nil {
			return fmt.Errorf("bench: the NATS server already has stream %s; the benchmark deletes its streams, so it needs a server without flowhook's", name)
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return err
		}
	}
	return nil
}

// deleteStreams removes the benchmark's streams (best effort).
func (c *busClient) deleteStreams(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, name := range c.streams() {
		_ = c.js.DeleteStream(ctx, name)
	}
}

// streams names every stream flowhook creates with its defaults: the
// request, outcome and dead-letter streams and the node-stats buckets
// (whose checkpoints refer to outcome stream sequences, so they must go
// with the outcome stream).
func (c *busClient) streams() []string {
	var names []string
	for _, cfg := range c.topo.StreamConfigs() {
		names = append(names, cfg.Name)
	}
	return append(names, "KV_"+nodestats.DefaultBucket, "KV_"+nodestats.DefaultLeaseBucket)
}

// baselineTopology is the request stream the baselines (raw JetStream,
// naive pipelines) pull from: flowhook's, with one partition, so that one
// consumer delivers every event in order, as a pipeline without fairness
// between accounts would. flowhook runs on its own default topology.
func baselineTopology() bus.Topology { return bus.Topology{Partitions: 1}.WithDefaults() }

// topologyFor is the topology the streams are created with for sys:
// flowhook's is serve's, with the partitions of its --partitions flag when
// serveFlags set one.
func topologyFor(sys string, serveFlags []string) bus.Topology {
	if sys != roleFlowhook {
		return baselineTopology()
	}
	t := bus.Topology{}
	for i, f := range serveFlags {
		v, ok := strings.CutPrefix(f, "--partitions=")
		if !ok && f == "--partitions" && i+1 < len(serveFlags) {
			v, ok = serveFlags[i+1], true
		}
		if n, err := strconv.Atoi(v); ok && err == nil {
			t.Partitions = n
		}
	}
	return t.WithDefaults()
}

// reset deletes flowhook's streams and creates them again empty, with
// topo (file storage; the partitions' durable consumers).
func (c *busClient) reset(ctx context.Context, topo bus.Topology) error {
	c.owned = true
	for _, name := range c.streams() {
		if err := c.js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("bench: delete stream %s: %w", name, err)
		}
	}
	c.topo = topo
	if _, err := c.topo.Ensure(ctx, c.js); err != nil {
		return err
	}
	return nil
}

// counts returns how many request events wait on the request stream (acked
// ones leave it) and how many outcomes are stored.
func (c *busClient) counts(ctx context.Context) (requests, outcomes uint64, err error) {
	rs, err := c.js.Stream(ctx, c.topo.RequestStream)
	if err != nil {
		return 0, 0, err
	}
	outs, err := c.js.Stream(ctx, c.topo.OutcomeStream)
	if err != nil {
		return 0, 0, err
	}
	return rs.CachedInfo().State.Msgs, outs.CachedInfo().State.Msgs, nil
}

// preload publishes events 0..n-1 of src and waits until all are stored.
func (c *busClient) preload(ctx context.Context, src eventSource, n int) error {
	c.failed.Store(0)
	for seq := range n {
		m, err := src.msg(seq)
		if err != nil {
			return err
		}
		if _, err := c.js.PublishMsgAsync(m); err != nil {
			return fmt.Errorf("bench: preload: %w", err)
		}
	}
	if err := c.waitPublished(ctx); err != nil {
		return err
	}
	req, _, err := c.counts(ctx)
	if err != nil {
		return err
	}
	if req != uint64(n) {
		return fmt.Errorf("bench: preload stored %d of %d events", req, n)
	}
	return nil
}

// waitPublished waits for every async publish's PubAck.
func (c *busClient) waitPublished(ctx context.Context) error {
	select {
	case <-c.js.PublishAsyncComplete():
	case <-time.After(60 * time.Second):
		return errors.New("bench: publishes not acknowledged within 60s")
	case <-ctx.Done():
		return ctx.Err()
	}
	if n := c.failed.Load(); n > 0 {
		return fmt.Errorf("bench: %d publishes failed", n)
	}
	return nil
}
