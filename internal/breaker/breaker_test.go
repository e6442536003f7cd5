package breaker

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"
	"go.uber.org/goleak"

	"github.com/flowhook/flowhook/internal/testsupport/fakeclock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const origin = "https://api.example.com:443"

// key is the breaker key of origin for account acme, the tests' account.
func key(origin string) Key { return Key{Account: "acme", Origin: origin} }

func newTestRegistry(s Settings) (*Registry, *fakeclock.Clock) {
	c := fakeclock.New()
	return NewRegistry(s, c, zerolog.Nop()), c
}

// call runs one admitted call with result res, failing the test if the
// breaker refuses.
func call(t *testing.T, r *Registry, origin string, res Result) {
	t.Helper()
	done, err := r.Allow(key(origin))
	if err != nil {
		t.Fatalf("Allow(%s): %v", origin, err)
	}
	done(res)
}

func status(t *testing.T, r *Registry, origin string) Status {
	t.Helper()
	for _, s := range r.Snapshot() {
		if s.Origin == origin {
			return s
		}
	}
	t.Fatalf("no status for %s", origin)
	return Status{}
}

func TestTrip(t *testing.T) {
	F, S, I := Fault, Success, Ignored
	tests := []struct {
		name      string
		threshold uint32
		results   []Result
		wantOpen  bool
	}{
		{"default threshold reached", 0, []Result{F, F, F, F, F}, true},
		{"one below default threshold", 0, []Result{F, F, F, F}, false},
		{"threshold 1", 1, []Result{F}, true},
		{"threshold 3", 3, []Result{F, F, F}, true},
		{"success in between resets", 3, []Result{F, F, S, F, F, S, F, F}, false},
		{"faults after a success trip", 3, []Result{F, F, S, F, F, F}, true},
		{"ignored never trips", 1, []Result{I, I, I, I, I, I, I, I, I, I}, false},
		{"ignored does not reset the run", 3, []Result{F, F, I, F}, true},
		{"successes never trip", 1, []Result{S, S, S, S}, false},
		{"an invalid result counts as a fault", 2, []Result{0, Result(99)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, clock := newTestRegistry(Settings{FailureThreshold: tt.threshold})
			for _, res := range tt.results {
				call(t, r, origin, res)
			}
			_, err := r.Allow(key(origin))
			if gotOpen := err != nil; gotOpen != tt.wantOpen {
				t.Fatalf("open = %v (err %v), want %v", gotOpen, err, tt.wantOpen)
			}
			if !tt.wantOpen {
				return
			}
			var oe *OpenError
			if !errors.Is(err, ErrOpen) || !errors.Is(err, gobreaker.ErrOpenState) || !errors.As(err, &oe) {
				t.Fatalf("err = %v, want ErrOpen wrapping gobreaker.ErrOpenState", err)
			}
			if want := clock.Now().Add(DefaultOpenTimeout); !oe.Until.Equal(want) || oe.Origin != origin {
				t.Fatalf("OpenError = %+v, want origin %s until %v", oe, origin, want)
			}
			if want := "breaker: " + origin + ": circuit breaker is open"; err.Error() != want {
				t.Fatalf("Error() = %q, want %q", err.Error(), want)
			}
			if s := status(t, r, origin); s.State != gobreaker.StateOpen || !s.OpenUntil.Equal(oe.Until) {
				t.Fatalf("status = %+v", s)
			}
		})
	}
}

func TestStaysOpenUntilTimeout(t *testing.T) {
	const timeout = 45 * time.Second
	r, clock := newTestRegistry(Settings{FailureThreshold: 1, OpenTimeout: timeout})
	call(t, r, origin, Fault)
	trippedAt := clock.Now()

	for _, step := range []time.Duration{0, time.Second, timeout - time.Second - time.Nanosecond} {
		clock.Advance(step)
		if _, err := r.Allow(key(origin)); !errors.Is(err, ErrOpen) {
			t.Fatalf("at +%v: err = %v, want ErrOpen", clock.Now().Sub(trippedAt), err)
		}
	}
	clock.Advance(time.Nanosecond) // exactly OpenTimeout after the trip
	if s := status(t, r, origin); s.State != gobreaker.StateHalfOpen || !s.OpenUntil.IsZero() {
		t.Fatalf("status at the end of the open period = %+v, want half-open", s)
	}
	done, err := r.Allow(key(origin))
	if err != nil {
		t.Fatalf("after OpenTimeout: %v", err)
	}
	if s := status(t, r, origin); s.State != gobreaker.StateHalfOpen {
		t.Fatalf("status with a probe in flight = %+v, want half-open", s)
	}
	done(Success)
	if s := status(t, r, origin); s.State != gobreaker.StateClosed {
		t.Fatalf("status after a good probe = %+v, want closed", s)
	}
}

func TestHalfOpenAdmitsExactlyProbes(t *testing.T) {
	for _, probes := range []uint32{1, 3} {
		t.Run("probes="+string(rune('0'+probes)), func(t *testing.T) {
			r, clock := newTestRegistry(Settings{FailureThreshold: 1, HalfOpenProbes: probes})
			call(t, r, origin, Fault)
			clock.Advance(DefaultOpenTimeout)

			const callers = 16
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				admitted []func(Result)
				refused  []error
			)
			start := make(chan struct{})
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					done, err := r.Allow(key(origin))
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						refused = append(refused, err)
						return
					}
					admitted = append(admitted, done)
				}()
			}
			close(start)
			wg.Wait()
			if len(admitted) != int(probes) {
				t.Fatalf("admitted %d probes, want %d", len(admitted), probes)
			}
			for _, err := range refused {
				var oe *OpenError
				if !errors.Is(err, ErrOpen) || !errors.Is(err, gobreaker.ErrTooManyRequests) || !errors.As(err, &oe) || !oe.Until.IsZero() {
					t.Fatalf("refusal = %v, want ErrOpen wrapping ErrTooManyRequests with no Until", err)
				}
			}
			// Every probe but the last succeeding leaves it half-open.
			for _, done := range admitted[1:] {
				done(Success)
			}
			if s := status(t, r, origin); s.State != gobreaker.StateHalfOpen {
				t.Fatalf("after %d of %d good probes: %v, want half-open", probes-1, probes, s.State)
			}
			admitted[0](Success)
			if s := status(t, r, origin); s.State != gobreaker.StateClosed {
				t.Fatalf("after every probe succeeded: %v, want closed", s.State)
			}
		})
	}
}

func TestProbeFailureReopens(t *testing.T) {
	r, clock := newTestRegistry(Settings{FailureThreshold: 2, OpenTimeout: time.Minute})
	call(t, r, origin, Fault)
	call(t, r, origin, Fault)
	clock.Advance(time.Minute + time.Second)
	done, err := r.Allow(key(origin))
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * time.Second) // the probe takes a while
	done(Fault)

	_, err = r.Allow(key(origin))
	var oe *OpenError
	if !errors.As(err, &oe) || !errors.Is(err, gobreaker.ErrOpenState) {
		t.Fatalf("after a failed probe: err = %v, want open", err)
	}
	if want := clock.Now().Add(time.Minute); !oe.Until.Equal(want) {
		t.Fatalf("re-opened until %v, want %v", oe.Until, want)
	}
	clock.Advance(time.Minute)
	call(t, r, origin, Success)
	// Closed again: a single fault no longer trips it.
	call(t, r, origin, Fault)
	call(t, r, origin, Success)
}

func TestIgnoredProbeFreesItsSlot(t *testing.T) {
	r, clock := newTestRegistry(Settings{FailureThreshold: 1})
	call(t, r, origin, Fault)
	clock.Advance(DefaultOpenTimeout)
	done, err := r.Allow(key(origin))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Allow(key(origin)); !errors.Is(err, gobreaker.ErrTooManyRequests) {
		t.Fatalf("second probe: err = %v, want ErrTooManyRequests", err)
	}
	done(Ignored) // shutdown cancelled the probe
	if s := status(t, r, origin); s.State != gobreaker.StateHalfOpen {
		t.Fatalf("after an ignored probe: %v, want half-open", s.State)
	}
	call(t, r, origin, Success)
	if s := status(t, r, origin); s.State != gobreaker.StateClosed {
		t.Fatalf("after a good probe: %v, want closed", s.State)
	}
}

func TestOriginsAreIndependent(t *testing.T) {
	const other = "http://other.example:8080"
	r, _ := newTestRegistry(Settings{FailureThreshold: 2})
	call(t, r, origin, Fault)
	call(t, r, other, Fault)
	call(t, r, origin, Fault)
	if _, err := r.Allow(key(origin)); !errors.Is(err, ErrOpen) {
		t.Fatalf("%s: err = %v, want open", origin, err)
	}
	call(t, r, other, Success)
	if s := status(t, r, other); s.State != gobreaker.StateClosed || s.Counts.TotalFailures != 1 || s.Counts.TotalSuccesses != 1 {
		t.Fatalf("%s status = %+v", other, s)
	}
}

func TestIntervalResetsCounts(t *testing.T) {
	r, clock := newTestRegistry(Settings{FailureThreshold: 3, Interval: time.Minute})
	call(t, r, origin, Fault)
	call(t, r, origin, Fault)
	clock.Advance(time.Minute)
	call(t, r, origin, Fault) // a new window: the run starts again
	call(t, r, origin, Fault)
	if s := status(t, r, origin); s.State != gobreaker.StateClosed || s.Counts.ConsecutiveFailures != 2 {
		t.Fatalf("status = %+v, want closed with 2 consecutive failures", s)
	}
	call(t, r, origin, Fault)
	if _, err := r.Allow(key(origin)); !errors.Is(err, ErrOpen) {
		t.Fatalf("err = %v, want open", err)
	}
}

// TestResultOfReplacedWindowIsDropped checks that a call admitted in one
// count window and finished in the next neither counts nor trips.
func TestResultOfReplacedWindowIsDropped(t *testing.T) {
	r, clock := newTestRegistry(Settings{FailureThreshold: 2, Interval: time.Minute})
	call(t, r, origin, Fault)
	late, err := r.Allow(key(origin))
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	call(t, r, origin, Success) // starts the new window
	late(Fault)
	call(t, r, origin, Fault)
	if s := status(t, r, origin); s.State != gobreaker.StateClosed || s.Counts.ConsecutiveFailures != 1 {
		t.Fatalf("status = %+v, want closed with 1 consecutive failure", s)
	}
}

func TestDoneTwiceCountsOnce(t *testing.T) {
	r, _ := newTestRegistry(Settings{FailureThreshold: 2})
	done, err := r.Allow(key(origin))
	if err != nil {
		t.Fatal(err)
	}
	done(Fault)
	done(Fault)
	if s := status(t, r, origin); s.State != gobreaker.StateClosed || s.Counts.TotalFailures != 1 {
		t.Fatalf("status = %+v, want one failure", s)
	}
}

func TestEviction(t *testing.T) {
	const (
		idle     = "http://idle.example:80"
		open     = "http://open.example:80"
		stale    = "http://stale-open.example:80"
		inflight = "http://inflight.example:80"
		recent   = "http://recent.example:80"
		forced   = "http://forced.example:80"
	)
	r, clock := newTestRegistry(Settings{FailureThreshold: 1, OpenTimeout: time.Hour, IdleEvict: 10 * time.Minute})
	call(t, r, idle, Success)
	call(t, r, open, Fault)
	pending, err := r.Allow(key(inflight))
	if err != nil {
		t.Fatal(err)
	}
	r2, clock2 := newTestRegistry(Settings{FailureThreshold: 1, OpenTimeout: time.Second, IdleEvict: 10 * time.Minute})
	call(t, r2, stale, Fault) // its open period ends long before the sweep
	r.ForceOpen(key(forced), clock.Now().Add(time.Hour))

	// Sweeps run every IdleEvict/4, so a breaker goes within 1.25 IdleEvict.
	clock.Advance(9 * time.Minute)
	call(t, r, recent, Success)
	clock.Advance(4 * time.Minute)
	call(t, r, "http://trigger.example:80", Success) // a sweep is due
	clock2.Advance(13 * time.Minute)
	call(t, r2, "http://trigger.example:80", Success)

	got := map[string]bool{}
	for _, s := range r.Snapshot() {
		got[s.Origin] = true
	}
	for o, want := range map[string]bool{idle: false, open: true, inflight: true, recent: true, forced: true} {
		if got[o] != want {
			t.Errorf("%s present = %v, want %v", o, got[o], want)
		}
	}
	// An open breaker whose open period ended IdleEvict ago with no call
	// to probe it was abandoned: it goes too (a later call starts fresh).
	if _, ok := r2.Status(key(stale)); ok {
		t.Errorf("abandoned open breaker kept")
	}

	// The call in flight still ends cleanly, and the evicted origin comes
	// back fresh.
	pending(Success)
	call(t, r, idle, Fault)
	if _, err := r.Allow(key(idle)); !errors.Is(err, ErrOpen) {
		t.Fatalf("re-created breaker: err = %v, want open after one fault", err)
	}
}

// TestEvictedEntryIsNotUsed drops a breaker between lookup and use.
func TestEvictedEntryIsNotUsed(t *testing.T) {
	r, clock := newTestRegistry(Settings{IdleEvict: time.Minute})
	call(t, r, origin, Success)
	stale := r.entries[key(origin)]
	clock.Advance(time.Minute)
	r.sweep(clock.Now())
	if _, evicted, err := r.allow(stale, clock.Now()); !evicted || err != nil {
		t.Fatalf("allow on an evicted entry: evicted=%v err=%v", evicted, err)
	}
	call(t, r, origin, Success)
	if r.entries[key(origin)] == stale {
		t.Fatal("the evicted entry is back in the registry")
	}
}

func TestForceOpen(t *testing.T) {
	r, clock := newTestRegistry(Settings{FailureThreshold: 5, OpenTimeout: time.Minute})
	call(t, r, origin, Success)
	until := clock.Now().Add(5 * time.Minute)
	r.ForceOpen(key(origin), until)

	_, err := r.Allow(key(origin))
	var oe *OpenError
	if !errors.As(err, &oe) || !oe.Until.Equal(until) {
		t.Fatalf("forced open: err = %v, want open until %v", err, until)
	}
	r.ForceOpen(key(origin), until.Add(-time.Minute)) // never shortens
	r.ForceOpen(key(origin), clock.Now())             // not in the future: no-op
	if s := status(t, r, origin); s.State != gobreaker.StateOpen || !s.OpenUntil.Equal(until) {
		t.Fatalf("status = %+v, want open until %v", s, until)
	}
	clock.Advance(5*time.Minute - time.Nanosecond)
	if _, err := r.Allow(key(origin)); !errors.Is(err, ErrOpen) {
		t.Fatalf("just before until: err = %v, want open", err)
	}
	clock.Advance(time.Nanosecond)
	probe, err := r.Allow(key(origin))
	if err != nil {
		t.Fatalf("at until: %v", err)
	}
	if _, err := r.Allow(key(origin)); !errors.Is(err, gobreaker.ErrTooManyRequests) {
		t.Fatalf("second call after a forced open: err = %v, want a half-open refusal", err)
	}
	probe(Success)
	if s := status(t, r, origin); s.State != gobreaker.StateClosed {
		t.Fatalf("after the probe: %+v, want closed", s)
	}

	// Forcing an open breaker extends its open period.
	r2, clock2 := newTestRegistry(Settings{FailureThreshold: 1, OpenTimeout: time.Minute})
	call(t, r2, origin, Fault)
	r2.ForceOpen(key(origin), clock2.Now().Add(time.Hour))
	clock2.Advance(time.Minute)
	if _, err := r2.Allow(key(origin)); !errors.Is(err, ErrOpen) {
		t.Fatalf("extended open: err = %v, want open", err)
	}
}

func TestStateChangesAreAnnouncedInOrder(t *testing.T) {
	var logBuf bytes.Buffer
	clock := fakeclock.New()
	r := NewRegistry(Settings{FailureThreshold: 1}, clock, zerolog.New(&logBuf))
	type tr struct {
		origin   string
		from, to gobreaker.State
	}
	var got []tr
	r.OnStateChange(func(k Key, from, to gobreaker.State) {
		got = append(got, tr{k.Origin, from, to})
		r.Snapshot() // the hook may read the registry
	})

	call(t, r, origin, Fault)                            // closed -> open
	clock.Advance(DefaultOpenTimeout)                    //
	call(t, r, origin, Fault)                            // open -> half-open -> open
	clock.Advance(DefaultOpenTimeout)                    //
	call(t, r, origin, Success)                          // open -> half-open -> closed
	r.ForceOpen(key(origin), clock.Now().Add(time.Hour)) // closed -> open (forced)

	C, H, O := gobreaker.StateClosed, gobreaker.StateHalfOpen, gobreaker.StateOpen
	want := []tr{{origin, C, O}, {origin, O, H}, {origin, H, O}, {origin, O, H}, {origin, H, C}, {origin, C, O}}
	if len(got) != len(want) {
		t.Fatalf("transitions = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transition %d = %v, want %v", i, got[i], want[i])
		}
	}

	lines := strings.Split(strings.TrimSpace(logBuf.String()), "\n")
	var changes int
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if ev["origin"] != origin {
			t.Fatalf("log line without the origin: %s", l)
		}
		if ev["message"] == "circuit breaker state changed" {
			changes++
			if ev["to"] == "open" && (ev["level"] != "warn" || ev["open_until"] == nil) {
				t.Fatalf("opening logged as %s", l)
			}
		}
	}
	if changes != len(want) {
		t.Fatalf("logged %d state changes, want %d:\n%s", changes, len(want), logBuf.String())
	}
}

func TestSettingsDefaults(t *testing.T) {
	got := Settings{}.withDefaults()
	want := Settings{FailureThreshold: 5, OpenTimeout: 30 * time.Second, HalfOpenProbes: 1, Interval: time.Minute, IdleEvict: 10 * time.Minute, MaxBreakers: 20000}
	if got != want {
		t.Fatalf("defaults = %+v, want %+v", got, want)
	}
	custom := Settings{FailureThreshold: 2, OpenTimeout: time.Second, HalfOpenProbes: 3, Interval: time.Hour, IdleEvict: time.Minute, MaxBreakers: 7}
	if custom.withDefaults() != custom {
		t.Fatal("withDefaults changed set fields")
	}
	if NewRegistry(Settings{}, nil, zerolog.Nop()).clock == nil {
		t.Fatal("nil clock not replaced")
	}
}

func TestResultString(t *testing.T) {
	for r, want := range map[Result]string{Success: "success", Fault: "fault", Ignored: "ignored", 0: "invalid"} {
		if r.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(r), r.String(), want)
		}
	}
}
