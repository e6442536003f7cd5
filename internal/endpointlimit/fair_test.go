package endpointlimit

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
)

// TestAccountsShareTheOriginsCap: an account alone may use the whole cap;
// once a second account wants the origin, the first is held to its share
// and the next freed slot goes to the second, ahead of the first's own
// waiters.
func TestAccountsShareTheOriginsCap(t *testing.T) {
	// Take waits on timers: run in a synctest bubble (see take_test.go),
	// where synctest.Wait tells when every Take has settled.
	synctest.Test(t, func(t *testing.T) {
		l := New(Config{Default: Limits{MaxConcurrency: 4}, MaxWait: 5 * time.Second}, nil)
		var busy []func()
		for range 4 {
			r, _, ok := l.Acquire("bulk", key, Limits{})
			if !ok {
				t.Fatal("an account alone was refused below the cap")
			}
			busy = append(busy, r)
		}
		// The bulk account's next request waits in line first.
		bulkGot := make(chan bool, 1)
		go func() {
			r, _, ok := l.Take(context.Background(), "bulk", key, Limits{})
			if ok {
				defer r()
			}
			bulkGot <- ok
		}()
		synctest.Wait()
		if n := waiters(l); n != 1 {
			t.Fatalf("%d waiters, want bulk's one", n)
		}
		victimGot := make(chan func(), 1)
		go func() {
			r, _, ok := l.Take(context.Background(), "victim", key, Limits{})
			if !ok {
				t.Error("the victim was refused")
				r = func() {}
			}
			victimGot <- r
		}()
		synctest.Wait()
		if n := waiters(l); n != 2 {
			t.Fatalf("%d waiters, want bulk's and the victim's", n)
		}
		busy[0]()
		synctest.Wait()
		select {
		case r := <-victimGot:
			defer r()
		default:
			t.Fatal("the freed slot did not go to the victim")
		}
		if n := l.InFlightOf("victim", key); n != 1 {
			t.Fatalf("victim in flight %d, want 1", n)
		}
		// Two accounts active: bulk's share is 2 and it holds 3, so its
		// waiter is not served by the next release either.
		busy[1]()
		synctest.Wait()
		select {
		case <-bulkGot:
			t.Fatal("bulk got a slot above its share")
		default:
		}
		for _, r := range busy[2:] {
			r()
		}
		if ok := <-bulkGot; !ok {
			t.Fatal("bulk's waiter was refused once it was within its share")
		}
	})
}

// TestRefusalsQueuePerAccount: an account's refused requests queue behind
// its own earlier refusals, never behind another account's.
func TestRefusalsQueuePerAccount(t *testing.T) {
	clock := fakeclock.New()
	l := New(Config{Default: Limits{MaxConcurrency: 1}}, clock)
	r, _, _ := l.Acquire("bulk", key, Limits{})
	clock.Advance(time.Second) // requests take 1 s
	r()
	r, _, _ = l.Acquire("bulk", key, Limits{})
	defer r()
	var last time.Time
	for range 100 {
		_, at, ok := l.Acquire("bulk", key, Limits{})
		if ok {
			t.Fatal("admitted over the cap")
		}
		last = at
	}
	if d := last.Sub(clock.Now()); d < 90*time.Second {
		t.Fatalf("bulk's 100th refusal comes back after %v, want about 100 s", d)
	}
	_, at, ok := l.Acquire("victim", key, Limits{})
	if ok {
		t.Fatal("admitted over the cap")
	}
	if d := at.Sub(clock.Now()); d > 3*time.Second {
		t.Fatalf("the victim's first refusal comes back after %v, behind bulk's queue", d)
	}
}

// TestNodeLimitsAreTheAccounts: a node's own cap and rate bound its
// account's requests to the origin only.
func TestNodeLimitsAreTheAccounts(t *testing.T) {
	clock := fakeclock.New()
	l := New(Config{}, clock)
	quota := Limits{MaxConcurrency: 1, RatePerSecond: 0.01}
	r, _, ok := l.Acquire("bulk", key, quota)
	if !ok {
		t.Fatal("first request refused")
	}
	defer r()
	if _, _, ok := l.Acquire("bulk", key, quota); ok {
		t.Fatal("bulk's node limits did not bind its own account")
	}
	for i := range 50 {
		r, _, ok := l.Acquire("victim", key, Limits{MaxConcurrency: 10, RatePerSecond: 1000})
		if !ok {
			t.Fatalf("victim's request %d refused by another account's node limits", i)
		}
		r()
		clock.Advance(time.Millisecond)
	}
}

// TestMinShare: with many accounts active, a share never drops below
// MinShare.
func TestMinShare(t *testing.T) {
	l := New(Config{Default: Limits{MaxConcurrency: 64}, MinShare: 8}, fakeclock.New())
	for i := range 100 {
		r, _, ok := l.Acquire(string(rune('a'+i%26))+string(rune('a'+i/26)), key, Limits{})
		if !ok {
			t.Fatalf("account %d refused", i)
		}
		r()
	}
	var rs []func()
	for range 8 {
		r, _, ok := l.Acquire("bulk", key, Limits{})
		if !ok {
			t.Fatalf("bulk refused below MinShare with %d in flight", len(rs))
		}
		rs = append(rs, r)
	}
	if _, _, ok := l.Acquire("bulk", key, Limits{}); ok {
		t.Fatal("bulk admitted above its share (100 active accounts, MinShare 8)")
	}
	for _, r := range rs {
		r()
	}
}
