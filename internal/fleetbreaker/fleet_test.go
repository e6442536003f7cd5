package fleetbreaker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"
	"go.uber.org/goleak"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var origin = breaker.Key{Account: "acme", Origin: "https://api.example.com:443"}

// replica is one replica's breakers: a Registry behind a Fleet, with its
// own NATS connection.
type replica struct {
	name  string
	reg   *breaker.Registry
	fleet *Fleet
}

// fleetOf starts n replicas on the server at url, all reading clock. They
// stop when the test ends.
func fleetOf(t *testing.T, url string, n int, s breaker.Settings, clock *fakeclock.Clock, cfg Config) []*replica {
	t.Helper()
	out := make([]*replica, n)
	for i := range out {
		out[i] = startReplica(t, url, fmt.Sprintf("r%d", i), s, clock, cfg)
	}
	return out
}

func startReplica(t *testing.T, url, name string, s breaker.Settings, clock *fakeclock.Clock, cfg Config) *replica {
	t.Helper()
	nc, js := bustest.Connect(t, url)
	reg := breaker.NewRegistry(s, clock, zerolog.Nop())
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Replica, cfg.MemoryStorage = name, true
	f, err := New(ctx, cfg, Deps{Conn: nc, JetStream: js, Registry: reg, Clock: clock, Log: zerolog.Nop()})
	if err != nil {
		cancel()
		t.Fatalf("New %s: %v", name, err)
	}
	ran := make(chan error, 1)
	go func() { ran <- f.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; !errors.Is(err, context.Canceled) {
			t.Errorf("Run %s: %v", name, err)
		}
	})
	return &replica{name: name, reg: reg, fleet: f}
}

// send makes one call through r's fleet breaker with result res, and
// reports whether it was admitted.
func (r *replica) send(res breaker.Result) bool {
	done, err := r.fleet.Allow(origin)
	if err != nil {
		return false
	}
	done(res)
	return true
}

// hearing is how long a test waits for the replicas to hear each other
// over NATS.
const hearing = 5 * time.Second

// fleetOpen reports whether every replica has applied an open record of
// generation gen.
func fleetOpen(rs []*replica, gen uint64) func() bool {
	return func() bool {
		for _, r := range rs {
			r.fleet.mu.RLock()
			k := r.fleet.known[origin]
			r.fleet.mu.RUnlock()
			if k == nil || !k.rec.open() || k.rec.Generation != gen {
				return false
			}
		}
		return true
	}
}

// resultsHeard waits until every other replica has handled the results
// rs[from] broadcast so far. Results from one connection arrive in order
// and are handled one at a time, so once a marker sent after them has been
// handled, so have they: the marker is a success for an origin nobody
// calls, which only creates that origin's breaker. A test must wait for
// this before it moves the clock: a fault handled after the move would
// count in a closed breaker and start a new open period.
func resultsHeard(t *testing.T, rs []*replica, from int) {
	t.Helper()
	marker := breaker.Key{Account: "acme", Origin: "https://marker.example.com:443"}
	rs[from].fleet.broadcast(marker, false)
	poll.Until(t, hearing, "every replica has handled "+rs[from].name+"'s results", func() bool {
		for i, r := range rs {
			if _, ok := r.reg.Status(marker); i != from && !ok {
				return false
			}
		}
		return true
	})
}

func refusesAll(rs []*replica) func() bool {
	return func() bool {
		for _, r := range rs {
			if _, err := r.fleet.Allow(origin); !errors.Is(err, breaker.ErrOpen) {
				return false
			}
		}
		return true
	}
}

func readRecord(t *testing.T, f *Fleet) Record {
	t.Helper()
	rec, rev, err := f.read(context.Background(), BucketKey(origin))
	if err != nil || rev == 0 {
		t.Fatalf("read record: rev %d, %v", rev, err)
	}
	return rec
}

// TestFleetTripsOnSharedFaults spreads a threshold's worth of faults over
// three replicas: no replica sees the threshold itself, yet the fleet
// opens, with one record in the bucket.
func TestFleetTripsOnSharedFaults(t *testing.T) {
	srv := bustest.Server(t)
	clock := fakeclock.New()
	rs := fleetOf(t, srv.ClientURL(), 3, breaker.Settings{FailureThreshold: 3, OpenTimeout: time.Minute}, clock, Config{})
	for i, r := range rs {
		if !r.send(breaker.Fault) {
			t.Fatalf("fault %d refused", i)
		}
		// Let the fault reach the others before the next one is sent.
		poll.Until(t, hearing, "the fault is shared", func() bool {
			s, ok := rs[(i+1)%3].reg.Status(origin)
			return ok && (s.Counts.ConsecutiveFailures == uint32(i+1) || s.State == gobreaker.StateOpen)
		})
	}
	poll.Until(t, hearing, "every replica refuses", refusesAll(rs))
	rec := readRecord(t, rs[0].fleet)
	if !rec.open() || rec.Generation != 1 || !rec.OpenUntil.Equal(clock.Now().Add(time.Minute)) || rec.key() != origin {
		t.Fatalf("record = %+v, want open for a minute, generation 1", rec)
	}
}

// TestSuccessEndsTheFleetRun checks that a success anywhere ends the run
// of consecutive faults everywhere.
func TestSuccessEndsTheFleetRun(t *testing.T) {
	srv := bustest.Server(t)
	clock := fakeclock.New()
	rs := fleetOf(t, srv.ClientURL(), 3, breaker.Settings{FailureThreshold: 3}, clock, Config{})
	steps := []struct {
		r   int
		res breaker.Result
		run uint32 // consecutive faults every replica then counts
	}{{0, breaker.Fault, 1}, {1, breaker.Fault, 2}, {2, breaker.Success, 0}, {0, breaker.Fault, 1}, {1, breaker.Fault, 2}}
	for i, st := range steps {
		if !rs[st.r].send(st.res) {
			t.Fatalf("step %d refused", i)
		}
		poll.Until(t, hearing, fmt.Sprintf("step %d is shared", i), func() bool {
			for _, r := range rs {
				if s, ok := r.reg.Status(origin); !ok || s.Counts.ConsecutiveFailures != st.run {
					return false
				}
			}
			return true
		})
	}
	for _, r := range rs {
		if s, _ := r.reg.Status(origin); s.State != gobreaker.StateClosed {
			t.Fatalf("%s: %v, want closed", r.name, s.State)
		}
	}
}

// TestOneProbePerOpenPeriod opens the fleet's breaker, lets every replica
// try hard to send once the open period ends, and counts what gets
// through: one probe per period for the whole fleet. A failed probe opens
// a new period everywhere; a good one closes every replica's breaker.
func TestOneProbePerOpenPeriod(t *testing.T) {
	srv := bustest.Server(t)
	clock := fakeclock.New()
	rs := fleetOf(t, srv.ClientURL(), 3, breaker.Settings{FailureThreshold: 1, OpenTimeout: time.Minute}, clock, Config{ProbeLease: 10 * time.Second})
	rs[0].send(breaker.Fault)
	poll.Until(t, hearing, "every replica knows the open period", fleetOpen(rs, 1))
	poll.Until(t, hearing, "every replica refuses", refusesAll(rs))
	resultsHeard(t, rs, 0)

	for period, res := range []breaker.Result{breaker.Fault, breaker.Fault, breaker.Success} {
		clock.Advance(time.Minute)
		probes := stampede(rs, res)
		if len(probes) != 1 {
			t.Fatalf("period %d: %d probes went out (%.12v), want 1", period, len(probes), probes)
		}
		if res == breaker.Fault {
			poll.Until(t, hearing, "a new open period is written", func() bool { return readRecord(t, rs[0].fleet).Generation == uint64(period+2) })
			if rec := readRecord(t, rs[0].fleet); !rec.open() || !rec.OpenUntil.Equal(clock.Now().Add(time.Minute)) || rec.Prober != "" {
				t.Fatalf("after failed probe %d: %+v, want open for a minute, no prober", period, rec)
			}
			poll.Until(t, hearing, "every replica holds the new period", func() bool {
				for _, r := range rs {
					_, err := r.fleet.Allow(origin)
					var oe *breaker.OpenError
					if !errors.As(err, &oe) || !oe.Until.Equal(clock.Now().Add(time.Minute)) {
						return false
					}
				}
				return true
			})
		}
	}
	poll.Until(t, hearing, "every replica closes", func() bool {
		for _, r := range rs {
			if s, _ := r.reg.Status(origin); s.State != gobreaker.StateClosed {
				return false
			}
		}
		return true
	})
	for _, r := range rs {
		if !r.send(breaker.Success) {
			t.Fatalf("%s refuses after the fleet closed", r.name)
		}
	}
	if rec := readRecord(t, rs[0].fleet); rec.open() {
		t.Fatalf("record after a good probe: %+v, want closed", rec)
	}
}

// stampede has every replica call Allow from several goroutines, until a
// moment after the first call was admitted; admitted calls are held in
// flight meanwhile (a probe takes time), then end with res. It returns
// the replicas whose calls were admitted.
func stampede(rs []*replica, res breaker.Result) []string {
	var (
		mu       sync.Mutex
		admitted []string
		dones    []func(breaker.Result)
		first    atomic.Int64 // unix nanoseconds of the first admission
		wg       sync.WaitGroup
	)
	giveUp := time.Now().Add(5 * time.Second)
	over := func() bool {
		f := first.Load()
		return time.Now().After(giveUp) || (f != 0 && time.Since(time.Unix(0, f)) > 200*time.Millisecond)
	}
	for _, r := range rs {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !over() {
					done, err := r.fleet.Allow(origin)
					if err != nil {
						time.Sleep(time.Millisecond) // refused: try again, as a busy worker would
						continue
					}
					first.CompareAndSwap(0, time.Now().UnixNano())
					mu.Lock()
					admitted, dones = append(admitted, r.name), append(dones, done)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for _, done := range dones {
		done(res)
	}
	return admitted
}

// TestDeadProbersLeaseExpires takes the probe lease on one replica whose
// probe never ends (its process died), and checks that another replica
// probes once the lease has expired, not before.
func TestDeadProbersLeaseExpires(t *testing.T) {
	srv := bustest.Server(t)
	clock := fakeclock.New()
	rs := fleetOf(t, srv.ClientURL(), 2, breaker.Settings{FailureThreshold: 1, OpenTimeout: time.Minute}, clock, Config{ProbeLease: 30 * time.Second})
	rs[0].send(breaker.Fault)
	poll.Until(t, hearing, "every replica knows the open period", fleetOpen(rs, 1))
	poll.Until(t, hearing, "every replica refuses", refusesAll(rs))
	resultsHeard(t, rs, 0)
	clock.Advance(time.Minute)
	if _, err := rs[0].fleet.Allow(origin); err != nil { // the probe that never ends
		t.Fatalf("the first replica could not probe: %v", err)
	}
	poll.Until(t, hearing, "the other replica sees the lease", func() bool {
		rs[1].fleet.mu.RLock()
		defer rs[1].fleet.mu.RUnlock()
		k := rs[1].fleet.known[origin]
		return k != nil && k.rec.Prober == "r0"
	})
	if _, err := rs[1].fleet.Allow(origin); !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("second prober admitted while the lease holds: %v", err)
	}
	clock.Advance(30 * time.Second)
	done, err := rs[1].fleet.Allow(origin)
	if err != nil {
		t.Fatalf("after the lease expired: %v", err)
	}
	done(breaker.Success)
	poll.Until(t, hearing, "the fleet closes", func() bool { return !readRecord(t, rs[0].fleet).open() })
}

// TestNewReplicaLoadsOpenState starts a replica after the fleet opened a
// breaker: its first call is refused.
func TestNewReplicaLoadsOpenState(t *testing.T) {
	srv := bustest.Server(t)
	clock := fakeclock.New()
	s := breaker.Settings{FailureThreshold: 1, OpenTimeout: time.Minute}
	first := startReplica(t, srv.ClientURL(), "first", s, clock, Config{})
	first.send(breaker.Fault)
	poll.Until(t, hearing, "the record is written", func() bool {
		_, rev, _ := first.fleet.read(context.Background(), BucketKey(origin))
		return rev > 0
	})
	late := startReplica(t, srv.ClientURL(), "late", s, clock, Config{})
	_, err := late.fleet.Allow(origin)
	var oe *breaker.OpenError
	if !errors.As(err, &oe) || !oe.Until.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("late replica: err = %v, want open until the fleet's open_until", err)
	}
	if st, _ := late.reg.Status(origin); st.State != gobreaker.StateOpen {
		t.Fatalf("late replica's own breaker: %v, want forced open", st.State)
	}
}

// TestUnreadableRecordIsOverwritten checks that garbage under a key
// neither blocks a replica nor stops the fleet from opening.
func TestUnreadableRecordIsOverwritten(t *testing.T) {
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: DefaultBucket, History: 1, TTL: DefaultTTL, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, BucketKey(origin), []byte("garbage")); err != nil {
		t.Fatal(err)
	}
	clock := fakeclock.New()
	rs := fleetOf(t, srv.ClientURL(), 2, breaker.Settings{FailureThreshold: 1}, clock, Config{})
	rs[0].send(breaker.Fault)
	poll.Until(t, hearing, "every replica knows the open period", fleetOpen(rs, 1))
	poll.Until(t, hearing, "every replica refuses", refusesAll(rs))
}
