package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// demoNode is one Webhook node of the demo flow.
type demoNode struct {
	id      string
	expects string
	config  flowevent.NodeConfig
}

func demoNodes(crmURL, shopURL, downURL string) []demoNode {
	return []demoNode{{
		id:      "push-lead-to-crm",
		expects: "status 200",
		config: flowevent.NodeConfig{
			Method: flowevent.MethodPost,
			URL:    crmURL + "/v1/leads?list=mql",
			Params: []flowevent.Param{
				{Name: "email", From: flowevent.FromProfile, Path: "email"},
				{Name: "first_name", From: flowevent.FromProfile, Path: "first_name"},
				{Name: "lead_score", From: flowevent.FromProfile, Path: "lead_score"},
				{Name: "company", From: flowevent.FromProfile, Path: "company"},
				{Name: "form", From: flowevent.FromEvent, Path: "form.name"},
				{Name: "source", From: flowevent.FromStatic, Value: "flow"},
			},
			Headers: []flowevent.Header{
				{Name: "Authorization", Secret: "crm_token", Prefix: "Bearer "},
			},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
			OnError:  flowevent.RouteNo,
		},
	}, {
		id:      "update-loyalty-tier",
		expects: "status 200 (gets 201)",
		config: flowevent.NodeConfig{
			Method:   flowevent.MethodPut,
			URL:      shopURL + "/customers/tier",
			Params:   []flowevent.Param{{Name: "email", From: flowevent.FromProfile, Path: "email"}, {Name: "tier", From: flowevent.FromStatic, Value: "gold"}},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
			OnError:  flowevent.RouteNo,
		},
	}, {
		id:      "notify-legacy-system",
		expects: `body contains "ok"`,
		config: flowevent.NodeConfig{
			Method:    flowevent.MethodGet,
			URL:       downURL,
			Params:    []flowevent.Param{{Name: "id", From: flowevent.FromProfile, Path: "customer_id"}},
			Response:  flowevent.ResponseCheck{Kind: flowevent.CheckBodyContains, Contains: "ok"},
			OnError:   flowevent.RouteExit,
			TimeoutMS: 2000,
		},
	}}
}

var firstNames = []string{"Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger", "Radia"}

func publish(ctx context.Context, js jetstream.JetStream, n demoNode, seq int) (string, error) {
	name := firstNames[seq%len(firstNames)]
	req := flowevent.Request{
		Account: demoAccount,
		FlowID:  "mql-nurture",
		NodeID:  n.id,
		Node:    n.config,
		Profile: flowevent.Profile{
			ID: fmt.Sprintf("profile-%04d", seq),
			Attributes: map[string]any{
				"email":       fmt.Sprintf("%s.%d@example.com", name, seq),
				"first_name":  name,
				"lead_score":  40 + seq%60,
				"customer_id": fmt.Sprintf("C%06d", seq),
			},
		},
		Trigger: &flowevent.Trigger{Type: "form_submitted", Data: map[string]any{"form": map[string]any{"name": "demo-request"}}},
	}
	id := fmt.Sprintf("demo-%d-%04d", time.Now().UnixNano(), seq)
	msg, err := flowevent.NewRequestMsg(id, req)
	if err != nil {
		return "", err
	}
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		return "", fmt.Errorf("demo: publish: %w", err)
	}
	return id, nil
}

// collect waits until every id has its outcome and counts them.
func collect(ctx context.Context, js jetstream.JetStream, ids []string, s *Summary) error {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	cons, err := js.OrderedConsumer(ctx, "FLOWHOOK_OUTCOMES", jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{flowevent.OutcomeSubjectPrefix + demoAccount + ".>"},
	})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(want) > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: %d outcomes missing after 60s", len(want))
		}
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return err
		}
		for m := range batch.Messages() {
			_, o, err := flowevent.DecodeOutcome(natsMsg(m))
			if err != nil || !want[o.RequestID] {
				continue
			}
			delete(want, o.RequestID)
			t := s.Outcomes[o.NodeID]
			if t == nil {
				t = tally{}
				s.Outcomes[o.NodeID] = t
			}
			t[string(o.Route)+"/"+string(o.Reason)]++
		}
	}
	return nil
}

func natsMsg(m jetstream.Msg) *nats.Msg {
	return &nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()}
}

func natsConnect(url string) (*nats.Conn, error) {
	return nats.Connect(url, nats.Name("flowhook-demo"))
}
