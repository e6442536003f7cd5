package nodestats

import (
	"sync"
	"time"
)

// cache keeps the values this replica wrote last, so that a busy node
// costs one write per batch instead of a read and a write. A stale entry
// is harmless: its write fails the revision check and the value is read
// again. Entries idle for longer than the spike window are dropped.
type cache struct {
	mu        sync.Mutex
	entries   map[string]*cached
	nextSweep time.Time
}

type cached struct {
	st      *Stats
	rev     uint64
	touched time.Time
	// minutes is a copy of st.Minutes for Spiking, and rejected whether
	// st.Rejected was set, for Rejected, which may run while the
	// aggregator changes st.
	minutes  []Minute
	rejected bool
}

// cacheIdle is how long an entry is kept after its last write.
const cacheIdle = (WindowMinutes + RecentMinutes) * time.Minute

func newCache() *cache { return &cache{entries: map[string]*cached{}} }

func (c *cache) get(key string) (*Stats, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, 0, false
	}
	return e.st, e.rev, true
}

func (c *cache) put(key string, st *Stats, rev uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = &cached{st: st, rev: rev, touched: now, minutes: append([]Minute(nil), st.Minutes...), rejected: st.Rejected != nil}
	if now.Before(c.nextSweep) {
		return
	}
	c.nextSweep = now.Add(time.Minute)
	for k, e := range c.entries {
		if now.Sub(e.touched) > cacheIdle {
			delete(c.entries, k)
		}
	}
}

func (c *cache) drop(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

func (c *cache) clear() {
	c.mu.Lock()
	c.entries = map[string]*cached{}
	c.mu.Unlock()
}

// spiking counts the cached nodes in an error spike at now.
func (c *cache) spiking(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, m := 0, minuteOf(now)
	for _, e := range c.entries {
		if spike(e.minutes, m) {
			n++
		}
	}
	return n
}

// Spiking returns how many nodes this replica's aggregator sees in an error
// spike now (0 on replicas that do not aggregate). A node that has had no
// outcome for over an hour is not counted.
func (a *Aggregator) Spiking() int { return a.cache.spiking(a.now()) }

// rejected counts the cached nodes whose credentials are rejected.
func (c *cache) rejected() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.entries {
		if e.rejected {
			n++
		}
	}
	return n
}

// Rejected returns how many nodes this replica's aggregator sees with
// their credentials rejected now (0 on replicas that do not aggregate).
// A node that has had no outcome for over an hour is not counted (its
// stats keep the flag).
func (a *Aggregator) Rejected() int { return a.cache.rejected() }
