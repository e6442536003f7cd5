package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestPercentile(t *testing.T) {
	vals := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		q    float64
		want int64
	}{{0.5, 5}, {0.9, 9}, {0.99, 10}, {0.999, 10}, {1, 10}, {0, 1}, {0.1, 1}, {0.11, 2}}
	for _, tt := range tests {
		if got := percentile(vals, tt.q); got != tt.want {
			t.Errorf("percentile(%v) = %d, want %d", tt.q, got, tt.want)
		}
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("percentile of nothing = %d, want 0", got)
	}
}

func TestStatOf(t *testing.T) {
	tests := []struct {
		in   []float64
		want Stat
	}{
		{nil, Stat{}},
		{[]float64{3}, Stat{3, 3, 3}},
		{[]float64{5, 1, 3}, Stat{3, 1, 5}},
		{[]float64{4, 1, 2, 8}, Stat{3, 1, 8}},
	}
	for _, tt := range tests {
		if got := statOf(tt.in); got != tt.want {
			t.Errorf("statOf(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if s := (Stat{Median: 10, Min: 9, Max: 12}).Spread(); s != 0.3 {
		t.Errorf("spread = %v, want 0.3", s)
	}
}

// sampleReport is a report of two repetitions with made-up numbers.
func sampleReport() *Report {
	return sampleReportOf(Options{Events: 1000, Reps: 2, Rates: []int{5000, 10000}})
}

// sampleReportOf is sampleReport with other options (Quick, say).
func sampleReportOf(o Options) *Report {
	r := newReport(o.withDefaults())
	lat := func(p99a, p99b float64) []LatencyRun {
		return []LatencyRun{{Rate: 5000, P50MS: 1, P99MS: p99a, P999MS: 5}, {Rate: 10000, P50MS: 1, P99MS: p99b, P999MS: 9}}
	}
	for rep := 1; rep <= 2; rep++ {
		r.add(roleRawJS, Rep{Rep: rep, EventsPerSec: 100_000, CPU: map[string]float64{roleNATS: 10, roleReceiver: 0, roleRawJS: 6}, CPUTotal: 16})
		r.add(roleRawHTTP, Rep{Rep: rep, EventsPerSec: 50_000, CPU: map[string]float64{roleReceiver: 15, roleRawHTTP: 25}, CPUTotal: 40})
		r.add(roleTuned, Rep{Rep: rep, EventsPerSec: 28_000, CPUTotal: 68, Latency: lat(3, 7)})
		r.add(roleNaive, Rep{Rep: rep, EventsPerSec: 20_000, CPUTotal: 87, Latency: lat(4, 8)})
		r.add(roleFastNaive, Rep{Rep: rep, EventsPerSec: 40_000, CPUTotal: 50, Latency: lat(2, 4)})
		r.add(roleFlowhook, Rep{Rep: rep, EventsPerSec: 30_000 + float64(rep)*2000, CPUTotal: 58,
			RSSPeakMB: map[string]float64{roleFlowhook: 40}, Latency: lat(3, 7+float64(rep)), AllocsPerEvent: 50})
	}
	r.Spread = &Spread{Endpoints: 10000, RSSPeakMB: 70}
	r.Fairness = &Fairness{DrainRatio: 0.85, Live: LatencyRun{P99MS: 40}}
	r.finish()
	return r
}

func TestReportFinish(t *testing.T) {
	r := sampleReport()
	c := r.Ceiling
	if c == nil || c.JetStreamCPU != 16 || c.HTTPCPU != 40 {
		t.Fatalf("ceiling = %+v", c)
	}
	wantCeiling := float64(c.Cores) * 1e6 / 56
	if c.EventsPerSec != wantCeiling {
		t.Errorf("ceiling = %v events/s, want %v", c.EventsPerSec, wantCeiling)
	}
	// Per rep: 32000/28000 and 34000/28000; their median is 33000/28000.
	if got := r.Ratios.FlowhookOverTuned; math.Abs(got-33000.0/28000) > 1e-9 {
		t.Errorf("flowhook/tuned = %v", got)
	}
	if got := r.Ratios.TunedRange; got != [2]float64{32000.0 / 28000, 34000.0 / 28000} {
		t.Errorf("flowhook/tuned range = %v", got)
	}
	if got := r.Ratios.FlowhookOverNaive; math.Abs(got-33000.0/20000) > 1e-9 {
		t.Errorf("flowhook/naive = %v", got)
	}
	// Per rep: 32000/40000 and 34000/40000.
	if got := r.Ratios.FlowhookOverFast; math.Abs(got-33000.0/40000) > 1e-9 {
		t.Errorf("flowhook/fastnaive = %v", got)
	}
	if c := r.Ratios.CPUOverTuned; c == nil || math.Abs(c.Median-58.0/68) > 1e-9 {
		t.Errorf("flowhook/tuned CPU = %+v", c)
	}
	// p99 at 10k/s: flowhook 8 and 9 ms against tuned's 7.
	if p := r.Ratios.P99OverTuned; len(p) != 2 || p[1].Rate != 10000 || math.Abs(p[1].Ratio.Median-8.5/7) > 1e-9 {
		t.Errorf("flowhook/tuned p99 = %+v", p)
	}
	status := map[string]string{}
	for _, tg := range r.Targets {
		status[tg.Name] = tg.Status
		if tg.Met != (tg.Status == TargetMet) {
			t.Errorf("target %q: met %v with status %q", tg.Name, tg.Met, tg.Status)
		}
	}
	want := map[string]string{
		"throughput vs tuned naive":                         TargetMet,    // 1.18x
		"throughput vs fast naive":                          TargetMissed, // 0.82x
		"CPU per event, all processes, vs tuned naive":      TargetMet,    // 58 against 68
		"p99 latency at 5.0k/s vs tuned naive":              TargetMet,    // 3 against 3 ms
		"p99 latency at 10.0k/s vs tuned naive":             TargetMissed, // 8 and 9 against 7 ms
		"flowhook RSS (peak, incl. 10000 endpoints)":        TargetMissed, // the spread run's 70 MB
		"fairness: live account's p99 while another drains": TargetMet,    // 40 ms
		"fairness: backlog's drain rate, shared vs alone":   TargetMissed, // 0.85x
	}
	for name, w := range want {
		if got, ok := status[name]; !ok || got != w {
			t.Errorf("target %q: %q (present %v), want %q", name, got, ok, w)
		}
	}
}

// TestQuickJudgesNoTarget: a quick run reports its figures but never
// calls a target met (nor missed).
func TestQuickJudgesNoTarget(t *testing.T) {
	r := sampleReportOf(Options{Quick: true, Events: 1000, Reps: 2, Rates: []int{5000, 10000}})
	if len(r.Targets) == 0 {
		t.Fatal("no targets")
	}
	for _, tg := range r.Targets {
		if tg.Status != TargetNotJudged || tg.Met {
			t.Errorf("quick run: target %q is %q (met %v)", tg.Name, tg.Status, tg.Met)
		}
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "[met]") || strings.Contains(out, "[missed]") || !strings.Contains(out, "[not judged]") {
		t.Errorf("quick table judges targets:\n%s", out)
	}
}

// TestTargetWithoutBaseline: without the tuned and fast naive pipelines
// their targets are not judged, and nothing is made up.
func TestTargetWithoutBaseline(t *testing.T) {
	r := newReport(Options{Events: 1000, Reps: 1, Rates: []int{5000}}.withDefaults())
	r.add(roleFlowhook, Rep{Rep: 1, EventsPerSec: 30_000, CPUTotal: 58, RSSPeakMB: map[string]float64{roleFlowhook: 40},
		Latency: []LatencyRun{{Rate: 5000, P99MS: 3}}})
	r.finish()
	for _, tg := range r.Targets {
		wantJudged := strings.HasPrefix(tg.Name, "flowhook RSS")
		if judged := tg.Status != TargetNotJudged; judged != wantJudged {
			t.Errorf("target %q: %q", tg.Name, tg.Status)
		}
	}
}

func TestWriteTableAndJSON(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"THROUGHPUT", "LATENCY", "CEILING", "flowhook/naive 1.65x [1.60..1.70]   flowhook/tuned 1.18x [1.14..1.21]   flowhook/fastnaive 0.82x [0.80..0.85]",
		"FLOWHOOK/TUNED", "CPU/event 0.85x", "TARGETS", "[missed]", "[met]", "33.0k     [32.0k..34.0k]"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Systems) != 6 || back.system(roleFlowhook).Summary.EventsPerSec.Median != 33000 {
		t.Errorf("JSON round trip lost the systems: %+v", back.Systems)
	}
}

func TestTopologyForHonoursServesPartitions(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		want  int
	}{
		{nil, 16},
		{[]string{"--partitions=64"}, 64},
		{[]string{"--workers", "300", "--partitions", "32"}, 32},
	} {
		if got := topologyFor(roleFlowhook, tc.flags).Partitions; got != tc.want {
			t.Errorf("flags %v: %d partitions, want %d", tc.flags, got, tc.want)
		}
	}
	if got := topologyFor(roleTuned, []string{"--partitions=64"}).Partitions; got != 1 {
		t.Errorf("a baseline's topology has %d partitions, want 1", got)
	}
}
