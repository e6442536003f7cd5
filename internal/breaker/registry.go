package breaker

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"

	"github.com/flowhook/flowhook/internal/clock"
)

// Registry holds one circuit breaker per Key (account and origin), created
// on first use. It
// is safe for concurrent use by multiple goroutines.
type Registry struct {
	settings Settings
	clock    Clock
	log      zerolog.Logger
	hooks    []func(Transition) // guarded by notifyMu

	mu        sync.RWMutex
	entries   map[Key]*entry
	nextSweep atomic.Int64 // unix nanoseconds

	// notifyMu serialises announcements so that they leave in the order
	// the transitions happened.
	notifyMu sync.Mutex
}

// NewRegistry returns an empty Registry. Zero settings take their defaults;
// a nil c is the system clock (clock.System). log receives one event per
// state change.
func NewRegistry(s Settings, c Clock, log zerolog.Logger) *Registry {
	if c == nil {
		c = clock.System{}
	}
	r := &Registry{settings: s.withDefaults(), clock: c, log: log, entries: make(map[Key]*entry)}
	r.nextSweep.Store(c.Now().Add(r.sweepEvery()).UnixNano())
	return r
}

// OnStateChange adds a hook called after every state change of every
// breaker (for metrics), in the order the changes happened,
// outside the Registry's locks. Hooks added by OnStateChange and
// OnTransition all run, in the order they were added; add them before the
// first Allow. f must return quickly and must not call Allow, ForceOpen,
// Close, Record or a done function.
func (r *Registry) OnStateChange(f func(key Key, from, to gobreaker.State)) {
	r.OnTransition(func(t Transition) { f(t.Key, t.From, t.To) })
}

// Status is one breaker as operators see it.
type Status struct {
	Key
	// State is open while requests are refused, half-open once the open
	// period has passed, else closed.
	State gobreaker.State
	// Counts are gobreaker's counts for the current state (closed: the
	// current Interval window).
	Counts gobreaker.Counts
	// OpenUntil is when the open period ends; zero when not open.
	OpenUntil time.Time
}

// Snapshot returns the status of every breaker, sorted by account, then
// origin.
func (r *Registry) Snapshot() []Status {
	now := r.clock.Now()
	r.mu.RLock()
	entries := make([]*entry, 0, len(r.entries))
	for _, e := range r.entries {
		entries = append(entries, e)
	}
	r.mu.RUnlock()

	out := make([]Status, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.status(now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.less(out[j].Key) })
	return out
}

// ForceOpen opens key's breaker until until (it stays open longer if it
// already was), as when the fleet reports the endpoint down. The breaker
// trips as if it had failed, so that once until has passed the next request
// is a half-open probe. An until not after the current time does nothing.
func (r *Registry) ForceOpen(key Key, until time.Time) {
	now := r.clock.Now()
	if !until.After(now) {
		return
	}
	e := r.entry(key, now)
	e.mu.Lock()
	if until.After(e.openUntil) {
		e.openUntil = until
	}
	e.lastUsed = now
	b, open := e.cb, e.state == gobreaker.StateOpen
	e.mu.Unlock()

	r.log.Warn().Str("account", key.Account).Str("origin", key.Origin).Time("open_until", until).Msg("circuit breaker forced open")
	if open {
		return // gobreaker moves to half-open when openUntil has passed
	}
	e.forcing.Add(1)
	if done, err := b.Allow(); err == nil {
		done(errFault) // trips a closed breaker, re-opens a half-open one
	}
	e.forcing.Add(-1)
	r.announce(e)
}

// entry returns key's entry, creating it.
func (r *Registry) entry(key Key, now time.Time) *entry {
	r.mu.RLock()
	e := r.entries[key]
	r.mu.RUnlock()
	if e != nil {
		return e
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e = r.entries[key]; e != nil {
		return e
	}
	r.shrink()
	// Kept for as long as the breaker lives: own copies, not substrings
	// that would pin the request event they were decoded from.
	key = Key{Account: strings.Clone(key.Account), Origin: strings.Clone(key.Origin)}
	e = &entry{key: key, windowStart: now, lastUsed: now}
	e.cb = r.newBreaker(e, 0)
	r.entries[key] = e
	return e
}
