package nodestats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// maxConflicts bounds how often one node's write is retried after losing a
// revision race within one batch.
const maxConflicts = 5

// item is one decoded outcome and its stream sequence.
type item struct {
	seq uint64
	out flowevent.Outcome
}

// applyBatch counts a batch of outcome messages (in stream order) into
// their nodes' values, then advances the checkpoint past the batch.
func (a *Aggregator) applyBatch(ctx context.Context, batch []jetstream.Msg) error {
	keys, groups, last, err := a.group(ctx, batch)
	if err != nil {
		return err
	}
	if last == nil {
		return nil
	}
	if err := a.applyGroups(ctx, keys, groups); err != nil {
		return err
	}
	if a.afterWrite != nil {
		a.afterWrite()
	}
	if err := a.setCheckpoint(ctx, last.Sequence.Stream); err != nil {
		return err
	}
	a.obs.Behind(last.NumPending)
	return nil
}

// group reads the batch and groups its outcomes by node key, keeping
// stream order within each group; keys lists the groups in first-seen
// order. last is the last message's metadata (nil if none was readable).
// Messages that are not outcome events are skipped; an outcome that could
// not be read back from the stream fails the batch (it is retried from
// the checkpoint).
func (a *Aggregator) group(ctx context.Context, batch []jetstream.Msg) (keys []string, groups map[string][]item, last *jetstream.MsgMetadata, err error) {
	groups = map[string][]item{}
	for _, m := range batch {
		meta, err := m.Metadata()
		if err != nil {
			continue
		}
		last = meta
		o, err := a.outcome(ctx, m, meta.Sequence.Stream)
		var unread *readBackError
		if errors.As(err, &unread) {
			return nil, nil, nil, err
		}
		if err != nil {
			a.log.Debug().Err(err).Uint64("stream_seq", meta.Sequence.Stream).Msg("nodestats: skipping undecodable outcome")
			continue
		}
		k := NodeKey(o.Account, o.FlowID, o.NodeID)
		if _, seen := groups[k]; !seen {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], item{seq: meta.Sequence.Stream, out: o})
	}
	return keys, groups, last, nil
}

// outcome reads what is counted of the outcome at stream sequence seq,
// delivered headers-only as m: from its summary header, or, for an
// outcome without one (published by an older version), from the whole
// event read back from the stream.
func (a *Aggregator) outcome(ctx context.Context, m jetstream.Msg, seq uint64) (flowevent.Outcome, error) {
	account, ok := flowevent.AccountOfOutcomeSubject(m.Subject())
	if !ok {
		return flowevent.Outcome{}, fmt.Errorf("not an outcome subject")
	}
	if v := m.Headers().Get(flowevent.HeaderSummary); v != "" {
		s, err := flowevent.ParseOutcomeSummary(v)
		if err != nil {
			return flowevent.Outcome{}, err
		}
		return flowevent.Outcome{
			Account: account, FlowID: s.FlowID, NodeID: s.NodeID, Route: s.Route, Reason: s.Reason, Success: s.Success,
			Status: s.Status, Attempts: s.Attempts, DurationMS: s.DurationMS, CompletedAt: s.CompletedAt, Detail: s.Detail,
		}, nil
	}
	raw, err := a.outcomes.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return flowevent.Outcome{}, err // gone meanwhile (limits): nothing to count
	}
	if err != nil {
		return flowevent.Outcome{}, &readBackError{err}
	}
	_, o, err := flowevent.DecodeOutcome(&nats.Msg{Subject: raw.Subject, Header: raw.Header, Data: raw.Data})
	if err == nil && o.Account != account {
		err = fmt.Errorf("data.account does not match the subject")
	}
	return o, err
}

// applyGroups applies every group, up to Parallel at once, and returns the
// first error.
func (a *Aggregator) applyGroups(ctx context.Context, keys []string, groups map[string][]item) error {
	sem := make(chan struct{}, a.cfg.Parallel)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, k := range keys {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := a.applyKey(ctx, k, groups[k]); err != nil {
				mu.Lock()
				first = cmpErr(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// applyKey counts items into one node's value with optimistic concurrency:
// read (or take from the cache) the value and its revision, skip what the
// value already counts, write it back only if the revision is unchanged,
// and start over when it is not.
func (a *Aggregator) applyKey(ctx context.Context, key string, items []item) error {
	for range maxConflicts {
		st, rev, err := a.load(ctx, key, items[0].out)
		if err != nil {
			return err
		}
		n := 0
		for _, it := range items {
			if st.Apply(it.seq, it.out) {
				n++
			}
		}
		if n == 0 {
			return nil
		}
		newRev, err := a.write(ctx, key, st, rev)
		if err == nil {
			a.cache.put(key, st, newRev, a.now())
			a.obs.Applied(n)
			return nil
		}
		a.cache.drop(key)
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("nodestats: write %s: %w", key, err)
		}
		a.obs.Conflict()
	}
	return fmt.Errorf("nodestats: write %s: still conflicting after %d attempts", key, maxConflicts)
}

// load returns a node's current value and revision (0: the key does not
// exist yet), from the cache when this replica wrote it last.
func (a *Aggregator) load(ctx context.Context, key string, first flowevent.Outcome) (*Stats, uint64, error) {
	if st, rev, ok := a.cache.get(key); ok {
		return st, rev, nil
	}
	e, err := a.stats.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return newStats(first), 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("nodestats: read %s: %w", key, err)
	}
	st, err := decode(e.Value())
	if err != nil {
		return nil, 0, fmt.Errorf("nodestats: read %s: %w", key, err)
	}
	return st, e.Revision(), nil
}

// write stores st under key if its revision is still rev (created if rev
// is 0) and returns the new revision.
func (a *Aggregator) write(ctx context.Context, key string, st *Stats, rev uint64) (uint64, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		return a.stats.Create(ctx, key, data)
	}
	return a.stats.Update(ctx, key, data, rev)
}

// decode reads a stored value.
func decode(data []byte) (*Stats, error) {
	var st Stats
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("nodestats: decode stats: %w", err)
	}
	if st.Version != Version {
		return nil, fmt.Errorf("%w: %d", ErrVersion, st.Version)
	}
	return &st, nil
}
