package nodestats

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestCredentialsRejected follows a node whose key expires, recovers and
// whose OAuth 2.0 client secret is then refused: "credentials rejected
// since <time>, N times".
func TestCredentialsRejected(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	o := func(min int, reason flowevent.Reason, status int) flowevent.Outcome {
		return flowevent.Outcome{Account: "acme", FlowID: "f", NodeID: "n", Route: flowevent.RouteNo, Reason: reason,
			Success: reason == flowevent.ReasonMatched, Status: status, Attempts: 1, CompletedAt: at(min)}
	}
	steps := []struct {
		out         flowevent.Outcome
		since, last int // minutes; since -1: no rejection
		times       uint64
	}{
		{o(0, flowevent.ReasonMatched, 200), -1, 0, 0},
		{o(1, flowevent.ReasonAuthFailed, 401), 1, 1, 1},
		{o(2, flowevent.ReasonAuthFailed, 403), 1, 2, 2},
		{o(3, flowevent.ReasonTimeout, 0), 1, 2, 2},          // says nothing about the credentials
		{o(4, flowevent.ReasonCircuitOpen, 0), 1, 2, 2},      // nor does this
		{o(0, flowevent.ReasonStatusMismatch, 500), 1, 2, 2}, // an acceptance older than the run
		{o(5, flowevent.ReasonAuthFailed, 419), 1, 5, 3},
		{o(6, flowevent.ReasonStatusMismatch, 422), -1, 0, 0}, // accepted again
		{o(7, flowevent.ReasonTokenFailed, 503), -1, 0, 0},    // the token endpoint is down, not refusing
		{o(8, flowevent.ReasonTokenFailed, 401), 8, 8, 1},     // the client secret is refused
		{o(9, flowevent.ReasonAuthFailed, 0), 8, 9, 2},        // client certificate refused
	}
	st := newStats(steps[0].out)
	for i, s := range steps {
		st.Apply(uint64(i+1), s.out)
		r := st.Rejected
		switch {
		case s.since < 0 && r != nil:
			t.Fatalf("step %d (%s): rejected %+v, want none", i, s.out.Reason, r)
		case s.since >= 0 && (r == nil || !r.Since.Equal(at(s.since)) || !r.Last.Equal(at(s.last)) || r.Times != s.times):
			t.Fatalf("step %d (%s): rejected %+v, want since minute %d, last %d, %d times", i, s.out.Reason, r, s.since, s.last, s.times)
		}
	}
	v := ViewOf(st, at(10))
	if v.CredentialsRejected == nil || v.CredentialsRejected.Times != 2 || !v.CredentialsRejected.Since.Equal(at(8)) {
		t.Fatalf("view %+v", v.CredentialsRejected)
	}
	b, _ := json.Marshal(v)
	var back map[string]any
	_ = json.Unmarshal(b, &back)
	cr, ok := back["credentials_rejected"].(map[string]any)
	if !ok || cr["times"] != 2.0 || cr["since"] != "2026-03-01T10:08:00Z" || cr["last_at"] != "2026-03-01T10:09:00Z" {
		t.Errorf("JSON view: %s", b)
	}

	// A flow's total flags how many nodes are rejected.
	ok1 := newStats(steps[0].out)
	ok1.NodeID = "fine"
	ok1.Apply(1, o(3, flowevent.ReasonMatched, 200))
	other := newStats(steps[0].out)
	other.NodeID = "m"
	other.Apply(1, o(2, flowevent.ReasonAuthFailed, 401))
	total := Total("acme", "f", []*Stats{st, ok1, other}, at(10))
	if r := total.CredentialsRejected; r == nil || r.Nodes != 2 || r.Times != 3 || !r.Since.Equal(at(2)) || !r.Last.Equal(at(9)) {
		t.Errorf("total rejected %+v", r)
	}
	if st.Rejected.Nodes != 0 {
		t.Errorf("merging changed its input")
	}
	// Worst: spikes first, then rejected nodes (longest first).
	worst := Worst([]View{ViewOf(ok1, at(10)), ViewOf(st, at(10)), ViewOf(other, at(10))}, 0)
	if got := ids(worst); got[0] != "m" || got[1] != "n" || got[2] != "fine" {
		t.Errorf("worst order %v, want m (rejected since minute 2), n (since 8), fine", got)
	}
}
