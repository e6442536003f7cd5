package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestFairShareLatencies works one case by hand: three accounts with 10, 20
// and 40 events at 10 events/s, probes published 0, 1 and 2 s after the
// start (probe rate 1/s).
func TestFairShareLatencies(t *testing.T) {
	got := fairShareLatencies([]int{10, 40, 20}, 10, 1)
	// Account 0 (10 events) clears once every account has had 10: 30
	// events, 3 s. Account 2 (20): 10 + 20 + 20 = 50 events, 5 s, its
	// probe published at 2 s. Account 1 (40): all 70 events, 7 s, its
	// probe published at 1 s.
	want := []time.Duration{3 * time.Second, 6 * time.Second, 3 * time.Second}
	for i, w := range want {
		if time.Duration(got[i]) != w {
			t.Errorf("account %d: %v, want %v", i, time.Duration(got[i]), w)
		}
	}
	// A probe published after its account's backlog cleared waits for
	// nothing.
	if got := fairShareLatencies([]int{1, 1}, 100, 1); got[1] != 0 {
		t.Errorf("late probe: %v, want 0", time.Duration(got[1]))
	}
}

// TestMedianLatency: each percentile is the median over reps, counts add.
func TestMedianLatency(t *testing.T) {
	got := medianLatency([]LatencyRun{
		{Rate: 200, Events: 100, P50MS: 30, P99MS: 95, MaxMS: 120, Missing: 1},
		{Rate: 200, Events: 100, P50MS: 20, P99MS: 400, MaxMS: 500},
		{Rate: 200, Events: 100, P50MS: 25, P99MS: 80, MaxMS: 90},
	})
	want := LatencyRun{Rate: 200, Events: 300, P50MS: 25, P99MS: 95, MaxMS: 120, Missing: 1}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestOutcomeSubjects: a paced run listens to its own accounts' outcomes
// only, not to another account's draining backlog.
func TestOutcomeSubjects(t *testing.T) {
	live := eventSource{accounts: []string{"live", "shared-3", "live"}}
	if got := live.outcomeSubjects(); !slices.Equal(got, []string{"flowhook.outcome.live.>", "flowhook.outcome.shared-3.>"}) {
		t.Errorf("two accounts: %v", got)
	}
	if got := (eventSource{}).outcomeSubjects(); !slices.Equal(got, []string{"flowhook.outcome." + benchAccount + ".>"}) {
		t.Errorf("default account: %v", got)
	}
	many := eventSource{}
	for i := range 17 {
		many.accounts = append(many.accounts, fmt.Sprintf("a-%d", i))
	}
	if got := many.outcomeSubjects(); !slices.Equal(got, []string{"flowhook.outcome.>"}) {
		t.Errorf("17 accounts: %v", got)
	}
}
