// Command flowhook-check is the fault-injection checker of flowhook's
// delivery guarantees, full version: it builds (or takes) the flowhook
// binary with fault injection (-tags faultinject), runs it as real processes against an in-process NATS JetStream
// server and a recording HTTP receiver, injects one fault per scenario and
// classifies every request event (ok / lost / duplicate outcome /
// unexpected), counting duplicate HTTP deliveries and checking their
// idempotency keys.
//
//	go run ./cmd/flowhook-check -events 2000 -duration 20s
//	go run ./cmd/flowhook-check -scenarios poison,sigterm -v
//
// It exits 0 when every selected scenario kept every guarantee, 1 when one
// did not, 2 on bad flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/flowhook/flowhook/internal/tools/faultcheck"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// parse reads the flags into the checker's parameters; dir is also
// where logs are kept.
func parse(args []string, stderr io.Writer) (faultcheck.Params, error) {
	var p faultcheck.Params
	fs := flag.NewFlagSet("flowhook-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&p.Binary, "bin", "", "flowhook binary to run, built with fault injection: go build -tags faultinject ./cmd/flowhook (default: build it into a temporary directory)")
	fs.IntVar(&p.Events, "events", 1000, "request events per scenario")
	fs.DurationVar(&p.Duration, "duration", 10*time.Second, "window over which each scenario publishes its events; faults land inside it")
	fs.IntVar(&p.Replicas, "replicas", 2, "flowhook processes")
	fs.IntVar(&p.Workers, "workers", 32, "workers per process")
	fs.Func("scenarios", "scenarios to run, repeat the flag or comma-separate (default all: "+strings.Join(faultcheck.Names(), ", ")+")", func(v string) error {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				p.Scenarios = append(p.Scenarios, s)
			}
		}
		return nil
	})
	fs.DurationVar(&p.Timeout, "timeout", 0, "longest wait for every event of a scenario to finish (default 90s + 2 x duration)")
	fs.StringVar(&p.Dir, "dir", "", "keep NATS stores and process logs here (default: a temporary directory, removed)")
	verbose := fs.Bool("v", false, "print progress")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flowhook-check [flags]\n\nexample:\n  go run ./cmd/flowhook-check -events 2000 -duration 20s\n\nflags:")
		fs.PrintDefaults()
	}
	err := fs.Parse(args)
	if *verbose {
		p.Progress = stderr
	}
	return p, err
}

func run(args []string, stdout, stderr io.Writer) int {
	p, err := parse(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if p.Binary == "" {
		tmp, err := os.MkdirTemp("", "flowhook-check-bin-")
		if err != nil {
			fmt.Fprintln(stderr, "flowhook-check:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		if p.Binary, err = faultcheck.Build(tmp); err != nil {
			fmt.Fprintln(stderr, "flowhook-check:", err)
			return 1
		}
	}
	reports, err := faultcheck.Run(ctx, p)
	fmt.Fprint(stdout, faultcheck.Table(reports))
	if err != nil {
		fmt.Fprintln(stderr, "flowhook-check:", err)
		return 1
	}
	failed := false
	for _, r := range reports {
		if !r.Passed() {
			failed = true
			fmt.Fprintf(stdout, "\n%s FAILED: %s\n", r.Scenario, strings.Join(r.Failures, "; "))
			for class, ids := range r.Examples {
				fmt.Fprintf(stdout, "  %s: %v\n", class, ids)
			}
			if p.Dir != "" {
				fmt.Fprintf(stdout, "  logs: %s\n", strings.Join(r.Logs, " "))
			}
		}
	}
	if failed {
		return 1
	}
	return 0
}
