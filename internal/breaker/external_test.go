package breaker

import (
	"errors"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
)

func TestHooksFanOut(t *testing.T) {
	r, clock := newTestRegistry(Settings{FailureThreshold: 1, OpenTimeout: time.Minute})
	var metrics, other []gobreaker.State
	var transitions []Transition
	r.OnStateChange(func(_ Key, _, to gobreaker.State) { metrics = append(metrics, to) })
	r.OnTransition(func(tr Transition) { transitions = append(transitions, tr) })
	r.OnStateChange(func(_ Key, _, to gobreaker.State) { other = append(other, to) })

	call(t, r, origin, Fault)                                // closed -> open
	r.Close(key(origin))                                     // open -> closed, external
	r.ForceOpen(key(origin), clock.Now().Add(2*time.Minute)) // closed -> open, external
	C, O := gobreaker.StateClosed, gobreaker.StateOpen
	want := []Transition{
		{Key: key(origin), From: C, To: O, OpenUntil: clock.Now().Add(time.Minute)},
		{Key: key(origin), From: O, To: C, External: true},
		{Key: key(origin), From: C, To: O, OpenUntil: clock.Now().Add(2 * time.Minute), External: true},
	}
	if len(transitions) != len(want) {
		t.Fatalf("transitions = %+v, want %+v", transitions, want)
	}
	for i := range want {
		if transitions[i] != want[i] {
			t.Errorf("transition %d = %+v, want %+v", i, transitions[i], want[i])
		}
	}
	for _, got := range [][]gobreaker.State{metrics, other} {
		if len(got) != 3 || got[0] != O || got[1] != C || got[2] != O {
			t.Errorf("OnStateChange hook saw %v, want [open closed open]", got)
		}
	}
}

func TestRecord(t *testing.T) {
	F, S, I := Fault, Success, Ignored
	tests := []struct {
		name     string
		local    []Result // own calls first
		remote   []Result // then results recorded from elsewhere
		wantOpen bool
	}{
		{"remote faults alone trip", nil, []Result{F, F, F}, true},
		{"remote faults continue a local run", []Result{F, F}, []Result{F}, true},
		{"a remote success ends the run", []Result{F, F}, []Result{S, F}, false},
		{"ignored records count for nothing", []Result{F, F}, []Result{I, I, I}, false},
		{"below the threshold", nil, []Result{F, F}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newTestRegistry(Settings{FailureThreshold: 3})
			var opened []Transition
			r.OnTransition(func(tr Transition) {
				if tr.To == gobreaker.StateOpen {
					opened = append(opened, tr)
				}
			})
			for _, res := range tt.local {
				call(t, r, origin, res)
			}
			for _, res := range tt.remote {
				r.Record(key(origin), res)
			}
			_, err := r.Allow(key(origin))
			if gotOpen := errors.Is(err, ErrOpen); gotOpen != tt.wantOpen {
				t.Fatalf("open = %v (err %v), want %v", gotOpen, err, tt.wantOpen)
			}
			if tt.wantOpen && (len(opened) != 1 || opened[0].External) {
				t.Fatalf("openings = %+v, want one of the breaker's own", opened)
			}
		})
	}
}

// TestRecordLeavesProbesAlone checks that recorded results neither count
// against an open breaker nor take or decide a half-open probe.
func TestRecordLeavesProbesAlone(t *testing.T) {
	r, clock := newTestRegistry(Settings{FailureThreshold: 1, OpenTimeout: time.Minute})
	call(t, r, origin, Fault)
	r.Record(key(origin), Success) // open: not counted
	if _, err := r.Allow(key(origin)); !errors.Is(err, ErrOpen) {
		t.Fatalf("err = %v, want still open", err)
	}
	clock.Advance(time.Minute)
	r.Record(key(origin), Success) // half-open (visible): the probe is not its to take
	if s := status(t, r, origin); s.State != gobreaker.StateHalfOpen {
		t.Fatalf("after a recorded success at the end of the open period: %v, want half-open", s.State)
	}
	probe, err := r.Allow(key(origin))
	if err != nil {
		t.Fatalf("the probe slot was taken: %v", err)
	}
	r.Record(key(origin), Success)
	if s := status(t, r, origin); s.State != gobreaker.StateHalfOpen {
		t.Fatalf("a recorded success closed a half-open breaker: %v", s.State)
	}
	probe(Success)
	if s := status(t, r, origin); s.State != gobreaker.StateClosed {
		t.Fatalf("after the probe: %v, want closed", s.State)
	}
}

func TestClose(t *testing.T) {
	t.Run("open breaker closes with fresh counts", func(t *testing.T) {
		r, _ := newTestRegistry(Settings{FailureThreshold: 2, OpenTimeout: time.Hour})
		call(t, r, origin, Fault)
		call(t, r, origin, Fault)
		r.Close(key(origin))
		s := status(t, r, origin)
		if s.State != gobreaker.StateClosed || s.Counts.Requests != 0 || !s.OpenUntil.IsZero() {
			t.Fatalf("after Close: %+v, want closed with zero counts", s)
		}
		call(t, r, origin, Fault) // one fault: the run starts again
		call(t, r, origin, Success)
	})
	t.Run("a probe in flight on the old breaker does not count", func(t *testing.T) {
		r, clock := newTestRegistry(Settings{FailureThreshold: 1, OpenTimeout: time.Minute})
		call(t, r, origin, Fault)
		clock.Advance(time.Minute)
		probe, err := r.Allow(key(origin))
		if err != nil {
			t.Fatal(err)
		}
		r.Close(key(origin))
		probe(Fault)
		if s := status(t, r, origin); s.State != gobreaker.StateClosed {
			t.Fatalf("the old probe re-opened the closed breaker: %+v", s)
		}
		call(t, r, origin, Success)
		r.mu.RLock()
		inflight := r.entries[key(origin)].inflight
		r.mu.RUnlock()
		if inflight != 0 {
			t.Fatalf("%d calls in flight after every done", inflight)
		}
	})
	t.Run("closed and unknown breakers are left alone", func(t *testing.T) {
		r, _ := newTestRegistry(Settings{FailureThreshold: 3})
		var n int
		r.OnTransition(func(Transition) { n++ })
		call(t, r, origin, Fault)
		r.Close(key(origin))
		r.Close(key("http://never.example:80"))
		if s := status(t, r, origin); s.Counts.ConsecutiveFailures != 1 || n != 0 {
			t.Fatalf("Close on a closed breaker: %+v and %d transitions, want untouched", s, n)
		}
		if _, ok := r.Status(key("http://never.example:80")); ok {
			t.Fatal("Close created a breaker")
		}
	})
}

func TestStatus(t *testing.T) {
	r, clock := newTestRegistry(Settings{FailureThreshold: 1, OpenTimeout: time.Minute})
	if _, ok := r.Status(key(origin)); ok {
		t.Fatal("status of an origin never called")
	}
	call(t, r, origin, Fault)
	s, ok := r.Status(key(origin))
	if !ok || s.State != gobreaker.StateOpen || !s.OpenUntil.Equal(clock.Now().Add(time.Minute)) || s.Counts.ConsecutiveFailures != 0 {
		t.Fatalf("Status = %+v, %v", s, ok)
	}
}

func TestRefusal(t *testing.T) {
	until := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		until time.Time
		cause error
	}{{until, gobreaker.ErrOpenState}, {time.Time{}, gobreaker.ErrTooManyRequests}}
	for _, tt := range tests {
		err := error(Refusal(key(origin), tt.until))
		var oe *OpenError
		if !errors.Is(err, ErrOpen) || !errors.Is(err, tt.cause) || !errors.As(err, &oe) || !oe.Until.Equal(tt.until) || oe.Origin != origin {
			t.Errorf("Refusal(%v) = %v, want ErrOpen wrapping %v", tt.until, err, tt.cause)
		}
	}
}
