package accountcache

import (
	"fmt"
	"sync"
	"testing"
)

func TestScopedByAccount(t *testing.T) {
	c := New[string, int](10, 5)
	c.Put("acme", "k", 1)
	if _, ok := c.Get("evil", "k"); ok {
		t.Fatal("another account read acme's entry")
	}
	if v, ok := c.Get("acme", "k"); !ok || v != 1 {
		t.Fatalf("acme's entry: %v %v", v, ok)
	}
	c.Remove("evil", "k")
	if _, ok := c.Get("acme", "k"); !ok {
		t.Fatal("another account removed acme's entry")
	}
}

// TestFloodKeepsOthers: an account putting far more keys than its share
// only ever gives up its own entries; so does one arriving when the cache
// is full of others' small holdings.
func TestFloodKeepsOthers(t *testing.T) {
	c := New[string, int](8, 4)
	c.Put("victim", "token", 1)
	c.Put("b", "x", 1)
	for i := range 1000 {
		c.Put("evil", fmt.Sprint(i), i)
	}
	if _, ok := c.Get("victim", "token"); !ok {
		t.Fatal("a flooding account evicted the victim's entry")
	}
	if c.Len() != 6 {
		t.Fatalf("len %d, want 2 + evil's share 4", c.Len())
	}
	if _, ok := c.Get("evil", "999"); !ok {
		t.Fatal("the flooding account's newest entry is gone")
	}
	if _, ok := c.Get("evil", "0"); ok {
		t.Fatal("the flooding account kept more than its share")
	}
	// Full: new accounts push out the largest holder (evil) first.
	c.Put("c", "x", 1)
	c.Put("d", "x", 1)
	c.Put("e", "x", 1)
	if c.Len() != 8 {
		t.Fatalf("len %d, want 8", c.Len())
	}
	for _, a := range []string{"victim", "b", "c", "d", "e"} {
		if _, ok := c.Get(a, "x"); !ok && a != "victim" {
			t.Errorf("%s's entry is gone", a)
		}
	}
	if _, ok := c.Get("victim", "token"); !ok {
		t.Fatal("victim's entry given up while evil held more")
	}
}

func TestLRUWithinAccount(t *testing.T) {
	c := New[int, int](10, 2)
	c.Put("a", 1, 1)
	c.Put("a", 2, 2)
	c.Get("a", 1)
	c.Put("a", 3, 3)
	if _, ok := c.Get("a", 2); ok {
		t.Error("least recently used entry kept")
	}
	if _, ok := c.Get("a", 1); !ok {
		t.Error("recently used entry given up")
	}
}

func TestConcurrent(t *testing.T) {
	c := New[int, int](64, 8)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct := fmt.Sprint("a", g)
			for i := range 2000 {
				c.Put(acct, i%20, i)
				c.Get(acct, i%13)
				if i%7 == 0 {
					c.Remove(acct, i%20)
				}
			}
		}()
	}
	wg.Wait()
	if n := c.Len(); n > 64 {
		t.Fatalf("len %d over the bound", n)
	}
}
