package nodestats

import (
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

var kvKey = regexp.MustCompile(`^[-/_=\.a-zA-Z0-9]+$`)

func TestEscapeToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"flow-1", "flow-1"},
		{"Node_7", "Node_7"},
		{"", "="},
		{"a.b", "a=2Eb"},
		{"a=2Eb", "a=3D2Eb"},
		{"*", "=2A"},
		{">", "=3E"},
		{"é", "=C3=A9"},
		{"a b", "a=20b"},
	}
	for _, tt := range tests {
		if got := escapeToken(tt.in); got != tt.want {
			t.Errorf("escapeToken(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNodeKey(f *testing.F) {
	f.Add("acme", "flow.1", "node 2", "flow", "1.node 2")
	f.Add("a", "", "=", "=3D", "")
	f.Add("a", "x>", "*", "x", ">*")
	f.Fuzz(func(t *testing.T, account, f1, n1, f2, n2 string) {
		k1, k2 := NodeKey(account, f1, n1), NodeKey(account, f2, n2)
		if !kvKey.MatchString(k1) {
			t.Fatalf("key %q is not a valid KV key", k1)
		}
		if (f1 != f2 || n1 != n2) && k1 == k2 {
			t.Fatalf("distinct nodes (%q,%q) and (%q,%q) share key %q", f1, n1, f2, n2, k1)
		}
	})
}

func TestHistogramQuantile(t *testing.T) {
	var h Histogram
	if h.Quantile(.5) != 0 {
		t.Fatal("empty histogram should report 0")
	}
	for range 50 {
		h.Observe(3) // bucket (0,5]
	}
	for range 40 {
		h.Observe(80) // bucket (50,100]
	}
	for range 10 {
		h.Observe(200000) // beyond the last bound
	}
	tests := []struct {
		q, want float64
	}{
		{.25, 2.5},    // half way through the first bucket
		{.5, 5},       // its top
		{.7, 75},      // half way through (50,100]
		{.9, 100},     // top of it
		{.99, 120000}, // the unbounded bucket reports the last bound
	}
	for _, tt := range tests {
		if got := h.Quantile(tt.q); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	var m Histogram
	m.Merge(h)
	m.Merge(h)
	if m.Count() != 200 || m.Quantile(.5) != h.Quantile(.5) {
		t.Errorf("merged twice: count %d p50 %v", m.Count(), m.Quantile(.5))
	}
}

func outcomeAt(at time.Time, success bool, reason flowevent.Reason) flowevent.Outcome {
	route := flowevent.RouteNo
	if success {
		route = flowevent.RouteYes
	}
	return flowevent.Outcome{RequestID: "r", Account: "acme", FlowID: "f", NodeID: "n", Route: route,
		Success: success, Reason: reason, Attempts: 1, DurationMS: 12, CompletedAt: at}
}

func TestApplySkipsCountedSequences(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st := newStats(outcomeAt(t0, true, flowevent.ReasonMatched))
	applied := 0
	for _, seq := range []uint64{1, 2, 2, 1, 3, 5, 4} {
		if st.Apply(seq, outcomeAt(t0, seq%2 == 1, flowevent.ReasonMatched)) {
			applied++
		}
	}
	if applied != 4 || st.Total != 4 || st.AppliedSeq != 5 {
		t.Fatalf("applied %d, total %d, applied seq %d; want 4, 4, 5", applied, st.Total, st.AppliedSeq)
	}
	retry := outcomeAt(t0.Add(time.Minute), false, flowevent.ReasonTimeout)
	retry.Attempts, retry.Detail, retry.Status = 3, "no answer within 5s", 0
	st.Apply(9, retry)
	if st.Retries != 2 || st.LastError == nil || st.LastError.Reason != flowevent.ReasonTimeout || !st.LastError.At.Equal(retry.CompletedAt) {
		t.Fatalf("retries %d, last error %+v", st.Retries, st.LastError)
	}
	// An older failure arriving later does not replace the last error.
	st.Apply(10, outcomeAt(t0, false, flowevent.ReasonStatusMismatch))
	if st.LastError.Reason != flowevent.ReasonTimeout {
		t.Errorf("last error replaced by an older one: %+v", st.LastError)
	}
	if st.Routes[flowevent.RouteYes] != 3 || st.Routes[flowevent.RouteNo] != 3 || st.Errors != 3 {
		t.Errorf("routes %v errors %d", st.Routes, st.Errors)
	}
}

func TestMinutesKeepOneHour(t *testing.T) {
	var ms []Minute
	base := int64(1000)
	for i := range int64(90) {
		ms = addMinute(ms, base+i, i%3 == 0)
	}
	if len(ms) != WindowMinutes || ms[0].T != base+90-WindowMinutes || ms[len(ms)-1].T != base+89 {
		t.Fatalf("window holds %d minutes from %d to %d", len(ms), ms[0].T, ms[len(ms)-1].T)
	}
	// Out of order inside the window, and too old.
	ms = addMinute(ms, base+50, true)
	ms = addMinute(ms, base+10, true)
	w := window(ms, base+89, WindowMinutes)
	if w.Total != 61 {
		t.Errorf("hour total %d, want 61 (the old outcome is not in the window)", w.Total)
	}
	series := errorSeries(ms, base+89)
	if len(series) != WindowMinutes || series[WindowMinutes-1] != 0 || series[WindowMinutes-2] != 0 || series[WindowMinutes-3] != 1 {
		t.Errorf("series tail %v", series[WindowMinutes-5:])
	}
}

func TestSpike(t *testing.T) {
	now := int64(5000)
	steady := func(total, errors uint32) []Minute {
		var ms []Minute
		for i := int64(59); i >= 0; i-- {
			ms = append(ms, Minute{T: now - i, Total: total, Errors: errors})
		}
		return ms
	}
	withRecent := func(ms []Minute, total, errors uint32) []Minute {
		for i := len(ms) - RecentMinutes; i < len(ms); i++ {
			ms[i].Total, ms[i].Errors = total, errors
		}
		return ms
	}
	tests := []struct {
		name string
		ms   []Minute
		want bool
	}{
		{"quiet", steady(10, 0), false},
		{"a few errors", withRecent(steady(10, 0), 10, 0+1), false}, // 5 errors, rate 0.1, rise 0.1
		{"errors jump", withRecent(steady(10, 0), 10, 3), true},     // rate 0.3, rise 0.3
		{"always half failing", steady(10, 5), true},                // rate 0.5 is high on its own
		{"steady 30 percent", steady(10, 3), false},                 // no rise, below 0.5
		{"too few to tell", withRecent(steady(0, 0), 1, 0+0), false},
		{"new node failing", []Minute{{T: now, Total: 6, Errors: 6}}, true},
		{"spike long ago", []Minute{{T: now - 30, Total: 10, Errors: 10}}, false},
	}
	for _, tt := range tests {
		if got := spike(tt.ms, now); got != tt.want {
			t.Errorf("%s: spike = %v, want %v (recent %+v)", tt.name, got, tt.want, window(tt.ms, now, RecentMinutes))
		}
	}
}

func TestWorstOrder(t *testing.T) {
	views := []View{
		{NodeID: "fine", Total: 100},
		{NodeID: "old-errors", Errors: 50},
		{NodeID: "hour-errors", Hour: Window{Errors: 10, ErrorRate: .1}},
		{NodeID: "spiking", Spike: true, Hour: Window{Errors: 6}},
		{NodeID: "hour-errors-rate", Hour: Window{Errors: 10, ErrorRate: .9}},
	}
	got := Worst(views, 4)
	want := []string{"spiking", "hour-errors-rate", "hour-errors", "old-errors"}
	for i, v := range got {
		if v.NodeID != want[i] {
			t.Fatalf("order %v, want %v", ids(got), want)
		}
	}
}

func ids(vs []View) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.NodeID)
	}
	return out
}

func TestTotalMerges(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	a, b := newStats(outcomeAt(t0, true, "")), newStats(outcomeAt(t0, true, ""))
	b.NodeID = "m"
	for i := range uint64(10) {
		a.Apply(i+1, outcomeAt(t0, true, flowevent.ReasonMatched))
		b.Apply(i+1, outcomeAt(t0.Add(time.Minute), i < 7, flowevent.ReasonStatusMismatch))
	}
	v := Total("acme", "f", []*Stats{a, b}, t0.Add(2*time.Minute))
	if v.Nodes != 2 || v.Total != 20 || v.Errors != 3 || v.Latency.Count != 20 || v.Hour.Total != 20 || v.Recent.Errors != 3 {
		t.Fatalf("total %+v", v)
	}
	if a.Total != 10 {
		t.Errorf("merging changed its input")
	}
}
