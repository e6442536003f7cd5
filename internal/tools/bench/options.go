package bench

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Options configure a benchmark run. Zero fields take the defaults of a
// full run, or of a quick one when Quick is set.
type Options struct {
	// Command starts a child process of this benchmark: the driver runs it
	// with ChildEnv set. Required (flowhook bench passes its own
	// executable and "bench").
	Command []string
	// Quick is a smoke run that finishes in seconds: small backlogs, one
	// repetition, one short paced rate, 200 endpoints.
	Quick bool
	// Events is the backlog each system drains per repetition; default
	// 100000 (quick 2000).
	Events int
	// Reps is the number of repetitions; default 3 (quick 1).
	Reps int
	// Rates are the paced rates of the latency runs, events/s; default
	// 1000, 5000, 10000 (quick 1000).
	Rates []int
	// RateDuration is how long each paced rate runs; default 5s (quick 1s).
	RateDuration time.Duration
	// Endpoints is the number of distinct endpoints of flowhook's spread
	// run; default 10000 (quick 200); negative skips the run.
	Endpoints int
	// NoFairness skips flowhook's fairness runs between accounts (see
	// Fairness); their backlog is Events (at least 5,000).
	NoFairness bool
	// Accounts is the number of accounts of the many-accounts fairness
	// run; default 1000 (quick 100); negative skips it.
	Accounts int
	// Systems limits the run to these systems (see the package
	// documentation for the names); default all.
	Systems []string
	// NATSURL uses an existing NATS server instead of starting one; its
	// CPU time is then unknown and the ceiling leaves it out.
	NATSURL string
	// Workers and PullBatch override flowhook's dispatcher defaults.
	Workers, PullBatch int
	// ServeFlags are more `flowhook serve` flags for flowhook (e.g.
	// --endpoint-max-concurrency=-1), to try settings.
	ServeFlags []string
	// FlowhookEnv are KEY=VALUE settings added to flowhook's environment
	// (GOGC=200, GOMEMLIMIT=64MiB, ...), to try runtime settings.
	FlowhookEnv []string
	// NoNodeStats runs flowhook without its node-stats aggregation (which
	// serve runs by default), to show what it costs.
	NoNodeStats bool
	// ProfileDir, when set, receives a CPU and an allocation profile of
	// every process during flowhook's first drain (which profiling slows
	// down), named <process>.cpu.pprof and <process>.allocs.pprof, and of
	// flowhook over many endpoints (spread-flowhook.*.pprof).
	ProfileDir string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Verbose copies the children's standard error to Log.
	Verbose bool
}

// allSystems are the systems in the order each repetition runs them.
var allSystems = []string{roleRawJS, roleRawHTTP, roleNaive, roleTuned, roleFastNaive, roleFlowhook}

func (o Options) withDefaults() Options {
	full := struct {
		events, reps, endpoints, accounts int
		rates                             []int
		dur                               time.Duration
	}{100_000, 3, 10_000, 1000, []int{1000, 5000, 10_000}, 5 * time.Second}
	if o.Quick {
		full.events, full.reps, full.endpoints, full.accounts, full.rates, full.dur = 2000, 1, 200, 100, []int{1000}, time.Second
	}
	if o.Accounts == 0 {
		o.Accounts = full.accounts
	}
	if o.Events <= 0 {
		o.Events = full.events
	}
	if o.Reps <= 0 {
		o.Reps = full.reps
	}
	if len(o.Rates) == 0 {
		o.Rates = full.rates
	}
	if o.RateDuration <= 0 {
		o.RateDuration = full.dur
	}
	if o.Endpoints == 0 {
		o.Endpoints = full.endpoints
	}
	if len(o.Systems) == 0 {
		o.Systems = allSystems
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

func (o Options) validate() error {
	if len(o.Command) == 0 {
		return errors.New("bench: no command to start child processes")
	}
	for _, s := range o.Systems {
		if !slices.Contains(allSystems, s) {
			return fmt.Errorf("bench: unknown system %q (want %v)", s, allSystems)
		}
	}
	for _, r := range o.Rates {
		if r <= 0 {
			return fmt.Errorf("bench: rate %d is not positive", r)
		}
	}
	if o.Endpoints > 250*256 {
		return fmt.Errorf("bench: at most %d endpoints", 250*256)
	}
	return nil
}

func (o Options) runs(system string) bool { return slices.Contains(o.Systems, system) }
