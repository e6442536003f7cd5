package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/nodestats"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestStatsCredentialsRejected: a node whose endpoint started answering
// 401 after a success is flagged "credentials rejected since <time>, N
// times" by flowhook stats, in the node's detail, under a flow's table and
// in the JSON views; its sibling that still works is not.
func TestStatsCredentialsRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
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
	since := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
	outcomes := []flowevent.Outcome{
		{NodeID: "erp", Route: flowevent.RouteYes, Reason: flowevent.ReasonMatched, Success: true, Status: 200, CompletedAt: since.Add(-time.Minute)},
		{NodeID: "erp", Route: flowevent.RouteNo, Reason: flowevent.ReasonAuthFailed, Status: 401, CompletedAt: since},
		{NodeID: "erp", Route: flowevent.RouteNo, Reason: flowevent.ReasonAuthFailed, Status: 401, CompletedAt: since.Add(time.Minute)},
		{NodeID: "erp", Route: flowevent.RouteNo, Reason: flowevent.ReasonTimeout, CompletedAt: since.Add(2 * time.Minute)},
		{NodeID: "erp", Route: flowevent.RouteNo, Reason: flowevent.ReasonAuthFailed, Status: 403, CompletedAt: since.Add(3 * time.Minute)},
		{NodeID: "crm", Route: flowevent.RouteNo, Reason: flowevent.ReasonAuthFailed, Status: 401, CompletedAt: since},
		{NodeID: "crm", Route: flowevent.RouteNo, Reason: flowevent.ReasonStatusMismatch, Status: 422, CompletedAt: since.Add(time.Minute)},
	}
	for i, o := range outcomes {
		o.Account, o.FlowID, o.Attempts, o.DurationMS = "shop", "sync", 1, 20
		m, err := flowevent.NewOutcomeMsg(flowevent.Event{ID: fmt.Sprintf("cred-%d", i)}, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	waitCounted(t, stats, uint64(len(outcomes)))
	url := srv.ClientURL()

	want := "CREDENTIALS REJECTED since " + since.Format(time.RFC3339)
	code, out, errOut := runCommand(t.Context(), "stats", "--nats-url", url, "--account", "shop", "--flow", "sync", "--node-id", "erp")
	if code != exitOK || !strings.Contains(out, "credentials     "+want) || !strings.Contains(out, ", 3 times, last 7m") {
		t.Errorf("node detail (exit %d, %s):\n%s", code, errOut, out)
	}
	code, out, _ = runCommand(t.Context(), "stats", "--nats-url", url, "--account", "shop", "--flow", "sync", "--node-id", "crm")
	if code != exitOK || !strings.Contains(out, "credentials     not rejected") {
		t.Errorf("a node accepted since its rejection is still flagged:\n%s", out)
	}
	code, out, _ = runCommand(t.Context(), "stats", "--nats-url", url, "--account", "shop", "--flow", "sync")
	if code != exitOK || !strings.Contains(out, "sync / erp: "+want) || strings.Contains(out, "sync / crm: ") {
		t.Errorf("flow report:\n%s", out)
	}
	code, out, _ = runCommand(t.Context(), "stats", "--nats-url", url, "--account", "shop", "--worst", "--json")
	var rep nodestats.Report
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("--json: exit %d %s", code, out)
	}
	if len(rep.Nodes) != 2 || rep.Nodes[0].NodeID != "erp" || rep.Nodes[0].CredentialsRejected == nil ||
		rep.Nodes[0].CredentialsRejected.Times != 3 || !rep.Nodes[0].CredentialsRejected.Since.Equal(since) ||
		rep.Total.CredentialsRejected == nil || rep.Total.CredentialsRejected.Nodes != 1 {
		t.Errorf("--worst --json: %s", out)
	}
}
