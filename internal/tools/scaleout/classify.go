package scaleout

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Classes of a request event.
const (
	ClassOK         = "ok"
	ClassLost       = "lost"
	ClassDuplicate  = "duplicate"
	ClassUnexpected = "unexpected"
)

// readOutcomes reads every stored outcome, by request id.
func (c *client) readOutcomes(ctx context.Context, stream string) (map[string][]flowevent.Outcome, error) {
	s, err := c.js.Stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	total := int(s.CachedInfo().State.Msgs)
	out := map[string][]flowevent.Outcome{}
	if total == 0 {
		return out, nil
	}
	oc, err := c.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	// Right after a NATS node came back, the stream's leader may still be
	// settling and a fetch may come back empty: allow several in a row
	// (half a minute) before calling the outcomes unreadable.
	const maxEmpty = 10
	for n, empty := 0, 0; n < total; {
		batch, err := oc.Fetch(1000, jetstream.FetchMaxWait(3*time.Second))
		if err != nil {
			return nil, err
		}
		got := 0
		for m := range batch.Messages() {
			_, o, err := flowevent.DecodeOutcome(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
			if err != nil {
				return nil, fmt.Errorf("scaleout: stored outcome does not decode: %w", err)
			}
			out[o.RequestID] = append(out[o.RequestID], o)
			got++
		}
		if got == 0 {
			if empty++; empty < maxEmpty {
				continue
			}
			return nil, fmt.Errorf("scaleout: read %d of %d outcomes (%d empty fetches in a row)", n, total, empty)
		}
		n, empty = n+got, 0
	}
	return out, nil
}

// classify sorts every published id, and every stored outcome, into a
// class; expect says whether an outcome is the one the run expects.
func classify(ids []string, outcomes map[string][]flowevent.Outcome, expect func(flowevent.Outcome) bool) (counts map[string]int, examples map[string][]string) {
	counts = map[string]int{ClassOK: 0, ClassLost: 0, ClassDuplicate: 0, ClassUnexpected: 0}
	examples = map[string][]string{}
	note := func(class, id string) {
		counts[class]++
		if class != ClassOK && len(examples[class]) < 5 {
			examples[class] = append(examples[class], id)
		}
	}
	published := make(map[string]bool, len(ids))
	for _, id := range ids {
		published[id] = true
		switch got := outcomes[id]; {
		case len(got) == 0:
			note(ClassLost, id)
		case len(got) > 1:
			note(ClassDuplicate, id)
		case !expect(got[0]):
			note(ClassUnexpected, id)
		default:
			note(ClassOK, id)
		}
	}
	var strays []string
	for id := range outcomes {
		if !published[id] {
			strays = append(strays, id)
		}
	}
	sort.Strings(strays)
	for _, id := range strays {
		note(ClassUnexpected, id)
	}
	return counts, examples
}
