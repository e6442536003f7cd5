package dispatch

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestEventWithoutIDGetsAnOutcome: an input without a CloudEvent id that
// still names a profile at a node is dead-lettered and answered, under an
// id of its stream position, so that its profile does not wait forever.
func TestEventWithoutIDGetsAnOutcome(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 5 * time.Second}, breaker.Settings{})
	data, _ := json.Marshal(map[string]any{"account": "acme", "flow_id": "f", "node_id": "n",
		"profile": map[string]any{"id": "p-anon"}, "node": map[string]any{"on_error": "exit"}})
	m := nats.NewMsg(flowevent.RequestSubject("acme"))
	m.Header.Set("Content-Type", flowevent.ContentTypeStructured)
	m.Data = []byte(`{"specversion":"1.0","source":"flows/f/nodes/n","type":"` + flowevent.RequestType + `","data":` + string(data) + `}`)
	ack, err := r.js.PublishMsg(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	r.run(Config{Workers: 8})
	id := "_seq-" + itoa(ack.Sequence)
	o := r.outcome(id, 10*time.Second)
	if o.Route != flowevent.RouteExit || o.Reason != flowevent.ReasonInvalidEvent || o.ProfileID != "p-anon" || o.RequestID != id {
		t.Fatalf("outcome %+v", o)
	}
	r.waitEmpty(5 * time.Second)
}

// TestLegacyOutcomeIsFound: a redelivered event whose outcome a release
// before account-scoped ids stored (under the old key) is acknowledged
// without a second request or a second outcome.
func TestLegacyOutcomeIsFound(t *testing.T) {
	r := newRig(t, bus.Topology{AckWait: 5 * time.Second}, breaker.Settings{})
	ev := flowevent.Event{ID: "old-1"}
	out := flowevent.Outcome{RequestID: "old-1", Account: "acme", FlowID: "f", NodeID: "n", ProfileID: "p-old-1",
		Route: flowevent.RouteYes, Success: true, Reason: flowevent.ReasonMatched, CompletedAt: time.Now()}
	m, err := flowevent.NewOutcomeMsg(ev, out)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite it as the old release stored it: subject, id and dedup id
	// from the request id alone.
	legacy := flowevent.LegacyOutcomeSubject("acme", "old-1")
	key := legacy[strings.LastIndexByte(legacy, '.')+1:]
	m.Subject = legacy
	m.Header.Set(flowevent.HeaderMsgID, key)
	m.Data = []byte(strings.Replace(string(m.Data), flowevent.OutcomeKey("acme", "old-1"), key, 1))
	if _, _, err := flowevent.DecodeOutcome(m); err != nil {
		t.Fatalf("the legacy outcome does not decode: %v", err)
	}
	if _, err := r.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	// A replay is treated as possibly answered, as a redelivery is.
	req, err := flowevent.NewRequestMsg("old-1", flowevent.Request{Account: "acme", FlowID: "f", NodeID: "n", Node: r.node(flowevent.RouteNo),
		Profile: flowevent.Profile{ID: "p-old-1", Attributes: map[string]any{"id": "old-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(HeaderReplay, time.Now().UTC().Format(time.RFC3339))
	if _, err := r.js.PublishMsg(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	r.run(Config{Workers: 8})
	r.waitEmpty(10 * time.Second)
	if n := len(r.recv.requests("old-1")); n != 0 {
		t.Fatalf("the endpoint got %d requests for an event answered before the upgrade", n)
	}
	s, _ := r.js.Stream(context.Background(), r.topo.OutcomeStream)
	if info, _ := s.Info(context.Background()); info.State.Msgs != 1 {
		t.Fatalf("%d outcomes stored, want the legacy one only", info.State.Msgs)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
