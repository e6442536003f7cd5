// Command flowhook is the webhook dispatcher for a marketing-automation flow
// engine on NATS JetStream, and the tools around it.
//
//	flowhook serve      run the dispatcher (embedded NATS unless --nats-url is set)
//	flowhook demo       show the whole path on local endpoints, in one command
//	flowhook validate   check a node configuration or a request event
//
// Run "flowhook <command> -h" for a command's flags. Every flag can also be
// set by an environment variable: FLOWHOOK_ followed by the flag's name in
// upper case with dashes as underscores (--nats-url -> FLOWHOOK_NATS_URL).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes scripts can rely on.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and found a problem (invalid input, failed send)
	exitUsage   = 2 // bad flags or arguments
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands holds every subcommand; each command's file registers itself
// with register in an init function, so that commands stay independent.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{summary, run}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "flowhook: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cmd.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: flowhook <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery flag may also be set as FLOWHOOK_<FLAG_NAME> in the environment.")
}

// newFlagSet returns a flag set whose usage shows an example.
func newFlagSet(name, synopsis, example string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: flowhook %s\n\n", synopsis)
		if example != "" {
			fmt.Fprintf(stderr, "example:\n  %s\n\n", example)
		}
		fmt.Fprintln(stderr, "flags (each also settable as FLOWHOOK_<NAME>):")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, then fills every flag not given on the command
// line from its FLOWHOOK_* environment variable.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
		}
	})
	return errors.Join(errs...)
}

// envName maps a flag name to its environment variable.
func envName(flagName string) string {
	return "FLOWHOOK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}
