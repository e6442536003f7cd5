package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/tools/bench"
)

func init() {
	register("bench", "measure flowhook against a naive pipeline and the machine's ceiling", runBench)
}

// runBench runs the benchmark, or one of its child processes when the
// benchmark started this process as one (bench.ChildEnv is set).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if spec := os.Getenv(bench.ChildEnv); spec != "" {
		return bench.RunChild(ctx, spec, benchServeConfig, os.Stdin, stdout, stderr)
	}
	fs := newFlagSet("bench", "bench [flags]", "flowhook bench --json-out bench.json", stderr)
	bf := bindBenchFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook bench:", err)
		return exitUsage
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "flowhook bench:", err)
		return exitFailure
	}
	o := bf.options()
	o.Command, o.Log = []string{exe, "bench"}, stderr
	start := time.Now()
	rep, err := bench.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "flowhook bench:", err)
		return exitFailure
	}
	if err := rep.WriteTable(stdout); err != nil {
		return exitFailure
	}
	fmt.Fprintf(stderr, "flowhook bench: done in %s\n", time.Since(start).Round(time.Second))
	if bf.jsonOut != "" {
		if err := writeReport(bf.jsonOut, rep); err != nil {
			fmt.Fprintln(stderr, "flowhook bench:", err)
			return exitFailure
		}
	}
	return exitOK
}

// benchFlags are bench's flags.
type benchFlags struct {
	o          bench.Options
	rates      intList
	systems    stringList
	serveFlags string
	fhEnv      stringList
	nodeStats  bool
	fairness   bool
	jsonOut    string
}

func bindBenchFlags(fs *flag.FlagSet) *benchFlags {
	f := &benchFlags{}
	o := &f.o
	fs.BoolVar(&o.Quick, "quick", false, "smoke run: small backlogs, one rep, one short paced rate, 200 endpoints (well under a minute)")
	fs.IntVar(&o.Events, "events", 0, "backlog each system drains per rep (default 100000; quick 2000)")
	fs.IntVar(&o.Reps, "reps", 0, "repetitions; medians and spread are reported (default 3; quick 1)")
	fs.Var(&f.rates, "rates", "paced rates of the latency runs, events/s (default 1000,5000,10000; quick 1000)"+listUsage)
	fs.DurationVar(&o.RateDuration, "rate-duration", 0, "how long each paced rate runs (default 5s; quick 1s)")
	fs.IntVar(&o.Endpoints, "endpoints", 0, "distinct endpoints of flowhook's memory run (default 10000; quick 200; -1 skips it)")
	fs.BoolVar(&f.fairness, "fairness", true, "run flowhook's fairness runs between accounts (a backlog of --events, at least 5000, while another account publishes 200/s)")
	fs.IntVar(&o.Accounts, "accounts", 0, "accounts of the many-accounts fairness run (default 1000; quick 100; -1 skips it)")
	fs.Var(&f.systems, "systems", "systems to run: jetstream, http, naive, tuned, fastnaive, flowhook (default all)"+listUsage)
	fs.StringVar(&o.NATSURL, "external-nats", "", "use this NATS server instead of an embedded one; it must hold no flowhook streams (they are created and deleted)")
	fs.IntVar(&o.Workers, "workers", 0, "flowhook's --workers (default: serve's)")
	fs.IntVar(&o.PullBatch, "pull-batch", 0, "flowhook's --pull-batch (default: serve's)")
	fs.Var(newJoinedList(&f.serveFlags, "", " "), "serve-flags", "more flowhook serve flags for flowhook, space-separated (e.g. \"--endpoint-max-concurrency=-1 --workers=64\"); repeat the flag to add more")
	fs.Var(&f.fhEnv, "flowhook-env", "KEY=VALUE settings added to flowhook's environment (e.g. GOGC=200,GOMEMLIMIT=64MiB)"+listUsage)
	fs.BoolVar(&f.nodeStats, "node-stats", true, "run flowhook's node-stats aggregation, as serve does by default (false shows its cost)")
	fs.StringVar(&f.jsonOut, "json-out", "", "also write the report as JSON to this file")
	fs.StringVar(&o.ProfileDir, "pprof-dir", "", "directory for CPU and allocation profiles (pprof) of every process during flowhook's first drain, and of flowhook over many endpoints (spread-*)")
	fs.BoolVar(&o.Verbose, "verbose", false, "copy the child processes' standard error to stderr")
	return f
}

// options returns the benchmark's options from the parsed flags.
func (f *benchFlags) options() bench.Options {
	o := f.o
	o.Rates, o.Systems = f.rates, f.systems
	o.NoNodeStats, o.FlowhookEnv, o.ServeFlags, o.NoFairness = !f.nodeStats, f.fhEnv, strings.Fields(f.serveFlags), !f.fairness
	return o
}

// benchServeConfig is the configuration flowhook serve runs with for
// args, derived by serve's own flags and defaults, so that the benchmark's
// flowhook is serve's. The environment is not read: the benchmark passes
// what it means to change.
func benchServeConfig(args []string) (app.Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := bindServiceFlags(fs)
	if err := fs.Parse(args); err != nil {
		return app.Config{}, fmt.Errorf("serve flags: %w", err)
	}
	return f.config(), nil
}

func writeReport(name string, rep *bench.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(b, '\n'), 0o644)
}
