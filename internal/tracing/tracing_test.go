package tracing

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// collector is an OTLP/HTTP JSON receiver that keeps the spans it gets.
type collector struct {
	*httptest.Server
	mu    sync.Mutex
	spans []otlpSpan
	raw   []string
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req otlpRequest
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.raw = append(c.raw, string(body))
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				c.spans = append(c.spans, ss.Spans...)
			}
		}
	}))
	t.Cleanup(c.Close)
	return c
}

const (
	traceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentID = "00f067aa0ba902b7"
)

func request() *flowevent.Request {
	return &flowevent.Request{Account: "acme", FlowID: "flow-1", NodeID: "node-7",
		Profile: flowevent.Profile{ID: "profile-secret-id", Attributes: map[string]any{"email": "ada@example.com"}},
		Node:    flowevent.NodeConfig{Method: flowevent.MethodPost, URL: "https://crm.example/hook?list=secret-list"}}
}

func TestSpanContinuesTheEventsTrace(t *testing.T) {
	col := newCollector(t)
	tr, err := New(Config{Endpoint: col.URL + "/v1/traces"}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		parent      string
		state       string
		wantTrace   string // "" means a new trace
		wantParent  string
		wantSampled bool
	}{
		{"sampled parent", "00-" + traceID + "-" + parentID + "-01", "vendor=abc", traceID, parentID, true},
		{"no parent: new trace", "", "", "", "", true},
		{"unsampled parent: propagated, not recorded", "00-" + traceID + "-" + parentID + "-00", "", traceID, parentID, false},
	}
	var wantSpans []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := flowevent.Event{ID: "ev-" + strings.ReplaceAll(tt.name, " ", "-"), TraceParent: tt.parent, TraceState: tt.state}
			got, end := tr.Start(context.Background(), ev, request())
			if !flowevent.ValidTraceParent(got.TraceParent) {
				t.Fatalf("returned traceparent %q is not valid", got.TraceParent)
			}
			parts := strings.Split(got.TraceParent, "-")
			if tt.wantTrace != "" && parts[1] != tt.wantTrace {
				t.Errorf("trace id %s, want the event's %s", parts[1], tt.wantTrace)
			}
			if parts[2] == parentID {
				t.Errorf("outbound parent is still the event's parent: the span did not take its place")
			}
			if (parts[3] == "01") != tt.wantSampled {
				t.Errorf("flags %s, want sampled=%v", parts[3], tt.wantSampled)
			}
			if got.TraceState != tt.state {
				t.Errorf("tracestate %q, want %q carried on", got.TraceState, tt.state)
			}
			end(flowevent.Outcome{Route: flowevent.RouteNo, Reason: flowevent.ReasonStatusMismatch, Detail: "expected status 200, got 503",
				Status: 503, Attempts: 1, Endpoint: &flowevent.Endpoint{Scheme: "https", Host: "crm.example", Port: 443}})
			if tt.wantSampled {
				wantSpans = append(wantSpans, parts[2])
			}
		})
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.spans) != len(wantSpans) {
		t.Fatalf("collector got %d spans, want %d (the unsampled one must not be exported)", len(col.spans), len(wantSpans))
	}
	first := col.spans[0]
	if first.SpanID != wantSpans[0] || first.TraceID != traceID || first.ParentSpanID != parentID || first.Kind != 5 ||
		first.Status.Code != otlpStatusError || first.TraceState != "vendor=abc" {
		t.Errorf("first span %+v", first)
	}
	attrs := map[string]string{}
	for _, kv := range first.Attributes {
		switch {
		case kv.Value.StringValue != nil:
			attrs[kv.Key] = *kv.Value.StringValue
		case kv.Value.IntValue != nil:
			attrs[kv.Key] = *kv.Value.IntValue
		}
	}
	for k, v := range map[string]string{"flowhook.route": "no", "flowhook.reason": "status_mismatch", "http.response.status_code": "503",
		"server.address": "crm.example", "flowhook.node_id": "node-7", "messaging.message.id": "ev-sampled-parent"} {
		if attrs[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
	if second := col.spans[1]; second.ParentSpanID != "" || second.SpanID != wantSpans[1] {
		t.Errorf("root span %+v", second)
	}
	for _, body := range col.raw {
		for _, secret := range []string{"profile-secret-id", "ada@example.com", "secret-list", "/hook"} {
			if strings.Contains(body, secret) {
				t.Errorf("exported spans contain %q", secret)
			}
		}
		if !strings.Contains(body, `"service.name"`) || !strings.Contains(body, `"startTimeUnixNano":"`) {
			t.Errorf("export is not OTLP JSON as expected: %s", body)
		}
	}
}

func TestNew(t *testing.T) {
	tr, err := New(Config{}, zerolog.Nop())
	if tr != nil || err != nil {
		t.Fatalf("no endpoint: %v %v, want tracing off", tr, err)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Errorf("nil tracer shutdown: %v", err)
	}
	for _, bad := range []Config{{Endpoint: "collector:4318"}, {Endpoint: "ftp://x/v1/traces"}, {Endpoint: "http://x/v1/traces", SampleRatio: 2}} {
		if _, err := New(bad, zerolog.Nop()); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}

func TestExportFailureIsAnError(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "nope", http.StatusServiceUnavailable) }))
	defer down.Close()
	e := newExporter(down.URL, time.Second, zerolog.Nop())
	span := tracetest.SpanStub{Name: "x"}.Snapshot()
	if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{span}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("export to a failing collector: %v, want an error naming its answer", err)
	}
	if err := e.ExportSpans(context.Background(), nil); err != nil {
		t.Errorf("empty export: %v", err)
	}
}
