package flowevent

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// sampleRequest is a realistic request: 6 parameters, 2 headers, about ten
// profile attributes and a triggering event with nested data.
func sampleRequest() Request {
	return Request{
		Account: "acme",
		FlowID:  "flow-42",
		NodeID:  "node-7",
		Node: NodeConfig{
			Method: MethodPost,
			URL:    "https://crm.example.com/v1/leads?source=flows",
			Params: []Param{
				{Name: "email", From: FromProfile, Path: "email"},
				{Name: "first_name", From: FromProfile, Path: "first_name"},
				{Name: "score", From: FromProfile, Path: "lead_score"},
				{Name: "city", From: FromProfile, Path: "address.city"},
				{Name: "form", From: FromEvent, Path: "form.id"},
				{Name: "campaign", From: FromStatic, Value: "spring"},
			},
			Headers: []Header{
				{Name: "Authorization", Secret: "crm_token", Prefix: "Bearer "},
				{Name: "X-Source", Value: "flowhook"},
			},
			Response: ResponseCheck{Kind: CheckStatus, Status: 201},
			OnError:  RouteNo,
		},
		Profile: Profile{
			ID: "prof-123",
			Attributes: map[string]any{
				"email":      "ada@example.com",
				"first_name": "Ada",
				"last_name":  "Lovelace",
				"lead_score": json.Number("87.50"),
				"company":    "Analytical Engines",
				"vip":        true,
				"tags":       []any{"a", "b"},
				"address":    map[string]any{"city": "London", "zip": "NW1"},
				"phone":      nil,
				"signup":     "2024-01-02T03:04:05Z",
			},
		},
		Trigger: &Trigger{
			Type: "form_submitted",
			Data: map[string]any{"form": map[string]any{"id": "demo-request", "fields": []any{"a"}}},
		},
	}
}

// sampleTraceParent is a valid W3C traceparent.
const sampleTraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// sampleTime is the fixed time of the sample events.
var sampleTime = time.Date(2025, 3, 4, 5, 6, 7, 890000000, time.UTC)

// sampleRequestMsg builds the structured request message of sampleRequest.
func sampleRequestMsg(t testing.TB) *nats.Msg {
	t.Helper()
	msg, err := NewRequestMsg("evt-1", sampleRequest(), WithTime(sampleTime), WithTraceParent(sampleTraceParent), WithTraceState("congo=t61rcWkgMzE"))
	if err != nil {
		t.Fatalf("NewRequestMsg: %v", err)
	}
	return msg
}
