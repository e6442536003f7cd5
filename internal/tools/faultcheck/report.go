package faultcheck

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Report is what one scenario found.
type Report struct {
	Scenario string
	About    string
	Events   int
	// Classification of every published id (see the package doc).
	OK, Lost, DuplicateOutcomes, Unexpected int
	// Examples holds a few ids of each failing class, for the log.
	Examples map[string][]string
	// Requests is every HTTP request the receiver got; Answered2xx those
	// it answered with 2xx before the client gave up.
	Requests, Answered2xx int
	// DuplicateDeliveries counts 2xx-answered requests beyond the first
	// per id (allowed under at-least-once); DuplicatedIDs is the number of
	// ids delivered more than once.
	DuplicateDeliveries, DuplicatedIDs int
	// KeyMismatches counts requests whose Idempotency-Key or webhook-id
	// was not the id's key (must be 0).
	KeyMismatches int
	// MaxAttempts is the largest outcome attempt count; Retried the
	// number of outcomes with more than one attempt.
	MaxAttempts, Retried int
	// ScheduledRetries and ScheduledHolds count the tries the replicas
	// scheduled on the bus, from their logs.
	ScheduledRetries, ScheduledHolds int
	// DeadLetters by reason.
	DeadLetters map[flowevent.Reason]int
	// Crashes are process ends the harness did not ask for (fault
	// points); Terminations those after a SIGTERM it sent during the
	// run, UncleanExits the terminations that did not end with exit code
	// 0 within the grace period.
	Crashes, Terminations, UncleanExits int
	// PeakPer100ms is the most requests the receiver got in any 100ms.
	PeakPer100ms int
	Elapsed      time.Duration
	// Failures lists every guarantee that did not hold; empty means the
	// scenario passed.
	Failures []string
	// Notes are the scenario's own observations.
	Notes []string
	// Logs are the replicas' log files.
	Logs []string
}

// Passed reports whether every guarantee held.
func (r Report) Passed() bool { return len(r.Failures) == 0 }

func (r *Report) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Summary is one line with the counts that matter.
func (r Report) Summary() string {
	verdict := "PASS"
	if !r.Passed() {
		verdict = "FAIL: " + strings.Join(r.Failures, "; ")
	}
	return fmt.Sprintf("events %d: ok %d, lost %d, duplicate outcomes %d, unexpected %d; requests %d, duplicate deliveries %d (%d ids), key mismatches %d; max attempts %d, retries %d, holds %d scheduled; crashes %d, terminations %d; %s; %s",
		r.Events, r.OK, r.Lost, r.DuplicateOutcomes, r.Unexpected, r.Requests, r.DuplicateDeliveries, r.DuplicatedIDs,
		r.KeyMismatches, r.MaxAttempts, r.ScheduledRetries, r.ScheduledHolds, r.Crashes, r.Terminations,
		r.Elapsed.Round(100*time.Millisecond), verdict) + notes(r.Notes)
}

func notes(ns []string) string {
	if len(ns) == 0 {
		return ""
	}
	return " (" + strings.Join(ns, "; ") + ")"
}

// Table renders reports as a fixed-width table.
func Table(reports []Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %6s %6s %5s %8s %10s %8s %9s %8s %7s %7s %6s %7s %8s %8s  %s\n", "scenario", "events", "ok", "lost", "dup-out",
		"unexpected", "requests", "dup-deliv", "key-diff", "max-att", "retries", "holds", "crashes", "peak/100", "elapsed", "result")
	for _, r := range reports {
		result := "PASS"
		if !r.Passed() {
			result = "FAIL"
		}
		fmt.Fprintf(&b, "%-20s %6d %6d %5d %8d %10d %8d %9d %8d %7d %7d %6d %7d %8d %8s  %s\n", r.Scenario, r.Events, r.OK, r.Lost,
			r.DuplicateOutcomes, r.Unexpected, r.Requests, r.DuplicateDeliveries, r.KeyMismatches, r.MaxAttempts,
			r.ScheduledRetries, r.ScheduledHolds, r.Crashes+r.Terminations, r.PeakPer100ms, r.Elapsed.Round(100*time.Millisecond), result)
	}
	return b.String()
}

// classify reads every stored outcome and dead letter and every delivery
// the receiver saw, and fills the report. before is each replica's exit
// count before the harness stopped them.
func (r *run) classify(ctx context.Context, before []int) (Report, error) {
	rep := Report{Scenario: r.s.name, About: r.s.about, Events: len(r.ids), Elapsed: time.Since(r.started),
		Examples: map[string][]string{}, DeadLetters: map[flowevent.Reason]int{}, Logs: r.replicaLogs()}
	outcomes, err := r.readOutcomes(ctx)
	if err != nil {
		return rep, err
	}
	r.classifyOutcomes(&rep, outcomes)
	if err := r.countDeadLetters(ctx, &rep); err != nil {
		return rep, err
	}
	r.classifyDeliveries(&rep)
	r.classifyExits(&rep, before)
	r.countSchedules(&rep)
	rep.requireGuarantees()
	return rep, nil
}

// requireGuarantees fails the report unless every id ended with exactly
// one expected outcome and every request carried its id's key.
func (rep *Report) requireGuarantees() {
	for _, c := range []struct {
		n    int
		what string
	}{{rep.Lost, "lost"}, {rep.DuplicateOutcomes, "with duplicate outcomes"}, {rep.Unexpected, "unexpected"},
		{rep.KeyMismatches, "requests with another idempotency key"}} {
		if c.n != 0 {
			rep.fail("%d %s", c.n, c.what)
		}
	}
}

// countSchedules counts "try scheduled" log lines of retries and holds
// (waits for room at a busy endpoint are logged at debug level only).
func (r *run) countSchedules(rep *Report) {
	for _, path := range rep.Logs {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, "dispatch: try scheduled") {
				continue
			}
			switch {
			case strings.Contains(line, `"kind":"hold"`):
				rep.ScheduledHolds++
			case strings.Contains(line, `"kind":"retry"`):
				rep.ScheduledRetries++
			}
		}
	}
}

func (r *run) classifyOutcomes(rep *Report, outcomes map[string][]flowevent.Outcome) {
	published := map[string]bool{}
	for _, id := range r.ids {
		published[id] = true
		got := outcomes[id]
		switch {
		case len(got) == 0:
			rep.Lost++
			rep.example("lost", id)
		case len(got) > 1:
			rep.DuplicateOutcomes++
			rep.example("duplicate", id)
		default:
			route, reason := r.s.expect(r, id)
			if got[0].Route != route || got[0].Reason != reason {
				rep.Unexpected++
				rep.example("unexpected", fmt.Sprintf("%s (%s/%s: %s)", id, got[0].Route, got[0].Reason, got[0].Detail))
				continue
			}
			rep.OK++
		}
		for _, o := range got {
			rep.MaxAttempts = max(rep.MaxAttempts, o.Attempts)
			if o.Attempts > 1 {
				rep.Retried++
			}
		}
	}
	for id := range outcomes {
		if !published[id] {
			rep.Unexpected++
			rep.example("unexpected", id+" (never published)")
		}
	}
}

func (rep *Report) example(class, id string) {
	if len(rep.Examples[class]) < 5 {
		rep.Examples[class] = append(rep.Examples[class], id)
	}
}

// classifyDeliveries counts requests, duplicates and idempotency keys.
func (r *run) classifyDeliveries(rep *Report) {
	ds := r.recv.all()
	rep.Requests = len(ds)
	okPer := map[string]int{}
	var times []time.Time
	for _, d := range ds {
		key := flowevent.IdempotencyKey(checkAccount, d.id)
		if d.key != `"`+key+`"` || d.webhookID != key {
			rep.KeyMismatches++
			rep.example("key mismatch", d.id)
		}
		if d.answered && d.status >= 200 && d.status < 300 {
			rep.Answered2xx++
			okPer[d.id]++
		}
		times = append(times, d.at)
	}
	for _, n := range okPer {
		if n > 1 {
			rep.DuplicatedIDs++
			rep.DuplicateDeliveries += n - 1
		}
	}
	rep.PeakPer100ms = peak(times, 100*time.Millisecond)
}

// peak is the most times within any window.
func peak(times []time.Time, window time.Duration) int {
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= window {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// classifyExits counts crashes and terminations during the run (exits
// after before[i] are the harness's final stop).
func (r *run) classifyExits(rep *Report, before []int) {
	for i, rp := range r.replicas {
		for _, e := range rp.history()[:before[i]] {
			switch {
			case e.after == 0:
				rep.Crashes++
			default:
				rep.Terminations++
				if e.code != 0 || e.after > 7*time.Second {
					rep.UncleanExits++
				}
			}
		}
	}
}

// readOutcomes reads every outcome stored, by request id.
func (r *run) readOutcomes(ctx context.Context) (map[string][]flowevent.Outcome, error) {
	out := map[string][]flowevent.Outcome{}
	err := r.readStream(ctx, r.topo.WithDefaults().OutcomeStream, func(m *nats.Msg) error {
		_, o, err := flowevent.DecodeOutcome(m)
		if err != nil {
			return err
		}
		out[o.RequestID] = append(out[o.RequestID], o)
		return nil
	})
	return out, err
}

func (r *run) countDeadLetters(ctx context.Context, rep *Report) error {
	return r.readStream(ctx, r.topo.WithDefaults().DeadLetterStream, func(m *nats.Msg) error {
		_, d, err := flowevent.DecodeDeadLetter(m)
		if err != nil {
			return err
		}
		rep.DeadLetters[d.Reason]++
		return nil
	})
}

// readStream reads every message of a stream, in order.
func (r *run) readStream(ctx context.Context, name string, each func(*nats.Msg) error) error {
	s, err := r.js.Stream(ctx, name)
	if err != nil {
		return err
	}
	total := s.CachedInfo().State.Msgs
	if total == 0 {
		return nil
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return err
	}
	for n := uint64(0); n < total; {
		batch, err := c.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return err
		}
		got := 0
		for m := range batch.Messages() {
			got++
			if err := each(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()}); err != nil {
				return err
			}
		}
		if got == 0 {
			return fmt.Errorf("faultcheck: %s: read %d of %d messages", name, n, total)
		}
		n += uint64(got)
	}
	return nil
}
