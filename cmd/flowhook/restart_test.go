package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

func startServe(t *testing.T, bin, natsURL string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--nats-url", natsURL, "--admin-addr", "",
		"--allow-cidrs", "127.0.0.0/8", "--ack-wait", "4s", "--workers", "20", "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestServeRestartLosesNothing kills a `flowhook serve` process with SIGKILL
// in the middle of a batch, starts a new one, and checks that every request
// event ends with exactly one stored outcome.
func TestServeRestartLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	var hits atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		time.Sleep(2 * time.Millisecond)
		w.WriteHeader(200)
	}))
	defer recv.Close()

	ctx := context.Background()
	if _, err := (bus.Topology{AckWait: 4 * time.Second}).Ensure(ctx, js); err != nil {
		t.Fatal(err)
	}
	const total = 1500
	for i := range total {
		msg, err := flowevent.NewRequestMsg(fmt.Sprintf("restart-%05d", i), flowevent.Request{
			Account: "acme", FlowID: "f", NodeID: "n",
			Node: flowevent.NodeConfig{Method: "POST", URL: recv.URL + "/x",
				Params:   []flowevent.Param{{Name: "email", From: flowevent.FromProfile, Path: "email"}},
				Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, OnError: flowevent.RouteNo},
			Profile: flowevent.Profile{ID: fmt.Sprintf("p%d", i), Attributes: map[string]any{"email": "a@b.c"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.PublishMsg(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	first := startServe(t, bin, srv.ClientURL())
	// Kill the first process once part of the batch is done.
	poll.Until(t, 60*time.Second, "the first process has stored a quarter of the outcomes", func() bool {
		return storedOutcomes(t, js) >= total/4
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt := storedOutcomes(t, js)
	if killedAt >= total {
		t.Fatalf("batch finished before the kill (%d outcomes): make it larger", killedAt)
	}
	second := startServe(t, bin, srv.ClientURL())
	defer func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		_ = second.Wait()
	}()
	poll.UntilNoError(t, 90*time.Second, func() error {
		ci, err := (bus.Topology{AckWait: 4 * time.Second}).Backlog(ctx, js)
		if err != nil {
			t.Fatal(err)
		}
		if n := storedOutcomes(t, js); n < total || ci.Pending != 0 || ci.AckPending != 0 {
			return fmt.Errorf("after restart: %d of %d outcomes stored (pending %d, ack pending %d)", n, total, ci.Pending, ci.AckPending)
		}
		return nil
	})
	seen := map[string]int{}
	c, err := js.OrderedConsumer(ctx, bus.DefaultOutcomeStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < storedOutcomes(t, js); {
		batch, err := c.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			_, o, err := flowevent.DecodeOutcome(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
			if err != nil {
				t.Fatal(err)
			}
			seen[o.RequestID]++
			n++
		}
	}
	for i := range total {
		id := fmt.Sprintf("restart-%05d", i)
		if seen[id] != 1 {
			t.Errorf("%s has %d stored outcomes, want 1", id, seen[id])
		}
	}
	t.Logf("killed at %d/%d outcomes; receiver saw %d requests (%d re-sent after the kill)", killedAt, total, hits.Load(), hits.Load()-total)
}

func storedOutcomes(t *testing.T, js jetstream.JetStream) int {
	t.Helper()
	s, err := js.Stream(context.Background(), bus.DefaultOutcomeStream)
	if err != nil {
		return 0
	}
	return int(s.CachedInfo().State.Msgs)
}
