// Command flowhook-scaleout is the scale-out proof, full version: it
// builds (or takes) the flowhook binary, starts a 3-node NATS JetStream
// cluster in process with R3 streams, runs flowhook replica processes each
// connected to a different node, publishes load, SIGKILLs one replica and
// shuts one NATS node down mid-run (both come back), and classifies every
// request event (ok / lost / duplicate outcome / unexpected) and each
// replica's share of the work. With -breaker it also runs the fleet-wide
// breaker comparison: replicas against a dead endpoint, local breakers
// against the fleet-wide one.
//
//	go run ./cmd/flowhook-scaleout -events 60000 -duration 5m -replicas 6
//	go run ./cmd/flowhook-scaleout -breaker -breaker-duration 30s
//
// It exits 0 when every guarantee held, 1 when one did not, 2 on bad
// flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/flowhook/flowhook/internal/tools/faultcheck"
	"github.com/flowhook/flowhook/internal/tools/scaleout"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	bin, dir                  string
	p                         scaleout.Params
	breaker                   bool
	breakerDuration, openTime time.Duration
	verbose                   bool
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("flowhook-scaleout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "bin", "", "flowhook binary to run (default: build ./cmd/flowhook into a temporary directory)")
	fs.StringVar(&o.dir, "dir", "", "keep NATS stores and process logs here (default: a temporary directory, removed)")
	fs.IntVar(&o.p.Events, "events", 10000, "request events published")
	fs.DurationVar(&o.p.Duration, "duration", 60*time.Second, "window over which the events are published; the faults land inside it")
	fs.IntVar(&o.p.Replicas, "replicas", 3, "flowhook processes (spread over the 3 NATS nodes)")
	fs.IntVar(&o.p.Workers, "workers", 32, "workers per process")
	fs.DurationVar(&o.p.ReceiverDelay, "receiver-delay", 2*time.Millisecond, "how long the receiver takes to answer")
	fs.DurationVar(&o.p.Down, "down", 5*time.Second, "how long the killed replica and NATS node stay down")
	fs.DurationVar(&o.p.Timeout, "timeout", 5*time.Minute, "longest wait for every outcome after publishing")
	fs.BoolVar(&o.breaker, "breaker", false, "also compare local and fleet-wide breakers against a dead endpoint")
	fs.DurationVar(&o.breakerDuration, "breaker-duration", 10*time.Second, "window of each dead-endpoint run")
	fs.DurationVar(&o.openTime, "breaker-open", time.Second, "--breaker-open of the dead-endpoint runs")
	fs.BoolVar(&o.verbose, "v", false, "print progress")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flowhook-scaleout [flags]\n\nexample:\n  go run ./cmd/flowhook-scaleout -events 60000 -duration 5m -replicas 6\n\nflags:")
		fs.PrintDefaults()
	}
	return o, fs.Parse(args)
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.verbose {
		o.p.Progress = stderr
	}
	cleanup, err := o.prepare()
	defer cleanup()
	if err != nil {
		fmt.Fprintln(stderr, "flowhook-scaleout:", err)
		return 1
	}
	ok := true
	rep, err := scaleout.Run(ctx, o.p)
	fmt.Fprint(stdout, rep)
	if err != nil {
		fmt.Fprintln(stderr, "flowhook-scaleout:", err)
		return 1
	}
	for _, pr := range rep.Problems() {
		fmt.Fprintln(stdout, "PROBLEM:", pr)
		ok = false
	}
	if o.breaker && !o.compareBreakers(ctx, stdout, stderr) {
		ok = false
	}
	if !ok {
		return 1
	}
	return 0
}

// prepare builds the binary and makes the working directory when they
// were not given; cleanup removes what it made.
func (o *options) prepare() (cleanup func(), err error) {
	var made []string
	cleanup = func() {
		for _, d := range made {
			os.RemoveAll(d)
		}
	}
	if o.dir == "" {
		if o.dir, err = os.MkdirTemp("", "flowhook-scaleout-"); err != nil {
			return cleanup, err
		}
		made = append(made, o.dir)
	}
	o.p.Dir = o.dir + "/cluster"
	if err := os.MkdirAll(o.p.Dir, 0o700); err != nil {
		return cleanup, err
	}
	if o.bin == "" {
		if o.bin, err = faultcheck.Build(o.dir); err != nil {
			return cleanup, err
		}
	}
	o.p.Binary = o.bin
	return cleanup, nil
}

// compareBreakers runs the dead-endpoint comparison and reports whether
// the fleet-wide breaker sent fewer requests than the local ones.
func (o *options) compareBreakers(ctx context.Context, stdout, stderr io.Writer) bool {
	var reps [2]scaleout.BreakerReport
	for i, fleet := range []bool{false, true} {
		dir := fmt.Sprintf("%s/breaker-fleet-%v", o.dir, fleet)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			fmt.Fprintln(stderr, "flowhook-scaleout:", err)
			return false
		}
		rep, err := scaleout.RunBreaker(ctx, scaleout.BreakerParams{Binary: o.bin, Dir: dir, Fleet: fleet, Replicas: o.p.Replicas,
			Open: o.openTime, Duration: o.breakerDuration, Events: int(o.breakerDuration / (10 * time.Millisecond)), Progress: o.p.Progress})
		if err != nil {
			fmt.Fprintln(stderr, "flowhook-scaleout:", err)
			return false
		}
		fmt.Fprintln(stdout, rep)
		reps[i] = rep
	}
	if reps[1].Hits >= reps[0].Hits {
		fmt.Fprintln(stdout, "PROBLEM: the fleet-wide breaker did not spare the dead endpoint")
		return false
	}
	return true
}
