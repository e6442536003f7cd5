package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

// TestReadmeDocumentsEveryServeFlag keeps the README's configuration
// reference in step with the code: every flag of `flowhook serve` must be
// named there.
func TestReadmeDocumentsEveryServeFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bindServiceFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(string(readme), "`--"+f.Name+"`") {
			t.Errorf("README.md does not document --%s", f.Name)
		}
	})
}

// TestReadmeQuickStartCommands checks that the README's first two commands
// are the demo and the test run, as written.
func TestReadmeQuickStartCommands(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	inBlock := false
	for _, line := range strings.Split(string(readme), "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			inBlock = true
		case strings.HasPrefix(line, "```"):
			inBlock = false
		case inBlock && strings.TrimSpace(line) != "":
			cmds = append(cmds, strings.TrimSpace(line))
		}
	}
	want := []string{"go run ./cmd/flowhook demo", "go test ./..."}
	if len(cmds) < 2 || cmds[0] != want[0] || cmds[1] != want[1] {
		t.Fatalf("README's first commands = %q, want %q", cmds[:min(2, len(cmds))], want)
	}
}
