package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Fairness is flowhook's fairness between accounts (serve's defaults): how
// long the real-time events of one account wait while another account's
// large backlog drains, and what that costs the backlog.
type Fairness struct {
	// Backlog is account A's preloaded events; AloneEventsPerSec its drain
	// rate with nothing else to do, SharedEventsPerSec while B publishes
	// (medians over Reps), DrainRatio the median of the per-rep ratios
	// DrainRatios: each rep drains A alone, then shared, one right after
	// the other, since absolute rates drift on shared machines.
	Backlog            int       `json:"backlog"`
	Reps               int       `json:"reps"`
	AloneEventsPerSec  float64   `json:"alone_events_per_sec"`
	SharedEventsPerSec float64   `json:"shared_events_per_sec"`
	DrainRatio         float64   `json:"drain_ratio"`
	DrainRatios        []float64 `json:"drain_ratios"`
	// Live is account B (another partition) publishing at LiveRate while A
	// drains: publish -> outcome latency, each figure the median over reps
	// (Events and Missing summed).
	LiveRate int        `json:"live_rate"`
	Live     LatencyRun `json:"live"`
	// Collided is an account in A's own partition publishing at a low
	// rate meanwhile: its events queue behind A's backlog.
	Collided LatencyRun `json:"collided"`
	// Many is the run with many accounts of uneven backlogs.
	Many *ManyAccounts `json:"many_accounts,omitempty"`
}

// medianLatency reduces one paced run per rep to the median of each
// percentile; events and missing outcomes are summed.
func medianLatency(runs []LatencyRun) LatencyRun {
	if len(runs) == 0 {
		return LatencyRun{}
	}
	at := func(f func(LatencyRun) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		return statOf(v).Median
	}
	out := LatencyRun{
		Rate:         runs[0].Rate,
		AchievedRate: at(func(r LatencyRun) float64 { return r.AchievedRate }),
		P50MS:        at(func(r LatencyRun) float64 { return r.P50MS }),
		P99MS:        at(func(r LatencyRun) float64 { return r.P99MS }),
		P999MS:       at(func(r LatencyRun) float64 { return r.P999MS }),
		MaxMS:        at(func(r LatencyRun) float64 { return r.MaxMS }),
	}
	for _, r := range runs {
		out.Events += r.Events
		out.Missing += r.Missing
		out.Unmatched += r.Unmatched
	}
	return out
}

// ManyAccounts is the run with many accounts: uneven (Zipf-like)
// backlogs preloaded, then one event of every account published at
// ProbeRate while they drain.
type ManyAccounts struct {
	Accounts  int     `json:"accounts"`
	Backlog   int     `json:"backlog"`
	Largest   int     `json:"largest_backlog"`
	ProbeRate int     `json:"probe_rate"`
	DrainSecs float64 `json:"drain_seconds"`
	// All are every probe's latencies; Clear those of accounts whose
	// partition holds no backlog of the BigAccounts largest accounts;
	// Behind those of accounts that share a partition with one of them.
	BigAccounts int        `json:"big_accounts"`
	All         LatencyRun `json:"all"`
	Clear       LatencyRun `json:"clear"`
	Behind      LatencyRun `json:"behind"`
	// FairShare is a reference, computed rather than measured: the probes'
	// latencies under an ideal per-account fair share at the run's drain
	// rate (every account with events left served at an equal rate, each
	// account's events in order), where a probe waits for its own
	// account's backlog and nothing else.
	FairShare LatencyRun `json:"fair_share_model"`
}

// fairShareLatencies returns, for account i with backlog[i] events
// preloaded and a probe published i/probeRate seconds after the start,
// the probe's latency under processor sharing between accounts at rate
// events/s: account i's backlog clears at T_i = (sum over all accounts of
// min(backlog_j, backlog_i)) / rate, and its probe right after.
func fairShareLatencies(backlog []int, rate float64, probeRate int) []int64 {
	sorted := slices.Clone(backlog)
	slices.Sort(sorted)
	out := make([]int64, len(backlog))
	for i, b := range backlog {
		// Events served before account i's last: every account's first
		// min(b_j, b) events.
		k, _ := slices.BinarySearch(sorted, b)
		served := 0
		for _, s := range sorted[:k] {
			served += s
		}
		served += (len(sorted) - k) * b
		clears := float64(served) / rate
		wait := clears - float64(i)/float64(probeRate)
		out[i] = int64(max(wait, 0) * 1e9)
	}
	return out
}

// The accounts of the fairness runs. bulk and live hash into different
// partitions of the default topology (checked when the run starts).
const (
	bulkAccount = "bulk"
	liveAccount = "live"
	liveRate    = 200
	bigAccounts = 10
)

// fairnessEvents is account A's backlog: Options.Events, at least 5,000.
func (d *driver) fairnessEvents() int { return max(d.opts.Events, 5000) }

// fairness runs the fairness runs on flowhook.
func (d *driver) fairness(ctx context.Context) (*Fairness, error) {
	topo := topologyFor(roleFlowhook, d.opts.ServeFlags)
	if topo.PartitionOf(bulkAccount) == topo.PartitionOf(liveAccount) {
		return nil, fmt.Errorf("bench: accounts %s and %s share a partition of %d", bulkAccount, liveAccount, topo.Partitions)
	}
	f := &Fairness{Backlog: d.fairnessEvents(), LiveRate: liveRate, Reps: d.opts.Reps}
	var alones, shareds []float64
	var lives, collideds []LatencyRun
	for rep := range f.Reps {
		alone, shared, live, collided, err := d.fairnessRep(ctx, topo, rep, f.Backlog)
		if err != nil {
			return nil, err
		}
		alones, shareds = append(alones, alone), append(shareds, shared)
		lives, collideds = append(lives, live), append(collideds, collided)
		f.DrainRatios = append(f.DrainRatios, shared/alone)
	}
	f.AloneEventsPerSec, f.SharedEventsPerSec = statOf(alones).Median, statOf(shareds).Median
	f.DrainRatio = statOf(f.DrainRatios).Median
	f.Live, f.Collided = medianLatency(lives), medianLatency(collideds)
	if d.opts.Accounts > 0 {
		var err error
		if f.Many, err = d.manyAccounts(ctx, topo); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// fairnessRep drains account A's backlog of n alone, then again while
// account B publishes liveRate events/s and an account in A's partition
// 20/s, returning both drain rates and the two accounts' latencies.
func (d *driver) fairnessRep(ctx context.Context, topo bus.Topology, rep, n int) (alone, shared float64, live, collided LatencyRun, err error) {
	tag := strconv.Itoa(rep)
	bulk := eventSource{prefix: "fa" + tag, endpoints: []string{d.receiver.hello.URL}, accounts: []string{bulkAccount}}
	if alone, err = d.drainAccount(ctx, bulk, n, nil); err != nil {
		return 0, 0, live, collided, err
	}
	bulk.prefix = "fs" + tag
	shared, err = d.drainAccount(ctx, bulk, n, func(ctx context.Context, drain time.Duration) error {
		dur := max(drain*3/4, time.Second)
		var wg sync.WaitGroup
		var lerr, cerr error
		wg.Go(func() {
			src := eventSource{prefix: "fl" + tag, endpoints: bulk.endpoints, accounts: []string{liveAccount}}
			live, _, lerr = d.pacedEach(ctx, src, liveRate, dur, src.outcomeKey)
		})
		wg.Go(func() {
			src := eventSource{prefix: "fc" + tag, endpoints: bulk.endpoints, accounts: []string{collidingAccount(topo, bulkAccount)}}
			collided, _, cerr = d.pacedEach(ctx, src, 20, dur, src.outcomeKey)
		})
		wg.Wait()
		return errors.Join(lerr, cerr)
	})
	return alone, shared, live, collided, err
}

// collidingAccount is an account in the same partition as account.
func collidingAccount(topo bus.Topology, account string) string {
	for i := 0; ; i++ {
		if c := "shared-" + strconv.Itoa(i); topo.PartitionOf(c) == topo.PartitionOf(account) {
			return c
		}
	}
}

// drainAccount preloads n events of src, starts flowhook and returns the
// rate at which their outcomes arrive (first to last). While they drain,
// during (if set) runs with the expected drain time (n at the last rate
// measured, or 10 s).
func (d *driver) drainAccount(ctx context.Context, src eventSource, n int, during func(ctx context.Context, drain time.Duration) error) (float64, error) {
	if err := d.bus.reset(ctx, topologyFor(roleFlowhook, d.opts.ServeFlags)); err != nil {
		return 0, err
	}
	if err := d.bus.preload(ctx, src, n); err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var first, last time.Time
	count := 0
	done := make(chan struct{})
	sub, err := d.bus.nc.Subscribe(flowevent.OutcomeSubjectPrefix+src.account(0)+".>", func(*nats.Msg) {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if count == 0 {
			first = now
		}
		last = now
		if count++; count == n {
			close(done)
		}
	})
	if err != nil {
		return 0, err
	}
	defer func() { _ = sub.Unsubscribe() }()
	_ = sub.SetPendingLimits(-1, -1)
	fh, err := d.spawn(ctx, roleFlowhook, d.spec(roleFlowhook), d.sutEnv(roleFlowhook)...)
	if err != nil {
		return 0, err
	}
	defer fh.stop()
	errs := make(chan error, 1)
	if during != nil {
		expect := 10 * time.Second
		if d.lastDrainRate > 0 {
			expect = time.Duration(float64(n) / d.lastDrainRate * float64(time.Second))
		}
		go func() { errs <- during(ctx, expect) }()
	} else {
		errs <- nil
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("bench: %s's %d outcomes not all stored in 5 minutes (%d)", src.account(0), n, count)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if err := <-errs; err != nil {
		return 0, err
	}
	mu.Lock()
	rate := float64(n-1) / last.Sub(first).Seconds()
	mu.Unlock()
	d.lastDrainRate = rate
	return rate, nil
}

// manyAccounts preloads Zipf-like backlogs of Options.Accounts accounts
// (account i has about K/(i+1) events), starts flowhook, and publishes one
// event of every account at probeRate while they drain.
func (d *driver) manyAccounts(ctx context.Context, topo bus.Topology) (*ManyAccounts, error) {
	n := d.opts.Accounts
	accounts := make([]string, n)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("acct-%04d", i)
	}
	total := d.fairnessEvents()
	harmonic := 0.0
	for i := range n {
		harmonic += 1 / float64(i+1)
	}
	backlog := make([]int, n)
	var order []string // round-robin over the accounts with events left
	for i := range backlog {
		backlog[i] = int(float64(total) / harmonic / float64(i+1))
	}
	preloaded := slices.Clone(backlog)
	for left := true; left; {
		left = false
		for i, b := range backlog {
			if b > 0 {
				order = append(order, accounts[i])
				backlog[i]--
				left = true
			}
		}
	}
	m := &ManyAccounts{Accounts: n, Backlog: len(order), Largest: int(float64(total) / harmonic), ProbeRate: 200, BigAccounts: bigAccounts}
	if err := d.bus.reset(ctx, topo); err != nil {
		return nil, err
	}
	pre := eventSource{prefix: "mb", endpoints: []string{d.receiver.hello.URL}, accounts: order}
	if err := d.bus.preload(ctx, pre, len(order)); err != nil {
		return nil, err
	}
	fh, err := d.spawn(ctx, roleFlowhook, d.spec(roleFlowhook), d.sutEnv(roleFlowhook)...)
	if err != nil {
		return nil, err
	}
	defer fh.stop()
	start := time.Now()
	probes := eventSource{prefix: "mp", endpoints: pre.endpoints, accounts: accounts}
	all, each, err := d.pacedEach(ctx, probes, m.ProbeRate, time.Duration(n)*time.Second/time.Duration(m.ProbeRate), probes.outcomeKey)
	if err != nil {
		return nil, err
	}
	if err := d.waitDrained(ctx, len(order)+n); err != nil {
		return nil, err
	}
	m.DrainSecs = time.Since(start).Seconds()
	busy := map[int]bool{}
	for _, a := range accounts[:min(bigAccounts, n)] {
		busy[topo.PartitionOf(a)] = true
	}
	var clear, behind []int64
	for i, ns := range each {
		if ns == 0 {
			continue
		}
		if busy[topo.PartitionOf(probes.account(i))] {
			behind = append(behind, ns)
		} else {
			clear = append(clear, ns)
		}
	}
	m.All = all
	m.Clear, m.Behind = summarizeLatency(slices.Clone(clear)), summarizeLatency(slices.Clone(behind))
	m.Clear.Events, m.Behind.Events = len(clear), len(behind)
	if m.DrainSecs > 0 {
		m.FairShare = summarizeLatency(fairShareLatencies(preloaded, float64(len(order)+n)/m.DrainSecs, m.ProbeRate))
		m.FairShare.Events = n
	}
	return m, nil
}

// waitDrained waits until n outcomes are stored and no request waits.
func (d *driver) waitDrained(ctx context.Context, n int) error {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		req, out, err := d.bus.counts(ctx)
		if err != nil {
			return err
		}
		if out >= uint64(n) && req == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %d of %d outcomes stored, %d requests left", out, n, req)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// fairnessTargets checks the fairness targets: B's p99 while A's backlog
// drains, and A's drain rate while B publishes against A's alone.
func (r *Report) fairnessTargets() {
	f := r.Fairness
	if f == nil || r.Settings.Quick {
		return
	}
	judge := func(name, want, got string, met bool) Target {
		t := Target{Name: name, Want: want, Got: got, Status: TargetMissed, Met: met}
		if met {
			t.Status = TargetMet
		}
		return t
	}
	r.Targets = append(r.Targets,
		judge("fairness: live account's p99 while another drains", "<= 100 ms",
			fmt.Sprintf("%.2f ms", f.Live.P99MS), f.Live.P99MS <= 100 && f.Live.Missing == 0),
		judge("fairness: backlog's drain rate, shared vs alone", ">= 0.90x",
			ratioRange(f.DrainRatio, [2]float64{statOf(f.DrainRatios).Min, statOf(f.DrainRatios).Max}), f.DrainRatio >= 0.9))
}

// writeFairness writes the fairness runs' lines.
func (r *Report) writeFairness(w io.Writer) {
	f := r.Fairness
	if f == nil {
		return
	}
	fmt.Fprintf(w, "\nFAIRNESS (median over %d rep(s)): account %s's %d-event backlog drains at %s events/s alone, %s events/s while account %s publishes %d/s (%s)\n",
		f.Reps, bulkAccount, f.Backlog, kilo(f.AloneEventsPerSec), kilo(f.SharedEventsPerSec), liveAccount, f.LiveRate, ratioRange(f.DrainRatio, [2]float64{statOf(f.DrainRatios).Min, statOf(f.DrainRatios).Max}))
	fmt.Fprintf(w, "  %s (another partition) p50/p99/max %.2f/%.2f/%.2f ms, %d missing; an account in %s's own partition at %d/s: p50/p99 %.0f/%.0f ms\n",
		liveAccount, f.Live.P50MS, f.Live.P99MS, f.Live.MaxMS, f.Live.Missing, bulkAccount, f.Collided.Rate, f.Collided.P50MS, f.Collided.P99MS)
	if m := f.Many; m != nil {
		fmt.Fprintf(w, "  %d accounts, backlogs %d events (largest %d, Zipf-like), drained in %.1fs; one event per account at %d/s meanwhile: p50/p99 %.2f/%.2f ms\n",
			m.Accounts, m.Backlog, m.Largest, m.DrainSecs, m.ProbeRate, m.All.P50MS, m.All.P99MS)
		fmt.Fprintf(w, "    %d accounts clear of the %d largest backlogs' partitions: p50/p99 %.2f/%.2f ms; %d sharing a partition with one: p50/p99 %.0f/%.0f ms\n",
			m.Clear.Events, m.BigAccounts, m.Clear.P50MS, m.Clear.P99MS, m.Behind.Events, m.Behind.P50MS, m.Behind.P99MS)
		fmt.Fprintf(w, "    reference, computed: an ideal per-account fair share at the same drain rate (a probe waits for its own account's backlog only): p50/p99 %.0f/%.0f ms\n",
			m.FairShare.P50MS, m.FairShare.P99MS)
	}
}
