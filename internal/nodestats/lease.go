package nodestats

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// leaseKey is the lease bucket's only key; its value names the holder.
const leaseKey = "aggregator"

// lease is one replica's hold on the aggregator lease.
type lease struct {
	kv  jetstream.KeyValue
	id  string
	ttl time.Duration
	rev uint64
}

// acquire takes the lease if nobody holds it; ok is false when someone
// does.
func (l *lease) acquire(ctx context.Context) (ok bool, err error) {
	rev, err := l.kv.Create(ctx, leaseKey, []byte(l.id))
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	l.rev = rev
	return true, nil
}

// hold refreshes the lease every ttl/3 until ctx ends, and calls lost (then
// returns) when the lease can no longer be shown to be ours: someone else
// holds it, or no refresh succeeded for a whole ttl.
func (l *lease) hold(ctx context.Context, lost func()) {
	tick := time.NewTicker(l.ttl / 3)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			l.release(ctx)
			return
		case <-tick.C:
		}
		rctx, cancel := context.WithTimeout(ctx, l.ttl/3)
		rev, err := l.kv.Update(rctx, leaseKey, []byte(l.id), l.rev)
		cancel()
		switch {
		case err == nil:
			l.rev, last = rev, time.Now()
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound),
			time.Since(last) >= l.ttl:
			lost()
			return
		}
	}
}

// release gives the lease up at once so that another replica need not
// wait for it to expire.
func (l *lease) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = l.kv.Delete(ctx, leaseKey, jetstream.LastRevision(l.rev))
}
