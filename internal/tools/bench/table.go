package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the report as readable tables.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	r.writeHeader(tw)
	r.writeThroughput(tw)
	r.writeLatency(tw)
	r.writeSummary(tw)
	return tw.Flush()
}

func (r *Report) writeHeader(w io.Writer) {
	s, m := r.Settings, r.Machine
	mode := ""
	if s.Quick {
		mode = " (quick)"
	}
	fmt.Fprintf(w, "flowhook bench%s: %d events per system and rep, %d rep(s), paced %s events/s for %gs each\n",
		mode, s.Events, s.Reps, joinInts(s.Rates), s.RateSeconds)
	nats := "embedded NATS JetStream (own process, file storage)"
	if s.ExternalNATS {
		nats = "external NATS"
	}
	fmt.Fprintf(w, "machine: %s, %d cores, %s/%s, %s, kernel %s; %s\n", m.CPU, m.Cores, m.OS, m.Arch, m.Go, m.Kernel, nats)
	if len(s.ServeFlags) > 0 {
		fmt.Fprintf(w, "note: flowhook serve flags added: %s\n", strings.Join(s.ServeFlags, " "))
	}
	if len(s.FlowhookEnv) > 0 {
		fmt.Fprintf(w, "note: flowhook's environment adds %s\n", strings.Join(s.FlowhookEnv, " "))
	}
	if s.NoNodeStats {
		fmt.Fprintln(w, "note: flowhook ran without node-stats aggregation (--node-stats=false)")
	}
	if s.FlowhookWorkers > 0 || s.PullBatch > 0 {
		fmt.Fprintf(w, "note: flowhook workers %d, pull batch %d (0: serve's default)\n", s.FlowhookWorkers, s.PullBatch)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func (r *Report) writeThroughput(w io.Writer) {
	fmt.Fprintf(w, "\nTHROUGHPUT: drain of a preloaded backlog (median [min..max] over reps); CPU per event per process; peak RSS\n")
	fmt.Fprintln(w, "  system\tevents/s\t[min..max]\tCPU core-µs/event\ttotal\tRSS MB\tallocs/ev\tB/ev\tGOGC\t")
	for _, s := range r.Systems {
		sum := s.Summary
		allocs, bytes := "-", "-"
		if s.Name != roleRawHTTP {
			allocs, bytes = fmt.Sprintf("%.0f", sum.AllocsPerEvent.Median), fmt.Sprintf("%.0f", sum.BytesPerEvent.Median)
		}
		fmt.Fprintf(w, "  %s\t%s\t[%s..%s]\t%s\t%.1f\t%s\t%s\t%s\t%d\t\n", s.Name,
			kilo(sum.EventsPerSec.Median), kilo(sum.EventsPerSec.Min), kilo(sum.EventsPerSec.Max),
			cpuParts(sum), sum.CPUTotal.Median, rssOf(s), allocs, bytes, s.Reps[0].GOGC)
	}
	for _, s := range r.Systems {
		fmt.Fprintf(w, "    %s = %s\n", s.Name, s.Label)
	}
}

// cpuParts lists each process's median CPU per event, base processes first.
func cpuParts(sum Summary) string {
	var parts []string
	for _, name := range orderedNames(sum.CPU) {
		parts = append(parts, fmt.Sprintf("%s %.1f", name, sum.CPU[name].Median))
	}
	return strings.Join(parts, " + ")
}

// orderedNames puts nats and the receiver first, then the rest.
func orderedNames[V any](m map[string]V) []string {
	var names []string
	for _, n := range []string{roleNATS, roleReceiver} {
		if _, ok := m[n]; ok {
			names = append(names, n)
		}
	}
	for n := range m {
		if n != roleNATS && n != roleReceiver {
			names = append(names, n)
		}
	}
	return names
}

// rssOf is the system process's peak RSS.
func rssOf(s *System) string {
	if st, ok := s.Summary.RSSPeakMB[s.Name]; ok {
		return fmt.Sprintf("%.0f", st.Max)
	}
	return "-"
}

func (r *Report) writeLatency(w io.Writer) {
	var rows []*System
	for _, s := range r.Systems {
		if len(s.Summary.Latency) > 0 {
			rows = append(rows, s)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\nLATENCY publish -> outcome, ms: p50 / p99 / p99.9 (median over reps)\n")
	fmt.Fprint(w, "  system\t")
	for _, l := range rows[0].Summary.Latency {
		fmt.Fprintf(w, "%d/s\t", l.Rate)
	}
	fmt.Fprintln(w)
	for _, s := range rows {
		fmt.Fprintf(w, "  %s\t", s.Name)
		for _, l := range s.Summary.Latency {
			fmt.Fprintf(w, "%.2f / %.2f / %.2f\t", l.P50.Median, l.P99.Median, l.P999.Median)
		}
		fmt.Fprintln(w)
	}
}

func (r *Report) writeSummary(w io.Writer) {
	if c := r.Ceiling; c != nil {
		partial := ""
		if c.Partial {
			partial = " (NATS CPU not measured: an overestimate)"
		}
		fmt.Fprintf(w, "\nCEILING: raw JetStream %.1f + raw HTTP %.1f = %.1f core-µs/event on %d cores -> %s events/s%s\n",
			c.JetStreamCPU, c.HTTPCPU, c.JetStreamCPU+c.HTTPCPU, c.Cores, kilo(c.EventsPerSec), partial)
	}
	if q := r.Ratios; q.FlowhookOverNaive != 0 || q.FlowhookOverTuned != 0 || q.FlowhookOverFast != 0 || q.FlowhookOverCeiling != 0 {
		fmt.Fprintf(w, "RATIOS (median of per-rep ratios [min..max]): flowhook/naive %s   flowhook/tuned %s   flowhook/fastnaive %s   flowhook/ceiling %s\n",
			ratioRange(q.FlowhookOverNaive, q.NaiveRange), ratioRange(q.FlowhookOverTuned, q.TunedRange),
			ratioRange(q.FlowhookOverFast, q.FastRange), ratio(q.FlowhookOverCeiling))
		var vsTuned []string
		if c := q.CPUOverTuned; c != nil {
			vsTuned = append(vsTuned, "CPU/event "+ratioRange(c.Median, [2]float64{c.Min, c.Max}))
		}
		for _, p := range q.P99OverTuned {
			vsTuned = append(vsTuned, fmt.Sprintf("p99 at %s/s %s", kilo(float64(p.Rate)), ratioRange(p.Ratio.Median, [2]float64{p.Ratio.Min, p.Ratio.Max})))
		}
		if len(vsTuned) > 0 {
			fmt.Fprintf(w, "FLOWHOOK/TUNED (per-rep ratios, below 1: flowhook lower): %s\n", strings.Join(vsTuned, "   "))
		}
	}
	if s := r.Spread; s != nil {
		fmt.Fprintf(w, "SPREAD: flowhook over %d endpoints (%s): %d events at %s events/s, flowhook %.1f core-µs/event, RSS peak %.1f MB, end %.1f MB, %d breakers; paced %d/s p50/p99 %.2f/%.2f ms\n",
			s.Endpoints, s.Note, s.Events, kilo(s.EventsPerSec), s.FlowhookCPU, s.RSSPeakMB, s.RSSEndMB, s.Breakers,
			s.Paced.Rate, s.Paced.P50MS, s.Paced.P99MS)
	}
	r.writeFairness(w)
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "\nTARGETS (ratios against baselines of this run; memory absolute)")
		if r.Settings.Quick {
			fmt.Fprintln(w, "  a quick run judges no target: its backlogs and rates are too small to measure speed")
		}
		for _, t := range r.Targets {
			fmt.Fprintf(w, "  [%s]\t%s\t%s\tgot %s\t\n", t.Status, t.Name, t.Want, t.Got)
		}
	}
}

func kilo(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.1fk", v/1000)
	}
	return fmt.Sprintf("%.0f", v)
}

func ratioRange(v float64, r [2]float64) string {
	if v == 0 || r[0] == r[1] {
		return ratio(v)
	}
	return fmt.Sprintf("%.2fx [%.2f..%.2f]", v, r[0], r[1])
}

func ratio(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", v)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, "/")
}
