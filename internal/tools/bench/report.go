package bench

import (
	"fmt"
	"runtime"
	"slices"
	"time"
)

// Report is the result of one benchmark run; it is also the JSON written
// for tracking over time.
type Report struct {
	Started  time.Time `json:"started"`
	Machine  Machine   `json:"machine"`
	Settings Settings  `json:"settings"`
	// Systems are the systems measured, in the order they ran.
	Systems []*System `json:"systems"`
	Ceiling *Ceiling  `json:"ceiling,omitempty"`
	Ratios  Ratios    `json:"ratios"`
	Spread  *Spread   `json:"spread,omitempty"`
	// Fairness is flowhook's fairness between accounts (fairness.go).
	Fairness *Fairness `json:"fairness,omitempty"`
	Targets  []Target  `json:"targets"`
	Notes    []string  `json:"notes,omitempty"`
}

// Settings are the options the run used.
type Settings struct {
	Events          int      `json:"events"`
	Reps            int      `json:"reps"`
	Rates           []int    `json:"rates"`
	RateSeconds     float64  `json:"rate_seconds"`
	Endpoints       int      `json:"endpoints"`
	ExternalNATS    bool     `json:"external_nats"`
	FlowhookWorkers int      `json:"flowhook_workers,omitempty"`
	PullBatch       int      `json:"flowhook_pull_batch,omitempty"`
	NoNodeStats     bool     `json:"no_node_stats,omitempty"`
	FlowhookEnv     []string `json:"flowhook_env,omitempty"`
	ServeFlags      []string `json:"serve_flags,omitempty"`
	Quick           bool     `json:"quick"`
}

// System is every repetition of one system and their summary.
type System struct {
	Name    string  `json:"name"`
	Label   string  `json:"label"`
	Reps    []Rep   `json:"reps"`
	Summary Summary `json:"summary"`
}

// Rep is one repetition of one system.
type Rep struct {
	Rep          int     `json:"rep"`
	Events       int     `json:"events"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_sec"`
	// CPU is each process's CPU time per event, in core-µs; CPUTotal their
	// sum.
	CPU      map[string]float64 `json:"cpu_us_per_event"`
	CPUTotal float64            `json:"cpu_us_per_event_total"`
	// RSSPeakMB is each process's peak resident set during the drain.
	RSSPeakMB map[string]float64 `json:"rss_peak_mb,omitempty"`
	// AllocsPerEvent, BytesPerEvent and GCs are the system process's
	// runtime.MemStats deltas.
	AllocsPerEvent float64 `json:"allocs_per_event"`
	BytesPerEvent  float64 `json:"bytes_per_event"`
	GCs            int     `json:"gcs"`
	// GOGC is the system process's GC percent as it ran.
	GOGC    int          `json:"gogc"`
	Latency []LatencyRun `json:"latency,omitempty"`
	// Expected events, Outcomes stored and inputs left Unacked: every
	// event got its outcome when Outcomes == Expected and Unacked == 0.
	Expected int `json:"expected"`
	Outcomes int `json:"outcomes"`
	Unacked  int `json:"unacked"`
}

func newRep(rep int, w window, sut string) Rep {
	r := Rep{Rep: rep, Events: w.events, Seconds: w.seconds, EventsPerSec: float64(w.events) / w.seconds, CPU: w.cpuPerEvent()}
	for _, v := range r.CPU {
		r.CPUTotal += v
	}
	r.AllocsPerEvent, r.BytesPerEvent, r.GCs = w.allocs(sut)
	r.GOGC = w.after[sut].GCPercent
	return r
}

// Stat is a measure over the repetitions.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Spread is (max - min) / median, 0 when the median is 0.
func (s Stat) Spread() float64 {
	if s.Median == 0 {
		return 0
	}
	return (s.Max - s.Min) / s.Median
}

func statOf(vals []float64) Stat {
	if len(vals) == 0 {
		return Stat{}
	}
	v := slices.Clone(vals)
	slices.Sort(v)
	med := v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return Stat{Median: med, Min: v[0], Max: v[len(v)-1]}
}

// Summary is a system's runs reduced to medians and ranges.
type Summary struct {
	EventsPerSec   Stat             `json:"events_per_sec"`
	CPU            map[string]Stat  `json:"cpu_us_per_event"`
	CPUTotal       Stat             `json:"cpu_us_per_event_total"`
	RSSPeakMB      map[string]Stat  `json:"rss_peak_mb,omitempty"`
	AllocsPerEvent Stat             `json:"allocs_per_event"`
	BytesPerEvent  Stat             `json:"bytes_per_event"`
	Latency        []LatencySummary `json:"latency,omitempty"`
}

// LatencySummary is one paced rate over the repetitions.
type LatencySummary struct {
	Rate int  `json:"rate"`
	P50  Stat `json:"p50_ms"`
	P99  Stat `json:"p99_ms"`
	P999 Stat `json:"p999_ms"`
}

func summarize(reps []Rep) Summary {
	col := func(f func(Rep) float64) Stat {
		vals := make([]float64, len(reps))
		for i, r := range reps {
			vals[i] = f(r)
		}
		return statOf(vals)
	}
	byKey := func(f func(Rep) map[string]float64) map[string]Stat {
		out := map[string]Stat{}
		for k := range f(reps[0]) {
			out[k] = col(func(r Rep) float64 { return f(r)[k] })
		}
		return out
	}
	s := Summary{
		EventsPerSec:   col(func(r Rep) float64 { return r.EventsPerSec }),
		CPU:            byKey(func(r Rep) map[string]float64 { return r.CPU }),
		CPUTotal:       col(func(r Rep) float64 { return r.CPUTotal }),
		RSSPeakMB:      byKey(func(r Rep) map[string]float64 { return r.RSSPeakMB }),
		AllocsPerEvent: col(func(r Rep) float64 { return r.AllocsPerEvent }),
		BytesPerEvent:  col(func(r Rep) float64 { return r.BytesPerEvent }),
	}
	for i, l := range reps[0].Latency {
		at := func(f func(LatencyRun) float64) Stat {
			return col(func(r Rep) float64 { return f(r.Latency[i]) })
		}
		s.Latency = append(s.Latency, LatencySummary{
			Rate: l.Rate,
			P50:  at(func(l LatencyRun) float64 { return l.P50MS }),
			P99:  at(func(l LatencyRun) float64 { return l.P99MS }),
			P999: at(func(l LatencyRun) float64 { return l.P999MS }),
		})
	}
	return s
}

// Ceiling is the machine's estimated ceiling: what it could do if a
// pipeline cost nothing beyond the bus work and the HTTP exchange.
type Ceiling struct {
	// JetStreamCPU and HTTPCPU are the medians of raw JetStream's and raw
	// HTTP's total CPU per event (all their processes).
	JetStreamCPU  float64 `json:"jetstream_cpu_us_per_event"`
	HTTPCPU       float64 `json:"http_cpu_us_per_event"`
	JetStreamRate float64 `json:"jetstream_events_per_sec"`
	HTTPRate      float64 `json:"http_requests_per_sec"`
	Cores         int     `json:"cores"`
	// EventsPerSec is Cores x 1e6 / (JetStreamCPU + HTTPCPU).
	EventsPerSec float64 `json:"events_per_sec"`
	// Partial reports that NATS's CPU is not in it (external server).
	Partial bool `json:"partial,omitempty"`
}

// Ratios compare flowhook with the others, measured in the same run. The
// naive, tuned and fast ratios are the median of per-rep ratios: a rep
// runs the systems back to back, so each ratio compares runs a minute
// apart, while the machine's speed (shared hosts) can drift by a fifth
// over a whole run, and absolute figures by 3x between days. The ranges
// are the lowest and highest per-rep ratio.
type Ratios struct {
	FlowhookOverNaive   float64    `json:"flowhook_over_naive,omitempty"`
	FlowhookOverTuned   float64    `json:"flowhook_over_tuned,omitempty"`
	FlowhookOverFast    float64    `json:"flowhook_over_fastnaive,omitempty"`
	FlowhookOverCeiling float64    `json:"flowhook_over_ceiling,omitempty"`
	NaiveRange          [2]float64 `json:"flowhook_over_naive_range,omitzero"`
	TunedRange          [2]float64 `json:"flowhook_over_tuned_range,omitzero"`
	FastRange           [2]float64 `json:"flowhook_over_fastnaive_range,omitzero"`
	// CPUOverTuned is flowhook's CPU per event over all processes divided
	// by the tuned naive pipeline's (below 1: flowhook costs less).
	CPUOverTuned *Stat `json:"flowhook_cpu_over_tuned,omitempty"`
	// P99OverTuned is flowhook's p99 publish -> outcome latency divided by
	// the tuned naive pipeline's, per paced rate.
	P99OverTuned []RateRatio `json:"flowhook_p99_over_tuned,omitempty"`
}

// RateRatio is a per-rep ratio at one paced rate.
type RateRatio struct {
	Rate  int  `json:"rate"`
	Ratio Stat `json:"ratio"`
}

// Target statuses. A quick run judges nothing: its backlogs are too small
// and its rates too short to say anything about speed.
const (
	TargetMet       = "met"
	TargetMissed    = "missed"
	TargetNotJudged = "not judged"
)

// Target is one of the targets and how this run measured it.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	// Status is met, missed or "not judged" (a quick run, or a baseline
	// that did not run); Met is true only when Status is met.
	Status string `json:"status"`
	Met    bool   `json:"met"`
}

// labels describe the systems in the table.
var labels = map[string]string{
	roleRawJS:     "raw JetStream: consume, publish 200 B, ack on PubAck",
	roleRawHTTP:   "raw HTTP: 64 concurrent loopback GETs, 6 params",
	roleNaive:     "naive: 64 workers, json decode, GET, sync publish, ack",
	roleTuned:     "tuned naive: 256 workers, async publish, ack on PubAck, GOGC=400",
	roleFastNaive: "fast naive: tuned naive with fasthttp's client (the library flowhook's egress uses)",
	roleFlowhook:  "flowhook: full semantics (serve defaults)",
}

func newReport(o Options) *Report {
	return &Report{
		Started: time.Now().UTC(),
		Machine: machine(),
		Settings: Settings{
			Events: o.Events, Reps: o.Reps, Rates: o.Rates, RateSeconds: o.RateDuration.Seconds(),
			Endpoints: max(o.Endpoints, 0), ExternalNATS: o.NATSURL != "", FlowhookWorkers: o.Workers,
			PullBatch: o.PullBatch, NoNodeStats: o.NoNodeStats, FlowhookEnv: o.FlowhookEnv, ServeFlags: o.ServeFlags, Quick: o.Quick,
		},
	}
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *Report) system(name string) *System {
	for _, s := range r.Systems {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (r *Report) add(name string, run Rep) {
	s := r.system(name)
	if s == nil {
		s = &System{Name: name, Label: labels[name]}
		r.Systems = append(r.Systems, s)
	}
	s.Reps = append(s.Reps, run)
}

// finish computes the summaries, the ceiling, the ratios and the targets.
func (r *Report) finish() {
	for _, s := range r.Systems {
		s.Summary = summarize(s.Reps)
	}
	js, h := r.system(roleRawJS), r.system(roleRawHTTP)
	if js != nil && h != nil {
		c := &Ceiling{
			JetStreamCPU: js.Summary.CPUTotal.Median, HTTPCPU: h.Summary.CPUTotal.Median,
			JetStreamRate: js.Summary.EventsPerSec.Median, HTTPRate: h.Summary.EventsPerSec.Median,
			Cores: runtime.NumCPU(), Partial: r.Settings.ExternalNATS,
		}
		if sum := c.JetStreamCPU + c.HTTPCPU; sum > 0 {
			c.EventsPerSec = float64(c.Cores) * 1e6 / sum
		}
		r.Ceiling = c
	}
	r.ratios()
	r.targets()
	r.fairnessTargets()
}

func (r *Report) ratios() {
	fh := r.system(roleFlowhook)
	if fh == nil {
		return
	}
	rate := fh.Summary.EventsPerSec.Median
	throughput := func(rep Rep) float64 { return rep.EventsPerSec }
	if s := r.system(roleNaive); s != nil {
		st := perRepRatio(fh, s, throughput)
		r.Ratios.FlowhookOverNaive, r.Ratios.NaiveRange = st.Median, [2]float64{st.Min, st.Max}
	}
	if s := r.system(roleTuned); s != nil {
		st := perRepRatio(fh, s, throughput)
		r.Ratios.FlowhookOverTuned, r.Ratios.TunedRange = st.Median, [2]float64{st.Min, st.Max}
		if !r.Settings.ExternalNATS {
			cpu := perRepRatio(fh, s, func(rep Rep) float64 { return rep.CPUTotal })
			r.Ratios.CPUOverTuned = &cpu
		}
		for i, l := range fh.Summary.Latency {
			p99 := perRepRatio(fh, s, func(rep Rep) float64 {
				if i < len(rep.Latency) {
					return rep.Latency[i].P99MS
				}
				return 0
			})
			r.Ratios.P99OverTuned = append(r.Ratios.P99OverTuned, RateRatio{Rate: l.Rate, Ratio: p99})
		}
	}
	if s := r.system(roleFastNaive); s != nil {
		st := perRepRatio(fh, s, throughput)
		r.Ratios.FlowhookOverFast, r.Ratios.FastRange = st.Median, [2]float64{st.Min, st.Max}
	}
	if r.Ceiling != nil && r.Ceiling.EventsPerSec > 0 {
		r.Ratios.FlowhookOverCeiling = rate / r.Ceiling.EventsPerSec
	}
}

// perRepRatio is a's measure over b's, rep by rep; reps where b's is 0
// are left out.
func perRepRatio(a, b *System, measure func(Rep) float64) Stat {
	var v []float64
	for i := range min(len(a.Reps), len(b.Reps)) {
		if d := measure(b.Reps[i]); d > 0 {
			v = append(v, measure(a.Reps[i])/d)
		}
	}
	return statOf(v)
}

// targets checks the targets. All but memory are ratios against
// baselines measured in the same run (tuned naive, fast naive), since
// absolute times and CPU swing 3x between days on shared machines; memory
// is absolute. A quick run judges none of them; a target whose baseline
// did not run is not judged either.
func (r *Report) targets() {
	fh := r.system(roleFlowhook)
	if fh == nil {
		return
	}
	add := func(name, want, got string, met, judged bool) {
		t := Target{Name: name, Want: want, Got: got, Status: TargetNotJudged}
		if judged && !r.Settings.Quick {
			t.Status, t.Met = TargetMissed, met
			if met {
				t.Status = TargetMet
			}
		}
		r.Targets = append(r.Targets, t)
	}
	ratioGot := func(v float64, rng [2]float64) string { return ratioRange(v, rng) }
	tuned, fast := r.system(roleTuned) != nil, r.system(roleFastNaive) != nil
	q := r.Ratios
	add("throughput vs tuned naive", ">= 1.10x", ratioGot(q.FlowhookOverTuned, q.TunedRange), q.FlowhookOverTuned >= 1.1, tuned)
	add("throughput vs fast naive", ">= 0.90x", ratioGot(q.FlowhookOverFast, q.FastRange), q.FlowhookOverFast >= 0.9, fast)
	if v := q.FlowhookOverCeiling; v > 0 {
		add("throughput vs machine ceiling", ">= 0.80x", ratio(v), v >= 0.8, true)
	}
	if !r.Settings.ExternalNATS {
		got, met := "-", false
		if c := q.CPUOverTuned; c != nil {
			got, met = ratioRange(c.Median, [2]float64{c.Min, c.Max}), c.Median <= 1
			if s := r.system(roleTuned); s != nil {
				got += fmt.Sprintf(" (%.1f vs %.1f core-µs)", fh.Summary.CPUTotal.Median, s.Summary.CPUTotal.Median)
			}
		}
		add("CPU per event, all processes, vs tuned naive", "<= 1.00x", got, met, tuned && q.CPUOverTuned != nil)
	}
	for _, want := range []int{5000, 10_000} {
		got, met, found := "-", false, false
		for _, p := range q.P99OverTuned {
			if p.Rate == want && p.Ratio.Median > 0 {
				got, met, found = ratioRange(p.Ratio.Median, [2]float64{p.Ratio.Min, p.Ratio.Max}), p.Ratio.Median <= 1, true
			}
		}
		add(fmt.Sprintf("p99 latency at %s/s vs tuned naive", kilo(float64(want))), "<= 1.00x", got, met, tuned && found)
	}
	rss := fh.Summary.RSSPeakMB[roleFlowhook].Max
	what := "flowhook RSS (peak)"
	if r.Spread != nil {
		rss = max(rss, r.Spread.RSSPeakMB)
		what = fmt.Sprintf("flowhook RSS (peak, incl. %d endpoints)", r.Spread.Endpoints)
	}
	add(what, "<= 64 MB", fmt.Sprintf("%.1f MB", rss), rss <= 64, true)
}
