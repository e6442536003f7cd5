package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/internal/testsupport/syncbuf"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer = syncbuf.Buffer

// logLines decodes the JSON log lines captured in b.
func logLines(t *testing.T, b *syncBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split(b.Bytes(), []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// startAppWithLog is startApp with a logger.
func startAppWithLog(t *testing.T, cfg app.Config, logger zerolog.Logger) *app.App {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, cfg, logger)
	if err != nil {
		cancel()
		t.Fatalf("app.Start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := a.Wait(); err != nil {
			t.Errorf("app stopped with %v", err)
		}
	})
	return a
}

// waitStoredOutcomes waits until the consumer has nothing pending and at
// least want outcomes are stored, and returns them by request id.
func waitStoredOutcomes(t *testing.T, js jetstream.JetStream, want int, timeout time.Duration) map[string][]flowevent.Outcome {
	t.Helper()
	ctx := context.Background()
	poll.UntilNoError(t, timeout, func() error {
		s, err := js.Stream(ctx, bus.DefaultOutcomeStream)
		if err != nil {
			t.Fatal(err)
		}
		ci := requestBacklog(t, js)
		if stored := int(s.CachedInfo().State.Msgs); stored < want || ci.Pending != 0 || ci.AckPending != 0 {
			return fmt.Errorf("%d outcomes stored, want %d (pending %d, ack pending %d)", stored, want, ci.Pending, ci.AckPending)
		}
		return nil
	})
	outs := map[string][]flowevent.Outcome{}
	for _, m := range readStream(t, js, bus.DefaultOutcomeStream) {
		_, o, err := flowevent.DecodeOutcome(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
		if err != nil {
			t.Fatalf("stored outcome does not decode: %v", err)
		}
		outs[o.RequestID] = append(outs[o.RequestID], o)
	}
	return outs
}

// readStream returns every message stored on stream.
func readStream(t *testing.T, js jetstream.JetStream, stream string) []jetstream.Msg {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	total := int(s.CachedInfo().State.Msgs)
	if total == 0 {
		return nil
	}
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for len(out) < total {
		batch, err := c.Fetch(total-len(out), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		before := len(out)
		for m := range batch.Messages() {
			out = append(out, m)
		}
		if len(out) == before {
			t.Fatalf("read %d of %d messages of %s", len(out), total, stream)
		}
	}
	return out
}

// requestBacklog sums the counts of the request stream's lanes (every
// consumer of it but the schedule counter), whatever its partitions.
func requestBacklog(t *testing.T, js jetstream.JetStream) bus.Backlog {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, bus.DefaultRequestStream)
	if err != nil {
		t.Fatal(err)
	}
	var b bus.Backlog
	infos := s.ListConsumers(ctx)
	for ci := range infos.Info() {
		if ci.Name == (bus.Topology{}).ScheduleCounterName() {
			continue
		}
		b.Pending += ci.NumPending
		b.AckPending += uint64(ci.NumAckPending)
		b.Redelivered += uint64(ci.NumRedelivered)
	}
	if err := infos.Err(); err != nil {
		t.Fatal(err)
	}
	return b
}
