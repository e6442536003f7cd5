package nodestats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Observer is told what the Aggregator does. internal/metrics implements
// it. Methods must return quickly.
type Observer interface {
	// Leading reports that this replica took (true) or gave up (false) the
	// aggregator lease.
	Leading(on bool)
	// Applied counts outcomes counted into node stats.
	Applied(n int)
	// Conflict counts a write that lost an optimistic-concurrency race.
	Conflict()
	// Behind reports how many stored outcomes are not yet counted.
	Behind(n uint64)
}

type nopObserver struct{}

func (nopObserver) Leading(bool)  {}
func (nopObserver) Applied(int)   {}
func (nopObserver) Conflict()     {}
func (nopObserver) Behind(uint64) {}

// Aggregator counts the outcome stream into node stats, exactly once (see
// the package documentation). Create it with NewAggregator and Run it in
// every replica: one at a time aggregates, the others wait for the lease.
type Aggregator struct {
	cfg   Config
	js    jetstream.JetStream
	stats jetstream.KeyValue
	lease jetstream.KeyValue
	obs   Observer
	log   zerolog.Logger
	now   func() time.Time
	cache *cache
	// outcomes is the outcome stream, for reading in full an outcome
	// without a summary header (one published by an older version).
	outcomes jetstream.Stream
	// afterWrite, when set (tests), runs after a batch's node values are
	// written and before the checkpoint is.
	afterWrite func()
}

// NewAggregator returns an Aggregator over the buckets Ensure returned. A
// nil obs observes nothing.
func NewAggregator(cfg Config, js jetstream.JetStream, stats, lease jetstream.KeyValue, obs Observer, log zerolog.Logger) *Aggregator {
	if obs == nil {
		obs = nopObserver{}
	}
	return &Aggregator{cfg: cfg.withDefaults(), js: js, stats: stats, lease: lease, obs: obs, log: log, now: time.Now, cache: newCache()}
}

// Run aggregates while this replica holds the lease, and waits for it
// otherwise, until ctx ends. Errors (NATS unavailable, a write that keeps
// failing) are logged and retried after a pause: Run returns only when ctx
// ends.
func (a *Aggregator) Run(ctx context.Context) {
	l := &lease{kv: a.lease, id: a.cfg.ID, ttl: a.cfg.Lease}
	retry := time.NewTimer(0)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-retry.C:
		}
		ok, err := l.acquire(ctx)
		if err != nil && ctx.Err() == nil {
			a.log.Warn().Err(err).Msg("nodestats: lease")
		}
		if ok {
			a.lead(ctx, l)
		}
		retry.Reset(a.cfg.Lease / 3)
	}
}

// lead aggregates until ctx ends, the lease is lost or aggregation fails.
func (a *Aggregator) lead(ctx context.Context, l *lease) {
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.hold(lctx, func() {
			a.log.Warn().Msg("nodestats: aggregator lease lost")
			cancel()
		})
	}()
	a.obs.Leading(true)
	a.log.Info().Str("id", a.cfg.ID).Msg("nodestats: aggregating outcomes")
	err := a.aggregate(lctx)
	if err != nil && lctx.Err() == nil {
		a.log.Warn().Err(err).Msg("nodestats: aggregation stopped; will resume from the checkpoint")
	}
	cancel()
	wg.Wait()
	a.cache.clear()
	a.obs.Leading(false)
}

// aggregate reads the outcome stream in order from the checkpoint and
// applies it batch by batch until ctx ends or a batch fails.
func (a *Aggregator) aggregate(ctx context.Context) error {
	from, err := a.checkpoint(ctx)
	if err != nil {
		return err
	}
	a.outcomes, err = a.js.Stream(ctx, a.cfg.OutcomeStream)
	if err != nil {
		return fmt.Errorf("nodestats: outcome stream: %w", err)
	}
	// Headers only: an outcome's summary header has all that is counted,
	// so the server need not send, nor this replica decode, the events.
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy, HeadersOnly: true}
	if from > 0 {
		cfg = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from + 1, HeadersOnly: true}
	}
	cons, err := a.js.OrderedConsumer(ctx, a.cfg.OutcomeStream, cfg)
	if err != nil {
		return fmt.Errorf("nodestats: outcome consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(min(a.cfg.Batch, 1024)))
	if err != nil {
		return fmt.Errorf("nodestats: outcome consumer: %w", err)
	}
	defer it.Stop()
	msgs := make(chan jetstream.Msg, a.cfg.Batch)
	go feed(ctx, it, msgs)
	for {
		batch, ok := nextBatch(ctx, msgs, a.cfg.Batch, a.cfg.Linger)
		if !ok {
			return ctx.Err()
		}
		if err := a.applyBatch(ctx, batch); err != nil {
			return err
		}
	}
}

// feed passes the iterator's messages on until it is stopped.
func feed(ctx context.Context, it jetstream.MessagesContext, out chan<- jetstream.Msg) {
	for {
		msg, err := it.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return
		}
		if err != nil {
			continue // heartbeat or reconnect notices; the iterator recovers
		}
		select {
		case out <- msg:
		case <-ctx.Done():
			return
		}
	}
}

// nextBatch waits for one message, then gathers more for up to linger,
// or until the batch holds max: one batch's writes then cover every
// outcome of that time, however high the rate.
func nextBatch(ctx context.Context, msgs <-chan jetstream.Msg, max int, linger time.Duration) ([]jetstream.Msg, bool) {
	var batch []jetstream.Msg
	select {
	case <-ctx.Done():
		return nil, false
	case m := <-msgs:
		batch = append(batch, m)
	}
	timer := time.NewTimer(linger)
	defer timer.Stop()
	for len(batch) < max {
		select {
		case m := <-msgs:
			batch = append(batch, m)
		case <-timer.C:
			return batch, true
		case <-ctx.Done():
			// The batch so far is applied; the caller stops after it.
			return batch, true
		}
	}
	return batch, true
}

// checkpoint reads the stream sequence up to which every outcome is
// counted; 0 when none is recorded.
func (a *Aggregator) checkpoint(ctx context.Context) (uint64, error) {
	e, err := a.stats.Get(ctx, checkpointKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("nodestats: read checkpoint: %w", err)
	}
	seq, err := strconv.ParseUint(string(e.Value()), 10, 64)
	if err != nil {
		a.log.Warn().Msg("nodestats: unreadable checkpoint; re-reading the outcome stream from its start (counts stay exact)")
		return 0, nil
	}
	return seq, nil
}

// setCheckpoint records seq as counted.
func (a *Aggregator) setCheckpoint(ctx context.Context, seq uint64) error {
	if _, err := a.stats.Put(ctx, checkpointKey, []byte(strconv.FormatUint(seq, 10))); err != nil {
		return fmt.Errorf("nodestats: write checkpoint: %w", err)
	}
	return nil
}
