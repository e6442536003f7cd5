package breaker

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestAccountsDoNotShareBreakers: one account's faults open its own
// breaker for an origin; another account's calls to that origin go on.
func TestAccountsDoNotShareBreakers(t *testing.T) {
	r, _ := newTestRegistry(Settings{FailureThreshold: 3})
	evil := Key{Account: "evil", Origin: origin}
	for range 3 {
		done, err := r.Allow(evil)
		if err != nil {
			t.Fatal(err)
		}
		done(Fault)
	}
	if _, err := r.Allow(evil); !errors.Is(err, ErrOpen) {
		t.Fatalf("the failing account's breaker: %v, want open", err)
	}
	for range 10 {
		call(t, r, origin, Success) // account acme, same origin
	}
	r.ForceOpen(evil, time.Now().Add(time.Hour))
	if s := status(t, r, origin); s.Account != "acme" || s.State.String() != "closed" {
		t.Fatalf("acme's breaker: %+v", s)
	}
}

// TestMaxBreakers: past MaxBreakers, closed idle breakers go, those
// without faults first; open ones and calls in flight stay.
func TestMaxBreakers(t *testing.T) {
	r, _ := newTestRegistry(Settings{FailureThreshold: 2, MaxBreakers: 100})
	open := Key{Account: "acme", Origin: "http://open.example:80"}
	faulty := Key{Account: "acme", Origin: "http://faulty.example:80"}
	busy := Key{Account: "acme", Origin: "http://busy.example:80"}
	for range 2 {
		done, _ := r.Allow(open)
		done(Fault)
	}
	done, _ := r.Allow(faulty)
	done(Fault)
	pending, err := r.Allow(busy)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		call(t, r, fmt.Sprintf("http://h%d.example:80", i), Success)
		if n := len(r.Snapshot()); n > 101 {
			t.Fatalf("%d breakers after %d new keys, want at most 101", n, i+1)
		}
	}
	for _, k := range []Key{open, faulty, busy} {
		if _, ok := r.Status(k); !ok {
			t.Errorf("%s was dropped", k)
		}
	}
	pending(Success)
}
