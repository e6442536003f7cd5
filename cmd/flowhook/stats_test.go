package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/nodestats"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// statsServer starts NATS with an aggregator and counts outcomes into it:
// node "welcome" always succeeds, node "crm" fails every other time with a
// timeout, all in flow "onboarding" of account acme.
func statsServer(t *testing.T) string {
	t.Helper()
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := (bus.Topology{}).Ensure(ctx, js); err != nil {
		t.Fatal(err)
	}
	stats, lease, err := nodestats.Ensure(ctx, js, nodestats.Config{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nodestats.NewAggregator(nodestats.Config{}, js, stats, lease, nil, zerolog.Nop()).Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	now := time.Now().UTC()
	for i := range 40 {
		o := flowevent.Outcome{Account: "acme", FlowID: "onboarding", NodeID: "welcome", Route: flowevent.RouteYes,
			Reason: flowevent.ReasonMatched, Success: true, Status: 200, Attempts: 1, DurationMS: 30, CompletedAt: now.Add(-time.Duration(i) * time.Second)}
		if i%2 == 1 {
			o.NodeID = "crm"
			if i%4 != 1 {
				o.Route, o.Reason, o.Success, o.Status, o.Detail, o.Attempts, o.DurationMS =
					flowevent.RouteNo, flowevent.ReasonTimeout, false, 0, "no answer within 5s", 3, 5000
			}
		}
		m, err := flowevent.NewOutcomeMsg(flowevent.Event{ID: fmt.Sprintf("stats-%d", i)}, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	waitCounted(t, stats, 40)
	return srv.ClientURL()
}

func waitCounted(t *testing.T, kv jetstream.KeyValue, seq uint64) {
	t.Helper()
	poll.Until(t, 15*time.Second, fmt.Sprintf("outcomes up to %d are counted", seq), func() bool {
		e, err := kv.Get(context.Background(), "checkpoint")
		return err == nil && string(e.Value()) == fmt.Sprint(seq)
	})
}

func TestStatsCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	url := statsServer(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"one node", []string{"--account", "acme", "--flow", "onboarding", "--node-id", "crm"}, []string{
			"acme / onboarding / crm",
			"passed through  20",
			"routes          yes 10   no 10   exit 0",
			"errors          10 (50.0%)",
			"ERROR SPIKE",
			"reasons         matched 10, timeout 10",
			"retries         20",
			`last error      timeout "no answer within 5s"`,
			"errors/minute",
		}},
		{"one flow", []string{"--account", "acme", "--flow", "onboarding"}, []string{
			"acme / onboarding\n",
			"onboarding  crm ", "onboarding  welcome ",
			"TOTAL       2 nodes",
		}},
		{"worst", []string{"--account", "acme", "--worst", "--limit", "1"}, []string{
			"acme: worst nodes", "onboarding  crm ", "SPIKE", "timeout ",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCommand(t.Context(), "stats", append([]string{"--nats-url", url}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tt.name == "worst" && strings.Contains(out, "welcome") {
				t.Errorf("--limit 1 listed more than the worst node:\n%s", out)
			}
		})
	}

	code, out, errOut := runCommand(t.Context(), "stats", "--nats-url", url, "--account", "acme", "--flow", "onboarding", "--json")
	var rep nodestats.Report
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("--json: exit %d %s %s", code, out, errOut)
	}
	if rep.Total.Total != 40 || rep.Total.Errors != 10 || len(rep.Nodes) != 2 {
		t.Errorf("--json report: total %+v, %d nodes", rep.Total, len(rep.Nodes))
	}
}

func TestStatsCommandErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	url := statsServer(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no account", []string{"--nats-url", url}, exitUsage, "--account is required"},
		{"node without flow", []string{"--nats-url", url, "--account", "acme", "--node-id", "crm"}, exitUsage, "--node-id needs --flow"},
		{"worst with flow", []string{"--nats-url", url, "--account", "acme", "--worst", "--flow", "x"}, exitUsage, "--worst"},
		{"bad limit", []string{"--nats-url", url, "--account", "acme", "--worst", "--limit", "0"}, exitUsage, "--limit"},
		{"unknown node", []string{"--nats-url", url, "--account", "acme", "--flow", "onboarding", "--node-id", "nope"}, exitFailure, "no stats yet"},
		{"unknown account", []string{"--nats-url", url, "--account", "other"}, exitFailure, "no stats yet"},
		{"unknown account, worst", []string{"--nats-url", url, "--account", "other", "--worst"}, exitFailure, "no stats yet"},
		{"unknown account, worst, json", []string{"--nats-url", url, "--account", "other", "--worst", "--json"}, exitFailure, "no stats yet"},
		{"no bucket", []string{"--nats-url", url, "--account", "acme", "--bucket", "missing"}, exitFailure, "unavailable"},
		{"no server", []string{"--nats-url", "nats://127.0.0.1:1", "--account", "acme"}, exitFailure, "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCommand(t.Context(), "stats", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}

// TestStatsTableFits120Columns: the tables of the stats command fit a
// 120-column terminal, for the test's nodes and for busier ones with
// longer ids and failure reasons; ids too long for a column are
// shortened.
func TestStatsTableFits120Columns(t *testing.T) {
	check := func(what, out string) {
		t.Helper()
		for _, l := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(l); n > 120 {
				t.Errorf("%s: a line of %d columns:\n%s", what, n, out)
			}
		}
	}
	if !testing.Short() {
		url := statsServer(t)
		for _, args := range [][]string{{"--flow", "onboarding"}, {"--worst"}, {"--flow", "onboarding", "--node-id", "crm"}} {
			_, out, _ := runCommand(t.Context(), "stats", append([]string{"--nats-url", url, "--account", "acme"}, args...)...)
			check(strings.Join(args, " "), out)
		}
	}
	now := time.Now()
	busy := nodestats.View{
		Account: "acme", FlowID: "onboarding-eu-2", NodeID: "crm-sync-leads", Total: 98765,
		Routes: map[flowevent.Route]uint64{flowevent.RouteYes: 90000, flowevent.RouteNo: 8765, flowevent.RouteExit: 12},
		Hour:   nodestats.Window{Errors: 4321, ErrorRate: 0.437}, Spike: true,
		Latency:   nodestats.Latency{Count: 98765, P50: 1234, P90: 9000, P99: 29999},
		LastError: &nodestats.LastError{Reason: flowevent.ReasonConnectionError, At: now.Add(-59 * time.Minute)},
		ErrorsByMinute: func() []uint32 {
			m := make([]uint32, 60)
			for i := range m {
				m[i] = uint32(i * 7)
			}
			return m
		}(),
	}
	long := busy
	long.FlowID, long.NodeID = strings.Repeat("f", 200), strings.Repeat("n", 256)
	var b strings.Builder
	printReport(&b, nodestats.Report{Account: "acme", Nodes: []nodestats.View{busy, long}, Total: busy}, true, now)
	check("busy nodes", b.String())
	if !strings.Contains(b.String(), "fffffffffffff… ") || !strings.Contains(b.String(), "connection_error 59m") {
		t.Errorf("long ids not shortened or last error missing:\n%s", b.String())
	}
}

func TestSparkline(t *testing.T) {
	if got := sparkline([]uint32{0, 1, 7, 0}); got != "▁▂█▁ max 7" {
		t.Errorf("sparkline = %q", got)
	}
	if got := sparkline(make([]uint32, 3)); got != "▁▁▁ max 0" {
		t.Errorf("flat sparkline = %q", got)
	}
	if got := squeeze([]uint32{1, 2, 3, 4, 5}, 2); fmt.Sprint(got) != "[3 7 5]" {
		t.Errorf("squeeze = %v", got)
	}
}
