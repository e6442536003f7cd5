package app_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestEventSizeCap: a request event one byte over the cap is dead-lettered
// as event_too_large and still answered with an outcome on the node's error
// action; one exactly at the cap is processed; a large input that names no
// profile is only dead-lettered; and the consumer goes on with the events
// published after them.
func TestEventSizeCap(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	ok := newReceiver(t, 200, "ok")
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())

	sized := func(id, padding string) *nats.Msg {
		n := node(ok.URL, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteExit)
		msg, err := flowevent.NewRequestMsg(id, flowevent.Request{
			Account: "acme", FlowID: "flow-1", NodeID: "n-size", Node: n,
			Profile: flowevent.Profile{ID: "p-" + id, Attributes: map[string]any{"email": "a@example.com", "notes": padding}},
		}, flowevent.WithTime(eventTime)) // a fixed time: its text has a fixed length
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	const padding = 8 << 10
	atCap := sized("cap-at", strings.Repeat("x", padding))
	overCap := sized("cap-ov", strings.Repeat("x", padding)+"y")
	if len(overCap.Data) != len(atCap.Data)+1 {
		t.Fatalf("sizes %d and %d: want one byte apart", len(atCap.Data), len(overCap.Data))
	}
	anonymous := nats.NewMsg(flowevent.RequestSubject("acme"))
	anonymous.Header.Set("Content-Type", flowevent.ContentTypeStructured)
	anonymous.Data = []byte(strings.Repeat("z", 4*len(atCap.Data)))

	cfg := testConfig(srv.ClientURL())
	cfg.Dispatch.MaxEventBytes = len(atCap.Data)
	startAppWithLog(t, cfg, zerolog.Nop())

	msgs := []*nats.Msg{sized("before", ""), overCap, anonymous, atCap}
	const after = 20
	for i := range after {
		msgs = append(msgs, sized(fmt.Sprintf("after-%02d", i), ""))
	}
	for _, m := range msgs {
		if _, err := js.PublishMsg(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	outs := waitStoredOutcomes(t, js, 3+after, 30*time.Second)

	for _, id := range append([]string{"before", "cap-at"}, afterIDs(after)...) {
		if o := outs[id]; len(o) != 1 || o[0].Reason != flowevent.ReasonMatched {
			t.Errorf("%s: outcomes %+v, want one matched", id, o)
		}
	}
	if o := outs["cap-ov"]; len(o) != 1 || o[0].Reason != flowevent.ReasonEventTooLarge ||
		o[0].Route != flowevent.RouteExit || o[0].ProfileID != "p-cap-ov" || o[0].Attempts != 0 {
		t.Errorf("cap-ov: outcomes %+v, want one event_too_large on the node's error action (exit), nothing sent", o)
	}
	if n := ok.hits.Load(); n != int64(2+after) {
		t.Errorf("receiver got %d requests, want %d (the oversized event must not be sent)", n, 2+after)
	}

	dls := readStream(t, js, bus.DefaultDeadLetterStream)
	if len(dls) != 2 {
		t.Fatalf("%d dead letters, want 2", len(dls))
	}
	withOutcome := 0
	for _, m := range dls {
		_, d, err := flowevent.DecodeDeadLetter(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
		if err != nil {
			t.Fatal(err)
		}
		if d.Reason != flowevent.ReasonEventTooLarge || !strings.Contains(d.Detail, "size") || len(d.Original) <= cfg.Dispatch.MaxEventBytes {
			t.Errorf("dead letter %s %q with %d original bytes, want event_too_large naming the size and the whole input", d.Reason, d.Detail, len(d.Original))
		}
		if d.OutcomePublished {
			withOutcome++
			if d.RequestID != "cap-ov" || d.ProfileID != "p-cap-ov" {
				t.Errorf("dead letter with outcome names %q / %q", d.RequestID, d.ProfileID)
			}
		}
	}
	if withOutcome != 1 {
		t.Errorf("%d dead letters report an outcome, want 1 (the anonymous input names no profile)", withOutcome)
	}
}

var eventTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func afterIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("after-%02d", i)
	}
	return ids
}

// TestDeadLetterFitsTheServer: an unreadable input whose dead letter would
// exceed the server's max_payload (the record carries it base64-encoded)
// is still dead-lettered, with its first bytes and its length, and leaves
// the request stream; nothing is lost silently.
func TestDeadLetterFitsTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	const maxPayload = 256 << 10
	emb, err := bus.StartEmbedded(bus.EmbeddedOptions{StoreDir: t.TempDir(), Port: -1, MaxPayload: maxPayload})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	nc, js := bustest.Connect(t, emb.ClientURL())
	cfg := testConfig(emb.ClientURL())
	cfg.Dispatch.MaxEventBytes = maxPayload
	startApp(t, cfg)
	m := nats.NewMsg(flowevent.RequestSubject("acme"))
	m.Header.Set("Content-Type", flowevent.ContentTypeStructured)
	m.Data = bytes.Repeat([]byte("not json "), 200_000/9)
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	var dls []jetstream.Msg
	poll.Until(t, 30*time.Second, "a dead letter is stored", func() bool {
		dls = readStream(t, js, bus.DefaultDeadLetterStream)
		return len(dls) > 0
	})
	_, dl, err := flowevent.DecodeDeadLetter(natsMsg(dls[0]))
	if err != nil {
		t.Fatal(err)
	}
	if dl.Reason != flowevent.ReasonInvalidEvent || dl.Deliveries != 1 {
		t.Errorf("dead letter %s after %d deliveries, want invalid_event at the first", dl.Reason, dl.Deliveries)
	}
	if !dl.OriginalTruncated || dl.OriginalBytes != len(m.Data) || !bytes.HasPrefix(m.Data, dl.Original) || len(dl.Original) == 0 {
		t.Fatalf("dead letter: truncated %v, %d of %d bytes", dl.OriginalTruncated, len(dl.Original), dl.OriginalBytes)
	}
	poll.Until(t, 10*time.Second, "the request backlog is empty", func() bool {
		b := requestBacklog(t, js)
		return b.Pending+b.AckPending == 0
	})
}
