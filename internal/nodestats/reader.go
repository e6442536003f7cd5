package nodestats

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Reader answers node-stats queries from the bucket. It is safe for
// concurrent use by multiple goroutines.
type Reader struct {
	js     jetstream.JetStream
	bucket string
	// Now is the clock windows and spikes are judged by; default time.Now.
	Now func() time.Time

	mu sync.Mutex
	kv jetstream.KeyValue
}

// NewReader returns a Reader of bucket (DefaultBucket when empty). The
// bucket is opened on first use, so a Reader can be created before the
// bucket exists.
func NewReader(js jetstream.JetStream, bucket string) *Reader {
	return &Reader{js: js, bucket: cmp.Or(bucket, DefaultBucket), Now: time.Now}
}

// Report is a query's answer: the views of the nodes asked for and their
// total, at a point in time.
type Report struct {
	Account string    `json:"account"`
	FlowID  string    `json:"flow_id,omitempty"`
	At      time.Time `json:"at"`
	Total   View      `json:"total"`
	Nodes   []View    `json:"nodes"`
}

// Node returns one node's stats.
func (r *Reader) Node(ctx context.Context, account, flowID, nodeID string) (View, error) {
	kv, err := r.open(ctx)
	if err != nil {
		return View{}, err
	}
	e, err := kv.Get(ctx, NodeKey(account, flowID, nodeID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return View{}, ErrNotFound
	}
	if err != nil {
		return View{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	st, err := decode(e.Value())
	if err != nil {
		return View{}, err
	}
	return ViewOf(st, r.Now()), nil
}

// Flow returns every node of a flow (of the account when flowID is empty),
// ordered by flow and node id, with their total.
func (r *Reader) Flow(ctx context.Context, account, flowID string) (Report, error) {
	stats, err := r.list(ctx, flowFilter(account, flowID))
	if err != nil {
		return Report{}, err
	}
	rep := r.report(account, flowID, stats)
	slices.SortFunc(rep.Nodes, func(a, b View) int {
		return cmp.Or(cmp.Compare(a.FlowID, b.FlowID), cmp.Compare(a.NodeID, b.NodeID))
	})
	return rep, nil
}

// Worst returns the account's worst nodes (see Worst), at most limit, with
// the account's total.
func (r *Reader) Worst(ctx context.Context, account string, limit int) (Report, error) {
	stats, err := r.list(ctx, flowFilter(account, ""))
	if err != nil {
		return Report{}, err
	}
	rep := r.report(account, "", stats)
	rep.Nodes = Worst(rep.Nodes, limit)
	return rep, nil
}

func (r *Reader) report(account, flowID string, stats []*Stats) Report {
	now := r.Now()
	rep := Report{Account: account, FlowID: flowID, At: now.UTC(), Total: Total(account, flowID, stats, now), Nodes: make([]View, 0, len(stats))}
	for _, st := range stats {
		rep.Nodes = append(rep.Nodes, ViewOf(st, now))
	}
	return rep
}

// list reads every value whose key matches filter.
func (r *Reader) list(ctx context.Context, filter string) ([]*Stats, error) {
	kv, err := r.open(ctx)
	if err != nil {
		return nil, err
	}
	w, err := kv.Watch(ctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer func() { _ = w.Stop() }()
	var out []*Stats
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		case e := <-w.Updates():
			if e == nil {
				return out, nil
			}
			st, err := decode(e.Value())
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
	}
}

// open returns the bucket, opening it once it exists.
func (r *Reader) open(ctx context.Context) (jetstream.KeyValue, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kv != nil {
		return r.kv, nil
	}
	kv, err := r.js.KeyValue(ctx, r.bucket)
	if err != nil {
		return nil, fmt.Errorf("%w: bucket %s: %w", ErrUnavailable, r.bucket, err)
	}
	r.kv = kv
	return kv, nil
}
