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
	r := newReport(Options{Events: 1000, Reps: 2, Rates: []int{5000, 10000}}.withDefaults())
	lat := func(p99a, p99b float64) []LatencyRun {
		return []LatencyRun{{Rate: 5000, P50MS: 1, P99MS: p99a, P999MS: 5}, {Rate: 10000, P50MS: 1, P99MS: p99b, P999MS: 9}}
	}
	for rep := 1; rep <= 2; rep++ {
		r.add(roleRawJS, Rep{Rep: rep, EventsPerSec: 100_000, CPU: map[string]float64{roleNATS: 10, roleReceiver: 0, roleRawJS: 6}, CPUTotal: 16})
		r.add(roleRawHTTP, Rep{Rep: rep, EventsPerSec: 50_000, CPU: map[string]float64{roleReceiver: 15, roleRawHTTP: 25}, CPUTotal: 40})
		r.add(roleTuned, Rep{Rep: rep, EventsPerSec: 28_000, CPUTotal: 68, Latency: lat(3, 7)})
		r.add(roleNaive, Rep{Rep: rep, EventsPerSec: 20_000, CPUTotal: 87, Latency: lat(4, 8)})
		r.add(roleFlowhook, Rep{Rep: rep, EventsPerSec: 30_000 + float64(rep)*2000, CPUTotal: 58,
			RSSPeakMB: map[string]float64{roleFlowhook: 40}, Latency: lat(3, 7+float64(rep)), AllocsPerEvent: 50})
	}
	r.Spread = &Spread{Endpoints: 10000, RSSPeakMB: 70}
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
	met := map[string]bool{}
	for _, tg := range r.Targets {
		met[tg.Name] = tg.Met
	}
	want := map[string]bool{
		"throughput vs tuned naive":                  true,
		"p99 latency at 5k/s":                        true,
		"p99 latency at 10k/s":                       false, // median of 8 and 9 ms
		"CPU per event, all processes":               true,
		"flowhook RSS (peak, incl. 10000 endpoints)": false, // the spread run's 70 MB
	}
	for name, w := range want {
		if got, ok := met[name]; !ok || got != w {
			t.Errorf("target %q: met=%v (present %v), want %v", name, got, ok, w)
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
	for _, want := range []string{"THROUGHPUT", "LATENCY", "CEILING", "flowhook/naive 1.65x [1.60..1.70]   flowhook/tuned 1.18x [1.14..1.21]", "TARGETS", "[missed]", "33.0k     [32.0k..34.0k]"} {
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
	if len(back.Systems) != 5 || back.system(roleFlowhook).Summary.EventsPerSec.Median != 33000 {
		t.Errorf("JSON round trip lost the systems: %+v", back.Systems)
	}
}
