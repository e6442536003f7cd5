package fleetbreaker

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sony/gobreaker/v2"

	"github.com/flowhook/flowhook/internal/breaker"
)

// Bucket writes are compare-and-set on the key's revision; a conflict
// means another replica wrote first: read again and decide again, at
// most casTries times. Each bucket call is bounded by opTimeout.
const (
	casTries  = 5
	opTimeout = 3 * time.Second
)

// transitioned is the Registry hook. It shares the local breaker's own
// decisions (not those the fleet forced on it): an opening, or a probe
// that closed it. It only queues the write.
func (f *Fleet) transitioned(t breaker.Transition) {
	if t.External {
		return
	}
	switch {
	case t.To == gobreaker.StateOpen:
		f.mu.Lock()
		f.pending[t.Key]++
		f.mu.Unlock()
		if !f.enqueue(func(ctx context.Context) { f.opened(ctx, t.Key, t.OpenUntil) }) {
			f.unpend(t.Key)
		}
	case t.From == gobreaker.StateHalfOpen && t.To == gobreaker.StateClosed:
		f.enqueue(func(ctx context.Context) { f.closed(ctx, t.Key) })
	}
}

func (f *Fleet) unpend(key breaker.Key) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending[key]--; f.pending[key] <= 0 {
		delete(f.pending, key)
	}
}

// opened writes a new open period for key, ending at until, unless the
// fleet already has one running (this replica adopts it) or until has
// passed (the opening was reported too late to matter).
func (f *Fleet) opened(ctx context.Context, key breaker.Key, until time.Time) {
	defer f.unpend(key)
	f.update(ctx, key, func(cur Record, now time.Time) (Record, bool) {
		if (cur.open() && cur.OpenUntil.After(now)) || !until.After(now) {
			return cur, false
		}
		return Record{Account: key.Account, Origin: key.Origin, State: stateOpen, OpenUntil: until, Generation: cur.Generation + 1, Replica: f.cfg.Replica}, true
	}, "fleetbreaker: endpoint breaker opened for the fleet")
}

// closed writes that key's probe succeeded, unless a new open period
// began meanwhile.
func (f *Fleet) closed(ctx context.Context, key breaker.Key) {
	f.update(ctx, key, func(cur Record, now time.Time) (Record, bool) {
		if !cur.open() || cur.OpenUntil.After(now) {
			return cur, false
		}
		return Record{Account: key.Account, Origin: key.Origin, State: stateClosed, Generation: cur.Generation, Replica: f.cfg.Replica}, true
	}, "fleetbreaker: endpoint breaker closed for the fleet")
}

// takeLease tries to make this replica the prober of key's open period;
// it reports whether this replica holds the lease.
func (f *Fleet) takeLease(ctx context.Context, key breaker.Key) bool {
	held := false
	f.update(ctx, key, func(cur Record, now time.Time) (Record, bool) {
		switch d, _ := cur.decide(f.cfg.Replica, now); d {
		case probe:
			held = true
			return cur, false
		case claim:
			next := cur
			next.Prober, next.ProbeUntil = f.cfg.Replica, now.Add(f.cfg.ProbeLease)
			held = true
			return next, true
		}
		held = false
		return cur, false
	}, "fleetbreaker: probe lease taken")
	return held
}

// update reads bk's record, asks change for the next one and writes it
// if change says so, retrying on conflicts. Whatever it ends with (the
// record written, or the current one) is applied locally at once, without
// waiting for the watch. A write that still fails after its tries leaves
// the fleet's state as it is (the local breaker keeps its own).
func (f *Fleet) update(ctx context.Context, bk breaker.Key, change func(cur Record, now time.Time) (Record, bool), logMsg string) bool {
	key := BucketKey(bk)
	for range casTries {
		cur, rev, err := f.read(ctx, key)
		if err != nil {
			f.log.Warn().Err(err).Str("account", bk.Account).Str("origin", bk.Origin).Msg("fleetbreaker: read")
			return false
		}
		next, write := change(cur, f.clock.Now())
		if !write {
			if rev > 0 {
				f.apply(cur, rev)
			}
			return false
		}
		newRev, err := f.write(ctx, key, next, rev)
		if err == nil {
			f.apply(next, newRev)
			f.log.Info().Str("account", bk.Account).Str("origin", bk.Origin).Str("state", next.State).Time("open_until", next.OpenUntil).
				Uint64("generation", next.Generation).Str("prober", next.Prober).Msg(logMsg)
			return true
		}
		if !conflict(err) {
			f.log.Warn().Err(err).Str("account", bk.Account).Str("origin", bk.Origin).Msg("fleetbreaker: write")
			return false
		}
	}
	f.log.Warn().Str("account", bk.Account).Str("origin", bk.Origin).Msg("fleetbreaker: write kept conflicting; giving up")
	return false
}

// read returns key's record and revision; revision 0 when there is none.
func (f *Fleet) read(ctx context.Context, key string) (Record, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	e, err := f.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Record{}, 0, nil
	}
	if err != nil {
		return Record{}, 0, err
	}
	rec, err := decodeRecord(key, e.Value())
	if err != nil {
		// An unreadable value is overwritten: it counts as no record.
		return Record{}, e.Revision(), nil
	}
	return rec, e.Revision(), nil
}

// write stores rec under key if the key is still at revision rev (0: if
// it does not exist), and returns the new revision.
func (f *Fleet) write(ctx context.Context, key string, rec Record, rev uint64) (uint64, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if rev == 0 {
		return f.kv.Create(ctx, key, data)
	}
	return f.kv.Update(ctx, key, data, rev)
}

// conflict reports whether err is a lost compare-and-set.
func conflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
