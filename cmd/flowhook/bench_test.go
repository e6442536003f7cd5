package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/internal/tools/bench"
)

// TestBenchQuick runs `flowhook bench --quick` as the README shows it and
// checks that the report is well formed and that every event of every run
// got exactly one outcome. It never judges a timing: the machine may be
// slow.
func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("starts NATS, a receiver and six pipelines as processes")
	}
	bin := buildBinary(t)
	out := filepath.Join(t.TempDir(), "bench.json")
	cmd := exec.Command(bin, "bench", "--quick", "--json-out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("flowhook bench --quick: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"THROUGHPUT", "LATENCY", "CEILING", "RATIOS", "SPREAD", "TARGETS"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %s:\n%s", want, stdout.String())
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("bench.json: %v", err)
	}
	checkBenchReport(t, &rep)
}

func checkBenchReport(t *testing.T, rep *bench.Report) {
	t.Helper()
	if got := len(rep.Systems); got != 6 {
		t.Fatalf("%d systems in the report, want 6", got)
	}
	for _, s := range rep.Systems {
		if len(s.Reps) != rep.Settings.Reps {
			t.Errorf("%s: %d reps, want %d", s.Name, len(s.Reps), rep.Settings.Reps)
		}
		for _, r := range s.Reps {
			if r.Expected == 0 || r.Outcomes != r.Expected || r.Unacked != 0 {
				t.Errorf("%s rep %d: %d outcomes for %d events, %d unacked", s.Name, r.Rep, r.Outcomes, r.Expected, r.Unacked)
			}
			if r.EventsPerSec <= 0 || r.CPUTotal <= 0 {
				t.Errorf("%s rep %d: no throughput or CPU measured: %+v", s.Name, r.Rep, r)
			}
			for _, l := range r.Latency {
				if l.Missing != 0 || l.Unmatched != 0 {
					t.Errorf("%s at %d/s: %d outcomes missing, %d not matched", s.Name, l.Rate, l.Missing, l.Unmatched)
				}
			}
		}
	}
	if rep.Ceiling == nil || rep.Ceiling.EventsPerSec <= 0 {
		t.Errorf("no ceiling: %+v", rep.Ceiling)
	}
	if rep.Ratios.FlowhookOverNaive <= 0 || rep.Ratios.FlowhookOverTuned <= 0 || rep.Ratios.FlowhookOverFast <= 0 || rep.Ratios.FlowhookOverCeiling <= 0 {
		t.Errorf("ratios missing: %+v", rep.Ratios)
	}
	if sp := rep.Spread; sp == nil || sp.Breakers != sp.Endpoints || sp.Paced.Missing != 0 {
		t.Errorf("spread run: %+v", sp)
	}
	if len(rep.Targets) == 0 {
		t.Error("no targets checked")
	}
	for _, tg := range rep.Targets {
		if rep.Settings.Quick && (tg.Met || tg.Status != bench.TargetNotJudged) {
			t.Errorf("quick run judged target %q: %s", tg.Name, tg.Status)
		}
	}
}
