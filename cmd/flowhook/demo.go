package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/tools/demo"
)

func init() { register("demo", "show the whole path on local endpoints in one command", runDemo) }

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", "demo [flags]", "flowhook demo --profiles 20", stderr)
	profiles := fs.Int("profiles", 10, "sample profiles sent to each of the three nodes")
	verbose := fs.Bool("verbose", false, "also print flowhook's own log lines (console format)")
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook demo:", err)
		return exitUsage
	}
	log := zerolog.Nop()
	if *verbose {
		log, _ = newLogger(stderr, "console", "info") // colours only on a terminal
	}
	if _, err := demo.Run(ctx, stdout, demo.Options{Profiles: *profiles, Log: log}); err != nil {
		fmt.Fprintln(stderr, "flowhook demo:", err)
		return exitFailure
	}
	return exitOK
}
