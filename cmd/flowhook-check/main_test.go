package main

import (
	"io"
	"slices"
	"testing"
)

// TestScenariosFlagAccumulates: -scenarios given twice keeps both, as does
// one comma-separated value.
func TestScenariosFlagAccumulates(t *testing.T) {
	for _, args := range [][]string{
		{"-scenarios", "poison", "-scenarios", "sigterm,nats-restart"},
		{"-scenarios", "poison,sigterm", "-scenarios", "nats-restart"},
		{"-scenarios", "poison, sigterm, nats-restart"},
	} {
		p, err := parse(args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"poison", "sigterm", "nats-restart"}; !slices.Equal(p.Scenarios, want) {
			t.Errorf("%q: scenarios %q, want %q", args, p.Scenarios, want)
		}
	}
}
