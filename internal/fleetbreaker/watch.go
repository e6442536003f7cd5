package fleetbreaker

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sony/gobreaker/v2"
)

// pruneEvery is how often closed records and stale fault marks are
// dropped from memory; forgetAfter is how old they must be.
const (
	pruneEvery  = time.Minute
	forgetAfter = 10 * time.Minute
)

// legacyKeyPrefix starts the keys of releases that shared one breaker per
// origin among all accounts: their records cannot be attributed to an
// account, so they are skipped, quietly, until the bucket's TTL drops them.
const legacyKeyPrefix = "o."

// loadState applies the bucket's current records: it watches the bucket
// up to the end-of-initial-values marker.
func (f *Fleet) loadState(ctx context.Context) error {
	w, err := f.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("fleetbreaker: watch %s: %w", f.cfg.Bucket, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("fleetbreaker: loading %s: %w", f.cfg.Bucket, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return fmt.Errorf("fleetbreaker: watch of %s closed while loading", f.cfg.Bucket)
			}
			if e == nil {
				return nil
			}
			f.applyEntry(e)
		}
	}
}

// watch applies every record written from now on, until ctx ends or the
// watcher stops.
func (f *Fleet) watch(ctx context.Context, w jetstream.KeyWatcher) {
	tick := time.NewTicker(pruneEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			f.prune(f.clock.Now())
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() == nil {
					f.log.Warn().Msg("fleetbreaker: watch ended; breakers are local until restart")
				}
				return
			}
			if e != nil {
				f.applyEntry(e)
			}
		}
	}
}

// applyEntry applies one watched entry; deletions and unreadable values
// are skipped (a purged key's breaker is unknown, and TTL expiry only
// drops records nobody wrote for long).
func (f *Fleet) applyEntry(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut || strings.HasPrefix(e.Key(), legacyKeyPrefix) {
		return
	}
	rec, err := decodeRecord(e.Key(), e.Value())
	if err != nil {
		f.log.Warn().Err(err).Msg("fleetbreaker: skipping a record")
		return
	}
	f.apply(rec, e.Revision())
}

// apply makes rec, stored at revision rev, this replica's view of its
// breaker, and brings the local breaker in line: forced open while the
// record is open, closed when it closes. Records older than the last one
// applied are ignored; so is a closing while this replica's own opening
// is still being written.
func (f *Fleet) apply(rec Record, rev uint64) {
	f.applyMu.Lock()
	defer f.applyMu.Unlock()
	now := f.clock.Now()
	f.mu.Lock()
	prev := f.known[rec.key()]
	if prev != nil && rev <= prev.rev {
		f.mu.Unlock()
		return
	}
	f.known[rec.key()] = &known{rev: rev, rec: rec, seen: now}
	f.nOpen.Add(openDelta(prev, rec))
	ownOpening := f.pending[rec.key()] > 0
	f.mu.Unlock()

	switch {
	case rec.open():
		f.forceOpen(rec, now)
	case prev != nil && prev.rec.open() && !ownOpening:
		f.reg.Close(rec.key())
	}
}

// openDelta is how applying rec over prev changes the number of open
// records.
func openDelta(prev *known, rec Record) int64 {
	was := prev != nil && prev.rec.open()
	switch {
	case rec.open() && !was:
		return 1
	case !rec.open() && was:
		return -1
	}
	return 0
}

// forceOpen holds the local breaker open for an open record. Once the
// open period has passed, a closed local breaker is opened for an instant
// so that, should this replica take the probe lease, its breaker admits
// only the configured probes.
func (f *Fleet) forceOpen(rec Record, now time.Time) {
	until := rec.OpenUntil
	if !until.After(now) {
		if s, ok := f.reg.Status(rec.key()); ok && s.State != gobreaker.StateClosed {
			return
		}
		until = now.Add(time.Millisecond)
	}
	f.reg.ForceOpen(rec.key(), until)
}

// prune forgets closed records applied more than forgetAfter ago, open
// records whose open period and probe lease ended that long ago (an
// endpoint nobody calls any more; the next call finds the local breaker
// half-open and its result is written as usual), and fault marks as old.
func (f *Fleet) prune(now time.Time) {
	f.mu.Lock()
	for key, k := range f.known {
		if k.stale(now) {
			delete(f.known, key)
			f.nOpen.Add(openDelta(k, Record{}))
		}
	}
	f.mu.Unlock()
	f.failing.Range(func(key, seen any) bool {
		if now.Sub(seen.(time.Time)) > forgetAfter {
			if _, ok := f.failing.LoadAndDelete(key); ok {
				f.nFailing.Add(-1)
			}
		}
		return true
	})
}

// stale reports whether k may be forgotten at now.
func (k *known) stale(now time.Time) bool {
	if !k.rec.open() {
		return now.Sub(k.seen) > forgetAfter
	}
	last := k.rec.OpenUntil
	if k.rec.ProbeUntil.After(last) {
		last = k.rec.ProbeUntil
	}
	return now.Sub(last) > forgetAfter
}
