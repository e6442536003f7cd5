package breaker

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"

	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
)

// TestConcurrentUse hammers a registry from many goroutines (run it with
// -race): calls on a few origins with mixed results, a moving clock,
// snapshots, forced opens, closes and recorded results from elsewhere, and
// sweeps. Every admitted call must be released.
func TestConcurrentUse(t *testing.T) {
	clock := fakeclock.New()
	r := NewRegistry(Settings{FailureThreshold: 3, OpenTimeout: time.Second, HalfOpenProbes: 2, Interval: 5 * time.Second, IdleEvict: 4 * time.Second},
		clock, zerolog.Nop())
	var transitions sync.Map
	r.OnStateChange(func(k Key, from, to gobreaker.State) { transitions.Store(k.Origin, to) })
	origins := []string{"http://a:80", "http://b:80", "http://c:80", "http://d:80"}

	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range 2000 {
				o := origins[rng.IntN(len(origins))]
				if rng.IntN(10) == 0 { // a result counted by another replica
					r.Record(key(o), Result(rng.IntN(3)+1))
					continue
				}
				done, err := r.Allow(key(o))
				if err != nil {
					if !errors.Is(err, ErrOpen) {
						t.Errorf("Allow: %v", err)
					}
					continue
				}
				done(Result(rng.IntN(3) + 1))
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 400 {
			clock.Advance(50 * time.Millisecond)
			_ = r.Snapshot()
			if i%50 == 0 {
				r.ForceOpen(key(origins[i%len(origins)]), clock.Now().Add(time.Second))
			}
			if i%70 == 0 {
				r.Close(key(origins[(i/70)%len(origins)]))
			}
		}
	}()
	wg.Wait()

	r.mu.RLock()
	defer r.mu.RUnlock()
	for o, e := range r.entries {
		e.mu.Lock()
		if e.inflight != 0 || len(e.changes) != 0 {
			t.Errorf("%s: %d calls in flight, %d changes unannounced", o, e.inflight, len(e.changes))
		}
		e.mu.Unlock()
	}
}

func BenchmarkAllowDone(b *testing.B) {
	r := NewRegistry(Settings{}, nil, zerolog.Nop())
	b.ReportAllocs()
	b.Run("closed", func(b *testing.B) {
		for b.Loop() {
			done, err := r.Allow(key("https://api.example.com:443"))
			if err != nil {
				b.Fatal(err)
			}
			done(Success)
		}
	})
	b.Run("closed_parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				done, err := r.Allow(key("https://api.example.com:443"))
				if err != nil {
					b.Fatal(err)
				}
				done(Success)
			}
		})
	})
	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		r.ForceOpen(key("https://down.example.com:443"), time.Now().Add(time.Hour))
		for b.Loop() {
			if _, err := r.Allow(key("https://down.example.com:443")); err == nil {
				b.Fatal("admitted")
			}
		}
	})
}
