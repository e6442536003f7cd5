package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/signature"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// optKey is the signing key of the end-to-end test (the Standard Webhooks
// reference libraries' test key).
const optKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// optCaptured is a value only the receiver knows: it must reach the
// outcome and nothing else (no log line).
const optCaptured = "crm-L-2291-captured"

// optReceivers are real endpoints that check what arrives as an
// integrator's code would, and note every complaint.
type optReceivers struct {
	mu       sync.Mutex
	problems []string
	hits     map[string]int
}

func (o *optReceivers) complain(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.problems = append(o.problems, fmt.Sprintf(format, args...))
}

func (o *optReceivers) hit(path string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hits[path]++
}

// handler routes the receivers by path.
func (o *optReceivers) handler(key signature.Key) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o.hit(r.URL.Path)
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		switch r.URL.Path {
		case "/crm/leads":
			o.jsonLead(w, r, body)
		case "/forms/42":
			o.form(w, r, body)
		case "/status":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"job": {"status": "queued", "id": 7}}`))
		case "/conflict":
			w.WriteHeader(http.StatusConflict)
		case "/signed":
			if err := key.Verify(r.Header, body, time.Now(), 0); err != nil {
				o.complain("signed %s %s: %v", r.Method, r.URL.Path, err)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case "/plain":
			if r.URL.Query().Get("email") != "grace@example.com" || len(body) != 0 || r.Header.Get("Content-Type") != "" {
				o.complain("plain: query %q, body %q, content type %q", r.URL.RawQuery, body, r.Header.Get("Content-Type"))
			}
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}
}

// jsonLead decodes a JSON lead strictly, checks every field's type and
// value, and answers 201 with a JSON body to capture from.
func (o *optReceivers) jsonLead(w http.ResponseWriter, r *http.Request, body []byte) {
	var lead struct {
		Customer struct {
			Email   string            `json:"email"`
			Score   float64           `json:"score"`
			Big     json.Number       `json:"big"`
			VIP     bool              `json:"vip"`
			Phone   *string           `json:"phone"`
			Address map[string]string `json:"address"`
		} `json:"customer"`
		Order struct {
			ID    string `json:"id"`
			Items []struct {
				SKU string `json:"sku"`
				Qty int    `json:"qty"`
			} `json:"items"`
		} `json:"order"`
		Source string `json:"source"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	c := &lead.Customer
	switch err := dec.Decode(&lead); {
	case err != nil:
		o.complain("json lead does not decode: %v: %s", err, body)
	case r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.URL.RawQuery != "api_version=2024-10":
		o.complain("json lead: %s %q ?%s", r.Method, r.Header.Get("Content-Type"), r.URL.RawQuery)
	case c.Email != "grace@example.com" || c.Score != 87.5 || c.Big != "12345678901234567890" || !c.VIP || c.Phone != nil ||
		c.Address["city"] != "Arlington" || lead.Order.ID != "o-77" || len(lead.Order.Items) != 1 ||
		lead.Order.Items[0].Qty != 2 || lead.Source != "flowhook":
		o.complain("json lead values: %s", body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, `{"result": {"status": "accepted", "id": %q, "score": 87.50, "tags": ["b2b", "vip"], "owner": null,
		"history": %q}}`, optCaptured, strings.Repeat("h", 2000))
}

// form parses a form PUT as net/http does.
func (o *optReceivers) form(w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := r.ParseForm(); err != nil {
		o.complain("form: %v", err)
	}
	f := r.PostForm
	if r.Method != http.MethodPut || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		f.Get("email") != "grace@example.com" || f.Get("first name") != "Grace & Co" || f.Get("score") != "87.50" ||
		len(f["tags[]"]) != 2 || f["tags[]"][1] != "b2b" || r.URL.Query().Get("static") != "1" {
		o.complain("form: %s %q ?%s %v", r.Method, r.Header.Get("Content-Type"), r.URL.RawQuery, f)
	}
	w.WriteHeader(http.StatusAccepted)
}

// TestRicherRequestsEndToEnd runs nodes using each opt-in option, and an
// old-style node beside them, through the real service on in-process NATS
// against real receivers.
func TestRicherRequestsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	key, err := signature.ParseKey(optKey)
	if err != nil {
		t.Fatal(err)
	}
	recv := &optReceivers{hits: map[string]int{}}
	hs := httptest.NewServer(recv.handler(key))
	t.Cleanup(hs.Close)

	secrets := t.TempDir()
	if err := os.Mkdir(filepath.Join(secrets, "acme"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(secrets, "acme", "hook_key"), []byte(optKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(srv.ClientURL())
	cfg.Secrets.Dir = secrets
	logs := &syncBuffer{}
	startAppWithLog(t, cfg, zerolog.New(logs).Level(zerolog.DebugLevel))

	u := hs.URL
	p := func(name string, from flowevent.ParamSource, pathOrValue string) flowevent.Param {
		if from == flowevent.FromStatic {
			return flowevent.Param{Name: name, From: from, Value: pathOrValue}
		}
		return flowevent.Param{Name: name, From: from, Path: pathOrValue}
	}
	equals := func(ptr, v string) flowevent.ResponseCheck {
		return flowevent.ResponseCheck{Kind: flowevent.CheckJSONEquals, Pointer: ptr, Equals: json.RawMessage(v)}
	}
	signing := &flowevent.Signing{Scheme: flowevent.SigningStandardWebhooks, Secret: "hook_key"}
	cases := []struct {
		id      string
		node    flowevent.NodeConfig
		route   flowevent.Route
		reason  flowevent.Reason
		detail  string
		capture map[string]string
		missing map[string]flowevent.CaptureMiss
	}{
		{id: "json-lead", node: flowevent.NodeConfig{
			Method: "POST", URL: u + "/crm/leads?api_version=2024-10", Body: flowevent.BodyJSON,
			Params: []flowevent.Param{
				p("customer.email", flowevent.FromProfile, "email"), p("customer.score", flowevent.FromProfile, "score"),
				p("customer.big", flowevent.FromProfile, "big"), p("customer.vip", flowevent.FromProfile, "vip"),
				p("customer.phone", flowevent.FromProfile, "phone"), p("customer.address", flowevent.FromProfile, "address"),
				p("order.id", flowevent.FromEvent, "order.id"), p("order.items", flowevent.FromEvent, "order.items"),
				p("source", flowevent.FromStatic, "flowhook"),
			},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatusIn, Statuses: []int{200, 201, 202}},
			Capture: []flowevent.CaptureField{{Name: "crm_id", Pointer: "/result/id"}, {Name: "score", Pointer: "/result/score"},
				{Name: "tags", Pointer: "/result/tags"}, {Name: "owner", Pointer: "/result/owner"},
				{Name: "history", Pointer: "/result/history"}, {Name: "phone", Pointer: "/result/phone"}},
			OnError: flowevent.RouteNo,
		}, route: flowevent.RouteYes, reason: flowevent.ReasonMatched,
			capture: map[string]string{"crm_id": `"` + optCaptured + `"`, "score": "87.50", "tags": `["b2b","vip"]`, "owner": "null"},
			missing: map[string]flowevent.CaptureMiss{"history": flowevent.CaptureTooLarge, "phone": flowevent.CaptureAbsent}},
		{id: "form-put", node: flowevent.NodeConfig{
			Method: "PUT", URL: u + "/forms/42?static=1", Body: flowevent.BodyForm,
			Params: []flowevent.Param{p("email", flowevent.FromProfile, "email"), p("first name", flowevent.FromStatic, "Grace & Co"),
				p("score", flowevent.FromProfile, "score"), p("tags[]", flowevent.FromStatic, "news"), p("tags[]", flowevent.FromStatic, "b2b")},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatusClass, Class: "2xx"}, OnError: flowevent.RouteExit,
		}, route: flowevent.RouteYes, reason: flowevent.ReasonMatched},
		{id: "json-equals-match", node: flowevent.NodeConfig{
			Method: "GET", URL: u + "/status", Response: equals("/job/status", `"queued"`), OnError: flowevent.RouteNo,
			Capture: []flowevent.CaptureField{{Name: "job_id", Pointer: "/job/id"}},
		}, route: flowevent.RouteYes, reason: flowevent.ReasonMatched, capture: map[string]string{"job_id": "7"}},
		{id: "json-equals-mismatch", node: flowevent.NodeConfig{
			Method: "GET", URL: u + "/status", Response: equals("/job/status", `"accepted"`), OnError: flowevent.RouteExit,
			Capture: []flowevent.CaptureField{{Name: "job_id", Pointer: "/job/id"}},
		}, route: flowevent.RouteExit, reason: flowevent.ReasonBodyMismatch, detail: `field "/job/status" differs from the expected string`},
		{id: "json-equals-type", node: flowevent.NodeConfig{
			Method: "GET", URL: u + "/status", Response: equals("/job/id", `"7"`), OnError: flowevent.RouteNo,
		}, route: flowevent.RouteNo, reason: flowevent.ReasonBodyMismatch, detail: `field "/job/id" is a number, expected a string`},
		{id: "status-in-mismatch", node: flowevent.NodeConfig{
			Method: "POST", URL: u + "/conflict", Body: flowevent.BodyJSON, Params: []flowevent.Param{p("email", flowevent.FromProfile, "email")},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatusIn, Statuses: []int{200, 201}}, OnError: flowevent.RouteExit,
		}, route: flowevent.RouteExit, reason: flowevent.ReasonStatusMismatch, detail: "expected status one of 200, 201, got 409"},
		{id: "class-mismatch", node: flowevent.NodeConfig{
			Method: "DELETE", URL: u + "/conflict", Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatusClass, Class: "2xx"}, OnError: flowevent.RouteNo,
		}, route: flowevent.RouteNo, reason: flowevent.ReasonStatusMismatch, detail: "expected status 2xx, got 409"},
		{id: "signed-json", node: flowevent.NodeConfig{
			Method: "POST", URL: u + "/signed", Body: flowevent.BodyJSON, Signing: signing,
			Params:   []flowevent.Param{p("profile.email", flowevent.FromProfile, "email"), p("event", flowevent.FromStatic, "reached <node> & more")},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 204}, OnError: flowevent.RouteNo,
		}, route: flowevent.RouteYes, reason: flowevent.ReasonMatched},
		{id: "signed-query", node: flowevent.NodeConfig{
			Method: "GET", URL: u + "/signed?x=1", Signing: signing, Params: []flowevent.Param{p("email", flowevent.FromProfile, "email")},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 204}, OnError: flowevent.RouteNo,
		}, route: flowevent.RouteYes, reason: flowevent.ReasonMatched},
		{id: "signed-missing-secret", node: flowevent.NodeConfig{
			Method: "POST", URL: u + "/signed", Body: flowevent.BodyJSON,
			Signing:  &flowevent.Signing{Scheme: flowevent.SigningStandardWebhooks, Secret: "nope"},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 204}, OnError: flowevent.RouteExit,
		}, route: flowevent.RouteExit, reason: flowevent.ReasonSecretMissing, detail: `secret "nope" for signing not found`},
		{id: "get-with-body", node: flowevent.NodeConfig{
			Method: "GET", URL: u + "/plain", Body: flowevent.BodyJSON,
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, OnError: flowevent.RouteNo,
		}, route: flowevent.RouteNo, reason: flowevent.ReasonInvalidConfig},
		{id: "old-style", node: flowevent.NodeConfig{
			Method: "POST", URL: u + "/plain", Params: []flowevent.Param{p("email", flowevent.FromProfile, "email")},
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, OnError: flowevent.RouteNo,
		}, route: flowevent.RouteYes, reason: flowevent.ReasonMatched},
	}
	for _, c := range cases {
		publishOptRequest(t, js, c.id, c.node)
	}
	outs := waitStoredOutcomes(t, js, len(cases), 30*time.Second)

	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			got := outs[c.id]
			if len(got) != 1 {
				t.Fatalf("%d outcomes, want 1", len(got))
			}
			o := got[0]
			if o.Route != c.route || o.Reason != c.reason || (c.detail != "" && o.Detail != c.detail) {
				t.Fatalf("outcome %s/%s %q, want %s/%s %q", o.Route, o.Reason, o.Detail, c.route, c.reason, c.detail)
			}
			if len(o.Captured) != len(c.capture) {
				t.Errorf("captured %v, want %v", o.Captured, c.capture)
			}
			for k, v := range c.capture {
				if string(o.Captured[k]) != v {
					t.Errorf("captured %s = %s, want %s", k, o.Captured[k], v)
				}
			}
			if len(o.CaptureMissing) != len(c.missing) {
				t.Errorf("capture_missing %v, want %v", o.CaptureMissing, c.missing)
			}
			for k, v := range c.missing {
				if o.CaptureMissing[k] != v {
					t.Errorf("capture_missing %s = %q, want %q", k, o.CaptureMissing[k], v)
				}
			}
			if strings.Contains(o.Detail, "queued") || strings.Contains(o.Detail, "grace@") {
				t.Errorf("detail %q quotes the receiver's or the profile's data", o.Detail)
			}
		})
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	for _, p := range recv.problems {
		t.Errorf("receiver: %s", p)
	}
	if recv.hits["/signed"] != 2 || recv.hits["/crm/leads"] != 1 || recv.hits["/forms/42"] != 1 || recv.hits["/plain"] != 1 {
		t.Errorf("receivers hit %v", recv.hits)
	}
	if log := logs.Bytes(); bytes.Contains(log, []byte(optCaptured)) || bytes.Contains(log, []byte("grace@example.com")) {
		t.Errorf("a log line holds a captured value or profile data")
	}
}

// publishOptRequest publishes one request event for node, for a profile
// with typed attributes and an order event.
func publishOptRequest(t *testing.T, js jetstream.JetStream, id string, n flowevent.NodeConfig) {
	t.Helper()
	var attrs, data map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"email": "grace@example.com", "score": 87.50, "big": 12345678901234567890,
		"vip": true, "address": {"city": "Arlington"}}`))
	dec.UseNumber()
	if err := dec.Decode(&attrs); err != nil {
		t.Fatal(err)
	}
	dec = json.NewDecoder(strings.NewReader(`{"order": {"id": "o-77", "items": [{"sku": "A-1", "qty": 2}]}}`))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		t.Fatal(err)
	}
	msg, err := flowevent.NewRequestMsg(id, flowevent.Request{
		Account: "acme", FlowID: "flow-opt", NodeID: id, Node: n,
		Profile: flowevent.Profile{ID: "p-" + id, Attributes: attrs},
		Trigger: &flowevent.Trigger{Type: "order.placed", Data: data},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
}
