package scaleout

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// account is the account every event of a run belongs to.
const account = "scaleout"

// client is the harness's own connection: it publishes the load and reads
// the results.
type client struct {
	nc *nats.Conn
	js jetstream.JetStream
}

func connect(urls string) (*client, error) {
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.Name("scaleout-harness"))
	if err != nil {
		return nil, fmt.Errorf("scaleout: connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("scaleout: jetstream: %w", err)
	}
	return &client{nc: nc, js: js}, nil
}

func (c *client) close() { c.nc.Close() }

// hookNode is the node every event of a run carries: a GET to the
// receiver with the event's id as a query parameter.
func hookNode(url string) flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method: flowevent.MethodGet, URL: url + "/hook",
		Params:   []flowevent.Param{{Name: "id", From: flowevent.FromProfile, Path: "id"}},
		Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
		OnError:  flowevent.RouteNo, TimeoutMS: 5_000,
	}
}

// eventID names the i-th event of a run.
func eventID(prefix string, i int) string { return fmt.Sprintf("%s-%06d", prefix, i) }

// publishEvenly publishes n events over window, each until JetStream
// stores it (a NATS node may be down meanwhile); the id is also the
// Nats-Msg-Id, so a publish retried after a lost PubAck is stored once.
// It returns the ids published.
func (c *client) publishEvenly(ctx context.Context, prefix string, n int, window time.Duration, node flowevent.NodeConfig) ([]string, error) {
	gap := window / time.Duration(max(n, 1))
	next := time.Now()
	ids := make([]string, 0, n)
	for i := range n {
		id := eventID(prefix, i)
		msg, err := flowevent.NewRequestMsg(id, flowevent.Request{
			Account: account, FlowID: "scaleout", NodeID: prefix, Node: node,
			Profile: flowevent.Profile{ID: "p-" + strconv.Itoa(i), Attributes: map[string]any{"id": id}},
		})
		if err != nil {
			return ids, err
		}
		msg.Header.Set(nats.MsgIdHdr, id)
		if err := c.publish(ctx, msg); err != nil {
			return ids, err
		}
		ids = append(ids, id)
		next = next.Add(gap)
		if d := time.Until(next); d > 0 {
			select {
			case <-ctx.Done():
				return ids, ctx.Err()
			case <-time.After(d):
			}
		}
	}
	return ids, nil
}

func (c *client) publish(ctx context.Context, msg *nats.Msg) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := c.js.PublishMsg(pctx, msg)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("scaleout: publish: %w", ctx.Err())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitDone waits until the consumer has nothing pending or unacknowledged
// and the outcome stream holds at least want outcomes.
func (c *client) waitDone(ctx context.Context, topo bus.Topology, want int) error {
	for {
		done, err := c.done(ctx, topo, want)
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("scaleout: not done (%v): %w", err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *client) done(ctx context.Context, topo bus.Topology, want int) (bool, error) {
	ictx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	ci, err := topo.Backlog(ictx, c.js)
	if err != nil {
		return false, err
	}
	s, err := c.js.Stream(ictx, topo.OutcomeStream)
	if err != nil {
		return false, err
	}
	got := s.CachedInfo().State.Msgs
	if ci.Pending != 0 || ci.AckPending != 0 || got < uint64(want) {
		return false, fmt.Errorf("%d pending, %d unacknowledged, %d of %d outcomes", ci.Pending, ci.AckPending, got, want)
	}
	return true, nil
}

// waitBucket waits until the key-value bucket exists (a replica created
// it).
func (c *client) waitBucket(ctx context.Context, bucket string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		tctx, tcancel := context.WithTimeout(ctx, time.Second)
		_, err := c.js.KeyValue(tctx, bucket)
		tcancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("scaleout: bucket %s not created: %w", bucket, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitConsumers waits until n replicas are pulling from the lanes (each
// keeps a pull request waiting on every idle lane, the first among them),
// so that the load reaches them all.
func (c *client) waitConsumers(ctx context.Context, topo bus.Topology, n int, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		cons, err := c.js.Consumer(ctx, topo.RequestStream, topo.Consumer)
		if err == nil {
			var ci *jetstream.ConsumerInfo
			if ci, err = cons.Info(ctx); err == nil && ci.NumWaiting >= n {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("scaleout: %d replicas not pulling: %w", n, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
