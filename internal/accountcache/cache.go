// Package accountcache is a bounded cache of values that belong to
// accounts (OAuth 2.0 access tokens, parsed client certificates), in which
// one account can never read another's entries nor push them out while it
// holds as many: entries are looked up by account and key, each account
// holds at most a share of the cache, and when the cache is full the entry
// given up is the least recently used one of the account holding the most.
package accountcache

import (
	"container/list"
	"strings"
	"sync"
)

// Cache holds at most Max values, at most PerAccount of them per account.
// It is safe for concurrent use by multiple goroutines.
type Cache[K comparable, V any] struct {
	max, perAccount int

	mu       sync.Mutex
	accounts map[string]*owned[K, V]
	n        int
}

// owned is one account's entries, most recently used first.
type owned[K comparable, V any] struct {
	order *list.List // of *item
	byKey map[K]*list.Element
}

type item[K comparable, V any] struct {
	key K
	val V
}

// New returns a cache of at most max values (at least 1), at most
// perAccount (at least 1, at most max) per account.
func New[K comparable, V any](max, perAccount int) *Cache[K, V] {
	max = maxInt(max, 1)
	return &Cache[K, V]{max: max, perAccount: min(maxInt(perAccount, 1), max), accounts: map[string]*owned[K, V]{}}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// Get returns account's value for key, marking it recently used.
func (c *Cache[K, V]) Get(account string, key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	o := c.accounts[account]
	if o == nil {
		return zero, false
	}
	e, ok := o.byKey[key]
	if !ok {
		return zero, false
	}
	o.order.MoveToFront(e)
	return e.Value.(*item[K, V]).val, true
}

// Put sets account's value for key, giving up entries as the bounds
// require: the account's own least recently used one when it holds its
// share, else, when the cache is full, the least recently used one of the
// account holding the most entries.
func (c *Cache[K, V]) Put(account string, key K, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.accounts[account]
	if o == nil {
		o = &owned[K, V]{order: list.New(), byKey: map[K]*list.Element{}}
		// An own copy: the caller's may be a substring of a whole event.
		c.accounts[strings.Clone(account)] = o
	}
	if e, ok := o.byKey[key]; ok {
		e.Value.(*item[K, V]).val = val
		o.order.MoveToFront(e)
		return
	}
	if o.order.Len() >= c.perAccount {
		c.evictFrom(account, o)
	} else if c.n >= c.max {
		c.evictLargest()
	}
	o.byKey[key] = o.order.PushFront(&item[K, V]{key: key, val: val})
	c.n++
}

// Remove drops account's value for key, if any.
func (c *Cache[K, V]) Remove(account string, key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.accounts[account]
	if o == nil {
		return
	}
	if e, ok := o.byKey[key]; ok {
		c.drop(account, o, e)
	}
}

// Len is the number of values held.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// evictLargest gives up the least recently used entry of the account
// holding the most. c.mu is held.
func (c *Cache[K, V]) evictLargest() {
	var (
		victim  string
		largest *owned[K, V]
	)
	for a, o := range c.accounts {
		if largest == nil || o.order.Len() > largest.order.Len() {
			victim, largest = a, o
		}
	}
	if largest != nil {
		c.evictFrom(victim, largest)
	}
}

// evictFrom gives up o's least recently used entry. c.mu is held.
func (c *Cache[K, V]) evictFrom(account string, o *owned[K, V]) {
	if e := o.order.Back(); e != nil {
		c.drop(account, o, e)
	}
}

func (c *Cache[K, V]) drop(account string, o *owned[K, V], e *list.Element) {
	delete(o.byKey, e.Value.(*item[K, V]).key)
	o.order.Remove(e)
	c.n--
	if o.order.Len() == 0 {
		delete(c.accounts, account)
	}
}
