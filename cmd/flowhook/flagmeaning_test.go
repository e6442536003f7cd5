package main

import (
	"context"
	"io"
	"sort"
	"strings"
	"testing"
)

// commandFlags returns, for every command, its flags from its help: name ->
// type shown and usage text.
func commandFlags(t *testing.T) map[string]map[string]flagHelp {
	t.Helper()
	out := map[string]map[string]flagHelp{}
	for name, c := range commands {
		var stderr strings.Builder
		c.run(context.Background(), []string{"-h"}, io.Discard, &stderr)
		out[name] = helpFlags(stderr.String())
		if len(out[name]) == 0 && name != "version" {
			t.Errorf("%s -h shows no flags:\n%s", name, stderr.String())
		}
	}
	return out
}

// TestOneMeaningPerFlag: a flag name means one thing in every command that
// has it. The issue: --node was a file in emit and an id in stats and
// replay; --profile a template in emit and a pprof folder in bench; --json
// a switch in render, tail and stats and a file in bench.
func TestOneMeaningPerFlag(t *testing.T) {
	flags := commandFlags(t)
	types := map[string]map[string][]string{} // flag -> type -> commands
	for cmd, fs := range flags {
		for name, h := range fs {
			typ, _, _ := strings.Cut(h.typ, " ")
			if types[name] == nil {
				types[name] = map[string][]string{}
			}
			types[name][typ] = append(types[name][typ], cmd)
		}
	}
	for name, byType := range types {
		if len(byType) > 1 {
			t.Errorf("--%s takes different kinds of value: %v", name, byType)
		}
	}
	// Names whose meaning differed although their kind did not.
	for cmd, fs := range flags {
		if _, ok := fs["node"]; ok && cmd != "emit" {
			t.Errorf("%s has --node: --node is a node configuration file (emit); a node's id is --node-id", cmd)
		}
		if h, ok := fs["profile"]; ok && !strings.Contains(h.text, "profile") {
			t.Errorf("%s --profile is %q: --profile is a sample profile or profile template", cmd, h.text)
		}
	}
	for _, cmd := range []string{"stats", "replay", "tail", "emit", "render", "send"} {
		if _, ok := flags[cmd]["node-id"]; !ok {
			t.Errorf("%s has no --node-id", cmd)
		}
	}
	var names []string
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("flags of every command: %s", strings.Join(names, " "))
}
