package app_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// malformed describes the bad inputs published by publishMalformed.
type malformed struct {
	total       int
	withOutcome int
	// outcomeIDs are the request ids that must still get an outcome,
	// with the route each must take.
	outcomeIDs map[string]flowevent.Route
}

func publishMalformed(t *testing.T, nc *nats.Conn) malformed {
	t.Helper()
	structured := func(body string) *nats.Msg {
		m := nats.NewMsg(flowevent.RequestSubject("acme"))
		m.Header.Set("Content-Type", flowevent.ContentTypeStructured)
		m.Data = []byte(body)
		return m
	}
	validData := func(on string) string {
		b, _ := json.Marshal(map[string]any{
			"account": "acme", "flow_id": "flow-1", "node_id": "n-bad",
			"profile": map[string]any{"id": "p-bad"},
			"node":    map[string]any{"on_error": on, "timeout_ms": "not-a-number"},
		})
		return string(b)
	}
	msgs := []*nats.Msg{
		// Not JSON at all: no ids, dead letter only.
		structured("this is not a cloudevent"),
		// A CloudEvent without an id.
		structured(`{"specversion":"1.0","source":"x","type":"` + flowevent.RequestType + `","data":{}}`),
		// A CloudEvent whose data names a profile at a node but does not
		// decode: dead letter AND an outcome on the node's error action.
		structured(`{"specversion":"1.0","id":"bad-data-1","source":"flows/flow-1/nodes/n-bad","subject":"p-bad","type":"` +
			flowevent.RequestType + `","datacontenttype":"application/json","data":` + validData("exit") + `}`),
		// The same with an unreadable error action: the documented default.
		structured(`{"specversion":"1.0","id":"bad-data-2","source":"flows/flow-1/nodes/n-bad","subject":"p-bad","type":"` +
			flowevent.RequestType + `","datacontenttype":"application/json","data":` + validData("sideways") + `}`),
	}
	// Binary mode with data that is not JSON.
	bin := nats.NewMsg(flowevent.RequestSubject("acme"))
	bin.Header.Set("ce-specversion", "1.0")
	bin.Header.Set("ce-id", "bad-binary-1")
	bin.Header.Set("ce-source", "flows/flow-1/nodes/n-bad")
	bin.Header.Set("ce-type", flowevent.RequestType)
	bin.Header.Set("ce-datacontenttype", "application/json")
	bin.Data = []byte("{not json")
	msgs = append(msgs, bin)

	ctx := context.Background()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatalf("publish malformed: %v", err)
		}
	}
	return malformed{
		total:       len(msgs),
		withOutcome: 2,
		outcomeIDs:  map[string]flowevent.Route{"bad-data-1": flowevent.RouteExit, "bad-data-2": flowevent.DefaultErrorAction},
	}
}

// check verifies that every malformed input is dead-lettered with a
// reason, and that those naming a profile at a node got their outcome.
func (b malformed) check(t *testing.T, js jetstream.JetStream, outs map[string][]flowevent.Outcome) {
	t.Helper()
	dls := readAll(t, js, bus.DefaultDeadLetterStream, func(m jetstream.Msg) (string, flowevent.DeadLetter) {
		_, d, err := flowevent.DecodeDeadLetter(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
		if err != nil {
			t.Fatalf("dead letter does not decode: %v", err)
		}
		return "all", d
	})["all"]
	if len(dls) != b.total {
		t.Fatalf("%d dead letters, want %d", len(dls), b.total)
	}
	published := 0
	for _, d := range dls {
		if d.Reason != flowevent.ReasonInvalidEvent || d.Detail == "" || len(d.Original) == 0 {
			t.Errorf("dead letter %+v: want reason invalid_event with detail and original bytes", d)
		}
		if d.OutcomePublished {
			published++
		}
	}
	if published != b.withOutcome {
		t.Errorf("%d dead letters say an outcome was published, want %d", published, b.withOutcome)
	}
	for id, route := range b.outcomeIDs {
		o := outs[id]
		if len(o) != 1 || o[0].Route != route || o[0].Reason != flowevent.ReasonInvalidEvent || o[0].ProfileID != "p-bad" {
			t.Errorf("outcome of malformed %s = %+v, want one %s/invalid_event for p-bad", id, o, route)
		}
	}
}
