package flowevent

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

func structuredHeader() nats.Header {
	return nats.Header{"Content-Type": []string{ContentTypeStructured}}
}

// requestJSON is a structured request event; replace rewrites parts of it.
func requestJSON(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(sampleRequestMsg(t).Data, &m); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRequestStructured(t *testing.T) {
	msg := sampleRequestMsg(t)
	if got := msg.Subject; got != "flowhook.request.acme" {
		t.Errorf("subject = %q", got)
	}
	if got := msg.Header.Get(HeaderMsgID); got != "acme:evt-1" {
		t.Errorf("Nats-Msg-Id = %q", got)
	}
	ev, req, err := DecodeRequest(msg.Header, msg.Data)
	if err != nil {
		t.Fatalf("DecodeRequest: %v", err)
	}
	want := Event{
		SpecVersion: "1.0", ID: "evt-1", Source: "flows/flow-42/nodes/node-7", Type: RequestType,
		Subject: "prof-123", DataContentType: ContentTypeJSON, Time: sampleTime,
		TraceParent: sampleTraceParent, TraceState: "congo=t61rcWkgMzE",
	}
	got := ev
	got.Data = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event = %+v\nwant   %+v", got, want)
	}
	if !reflect.DeepEqual(req, sampleRequest()) {
		t.Errorf("request = %+v\nwant     %+v", req, sampleRequest())
	}
	if n, ok := req.Profile.Attributes["lead_score"].(json.Number); !ok || n.String() != "87.50" {
		t.Errorf("lead_score = %#v, want json.Number 87.50", req.Profile.Attributes["lead_score"])
	}
}

func TestDecodeMsgStructuredContentTypes(t *testing.T) {
	payload := sampleRequestMsg(t).Data
	tests := []struct {
		ct      string
		wantErr error
	}{
		{"application/cloudevents+json", nil},
		{"Application/CloudEvents+JSON; charset=utf-8", nil},
		{"application/cloudevents-batch+json", ErrNotCloudEvent},
		{"application/cloudevents+avro", ErrNotCloudEvent},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			_, err := decodeMsg(nats.Header{"content-type": []string{tt.ct}}, payload)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeMsgStructuredErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(m map[string]any)
		raw     string
		want    error
		stage   decodeStage
		eventID string
	}{
		{name: "missing id", edit: func(m map[string]any) { delete(m, "id") }, want: ErrNotCloudEvent, stage: stageEnvelope},
		{name: "missing source", edit: func(m map[string]any) { delete(m, "source") }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "missing type", edit: func(m map[string]any) { delete(m, "type") }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "missing specversion", edit: func(m map[string]any) { delete(m, "specversion") }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "wrong specversion", edit: func(m map[string]any) { m["specversion"] = "0.3" }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "null id", edit: func(m map[string]any) { m["id"] = nil }, want: ErrNotCloudEvent, stage: stageEnvelope},
		{name: "numeric id", edit: func(m map[string]any) { m["id"] = 5 }, want: ErrNotCloudEvent, stage: stageEnvelope},
		{name: "empty subject", edit: func(m map[string]any) { m["subject"] = "" }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "bad time", edit: func(m map[string]any) { m["time"] = "yesterday" }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "relative dataschema", edit: func(m map[string]any) { m["dataschema"] = "schemas/x" }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "uppercase extension", edit: func(m map[string]any) { m["ID"] = "x" }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "object extension", edit: func(m map[string]any) { m["ext"] = map[string]any{} }, want: ErrNotCloudEvent, stage: stageEnvelope, eventID: "evt-1"},
		{name: "not json", raw: "{not json", want: ErrNotCloudEvent, stage: stageEnvelope},
		{name: "json array", raw: "[1,2]", want: ErrNotCloudEvent, stage: stageEnvelope},
		{name: "json null", raw: "null", want: ErrNotCloudEvent, stage: stageEnvelope},
		{name: "xml content type", edit: func(m map[string]any) { m["datacontenttype"] = "application/xml" }, want: ErrBadData, stage: stageData, eventID: "evt-1"},
		{name: "data and data_base64", edit: func(m map[string]any) { m["data_base64"] = "e30=" }, want: ErrBadData, stage: stageData, eventID: "evt-1"},
		{name: "data_base64 not json", edit: func(m map[string]any) { delete(m, "data"); m["data_base64"] = "aGVsbG8=" }, want: ErrBadData, stage: stageData, eventID: "evt-1"},
		{name: "data_base64 not base64", edit: func(m map[string]any) { delete(m, "data"); m["data_base64"] = "!!" }, want: ErrBadData, stage: stageData, eventID: "evt-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := []byte(tt.raw)
			if tt.raw == "" {
				payload = requestJSON(t, tt.edit)
			}
			_, err := decodeMsg(structuredHeader(), payload)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
			if !errors.Is(err, tt.want) || de.stage != tt.stage || de.EventID != tt.eventID {
				t.Errorf("err = %v (stage %s, id %q), want %v at %s, id %q", err, de.stage, de.EventID, tt.want, tt.stage, tt.eventID)
			}
		})
	}
}

func TestDecodeMsgStructuredAccepts(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m map[string]any)
		check func(t *testing.T, ev Event)
	}{
		{"null optional attribute is absent", func(m map[string]any) { m["subject"] = nil }, func(t *testing.T, ev Event) {
			if ev.Subject != "" {
				t.Errorf("subject = %q", ev.Subject)
			}
		}},
		{"data_base64 holding JSON", func(m map[string]any) { delete(m, "data"); m["data_base64"] = "eyJhIjoxfQ==" }, func(t *testing.T, ev Event) {
			if string(ev.Data) != `{"a":1}` {
				t.Errorf("data = %s", ev.Data)
			}
		}},
		{"+json content type", func(m map[string]any) { m["datacontenttype"] = "application/vnd.x+json; charset=utf-8" }, nil},
		{"scalar extensions kept out", func(m map[string]any) { m["partitionkey"] = "p"; m["sampled"] = true; m["n"] = 3 }, nil},
		{"malformed traceparent dropped", func(m map[string]any) { m["traceparent"] = "00-xyz\r\nX: 1" }, func(t *testing.T, ev Event) {
			if ev.TraceParent != "" || ev.TraceState != "" {
				t.Errorf("trace context = %q %q, want dropped", ev.TraceParent, ev.TraceState)
			}
		}},
		{"escaped strings", func(m map[string]any) { m["id"] = "evt-\u00e9\"1" }, func(t *testing.T, ev Event) {
			if ev.ID != "evt-é\"1" {
				t.Errorf("id = %q", ev.ID)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := decodeMsg(structuredHeader(), requestJSON(t, tt.edit))
			if err != nil {
				t.Fatalf("decodeMsg: %v", err)
			}
			if tt.check != nil {
				tt.check(t, ev)
			}
		})
	}
}

// binaryHeader is the binary-mode header set of the sample request.
func binaryHeader() nats.Header {
	return nats.Header{
		"Ce-Specversion":     []string{"1.0"},
		"CE-ID":              []string{"evt%201%25"},
		"ce-source":          []string{"flows/flow-42/nodes/node-7"},
		"ce-type":            []string{RequestType},
		"ce-subject":         []string{"prof-123"},
		"ce-time":            []string{"2025-03-04T05:06:07.89Z"},
		"ce-datacontenttype": []string{"application/json"},
		"ce-traceparent":     []string{sampleTraceParent},
		"ce-partitionkey":    []string{"k"},
	}
}

func binaryPayload(t testing.TB) []byte {
	b, err := json.Marshal(sampleRequest())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRequestBinary(t *testing.T) {
	ev, req, err := DecodeRequest(binaryHeader(), binaryPayload(t))
	if err != nil {
		t.Fatalf("DecodeRequest: %v", err)
	}
	if ev.ID != "evt 1%" {
		t.Errorf("id = %q, want percent-decoded %q", ev.ID, "evt 1%")
	}
	if !ev.Time.Equal(sampleTime) || ev.TraceParent != sampleTraceParent || ev.Subject != "prof-123" {
		t.Errorf("event = %+v", ev)
	}
	if !reflect.DeepEqual(req, sampleRequest()) {
		t.Errorf("request = %+v", req)
	}
}

func TestDecodeMsgBinaryErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(h nats.Header)
		payload string
		want    error
	}{
		{name: "no attributes at all", edit: func(h nats.Header) { clear(h) }, want: ErrNotCloudEvent},
		{name: "no specversion", edit: func(h nats.Header) { delete(h, "Ce-Specversion") }, want: ErrNotCloudEvent},
		{name: "wrong specversion", edit: func(h nats.Header) { h["Ce-Specversion"] = []string{"0.3"} }, want: ErrNotCloudEvent},
		{name: "missing source", edit: func(h nats.Header) { delete(h, "ce-source") }, want: ErrNotCloudEvent},
		{name: "duplicate in two cases", edit: func(h nats.Header) { h["Ce-Source"] = []string{"x"} }, want: ErrNotCloudEvent},
		{name: "bad percent encoding", edit: func(h nats.Header) { h["ce-subject"] = []string{"%zz"} }, want: ErrNotCloudEvent},
		{name: "empty optional", edit: func(h nats.Header) { h["ce-subject"] = []string{""} }, want: ErrNotCloudEvent},
		{name: "bad extension name", edit: func(h nats.Header) { h["ce-my_ext"] = []string{"1"} }, want: ErrNotCloudEvent},
		{name: "not json payload", payload: "hello", want: ErrBadData},
		{name: "text content type", edit: func(h nats.Header) { h["ce-datacontenttype"] = []string{"text/plain"} }, want: ErrBadData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := binaryHeader()
			if tt.edit != nil {
				tt.edit(h)
			}
			payload := []byte(tt.payload)
			if tt.payload == "" {
				payload = binaryPayload(t)
			}
			_, err := decodeMsg(h, payload)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecodeMsgBinaryContentTypeFallback(t *testing.T) {
	h := binaryHeader()
	delete(h, "ce-datacontenttype")
	h["Content-Type"] = []string{"text/plain"}
	if _, err := decodeMsg(h, binaryPayload(t)); !errors.Is(err, ErrBadData) {
		t.Fatalf("err = %v, want ErrBadData from the Content-Type fallback", err)
	}
	h["Content-Type"] = []string{"application/json"}
	ev, err := decodeMsg(h, binaryPayload(t))
	if err != nil || ev.DataContentType != "application/json" {
		t.Fatalf("ev.DataContentType = %q, err = %v", ev.DataContentType, err)
	}
}

func TestDecodeRequestPartialIDs(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    error
		partial Request
	}{
		{
			name: "data is not a request",
			payload: requestJSON(t, func(m map[string]any) {
				m["data"] = map[string]any{"account": "acme", "flow_id": "flow-42", "node_id": "node-7",
					"profile": map[string]any{"id": "prof-123", "attributes": 5}, "node": map[string]any{"on_error": "exit", "timeout_ms": "soon"}}
			}),
			want:    ErrBadData,
			partial: Request{Account: "acme", FlowID: "flow-42", NodeID: "node-7", Profile: Profile{ID: "prof-123"}, Node: NodeConfig{OnError: RouteExit}},
		},
		{
			name:    "data is a string",
			payload: requestJSON(t, func(m map[string]any) { m["data"] = "hello" }),
			want:    ErrBadData,
			partial: Request{FlowID: "flow-42", NodeID: "node-7", Profile: Profile{ID: "prof-123"}},
		},
		{
			name:    "no data",
			payload: requestJSON(t, func(m map[string]any) { delete(m, "data") }),
			want:    ErrBadData,
			partial: Request{FlowID: "flow-42", NodeID: "node-7", Profile: Profile{ID: "prof-123"}},
		},
		{
			name: "invalid account and on_error dropped",
			payload: requestJSON(t, func(m map[string]any) {
				m["data"] = map[string]any{"account": "a.b", "node": map[string]any{"on_error": "maybe"}, "profile": 3}
			}),
			want:    ErrBadData,
			partial: Request{FlowID: "flow-42", NodeID: "node-7", Profile: Profile{ID: "prof-123"}},
		},
		{
			name:    "wrong type",
			payload: requestJSON(t, func(m map[string]any) { m["type"] = "com.example.other" }),
			want:    ErrWrongType,
			partial: Request{Account: "acme", FlowID: "flow-42", NodeID: "node-7", Profile: Profile{ID: "prof-123"}, Node: NodeConfig{OnError: RouteNo}},
		},
		{
			name:    "source names another node",
			payload: requestJSON(t, func(m map[string]any) { m["source"] = "flows/flow-42/nodes/node-8" }),
			want:    ErrInconsistent,
			partial: Request{Account: "acme", FlowID: "flow-42", NodeID: "node-7", Profile: Profile{ID: "prof-123"}, Node: NodeConfig{OnError: RouteNo}},
		},
		{
			name:    "subject names another profile",
			payload: requestJSON(t, func(m map[string]any) { m["subject"] = "prof-999" }),
			want:    ErrInconsistent,
			partial: Request{Account: "acme", FlowID: "flow-42", NodeID: "node-7", Profile: Profile{ID: "prof-123"}, Node: NodeConfig{OnError: RouteNo}},
		},
		{
			name:    "envelope invalid but data readable",
			payload: requestJSON(t, func(m map[string]any) { m["specversion"] = "0.3" }),
			want:    ErrNotCloudEvent,
			partial: Request{Account: "acme", FlowID: "flow-42", NodeID: "node-7", Profile: Profile{ID: "prof-123"}, Node: NodeConfig{OnError: RouteNo}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeRequest(structuredHeader(), tt.payload)
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want *DecodeError wrapping %v", err, tt.want)
			}
			if de.EventID != "evt-1" {
				t.Errorf("EventID = %q, want evt-1", de.EventID)
			}
			if !reflect.DeepEqual(de.Partial, tt.partial) {
				t.Errorf("Partial = %+v\nwant      %+v", de.Partial, tt.partial)
			}
		})
	}
}

func TestDecodeErrorHidesValues(t *testing.T) {
	secret := "s3cr3t-value"
	payloads := [][]byte{
		requestJSON(t, func(m map[string]any) { m["data"] = map[string]any{"node": map[string]any{"timeout_ms": 1e300}} }),
		[]byte(`{"specversion":"1.0","id":"e","source":"s","type":"` + RequestType + `","data":{"profile":{"id":["` + secret + `"]}}}`),
		[]byte(`{"specversion":"` + secret + `","id":"e"}`),
	}
	for i, p := range payloads {
		_, _, err := DecodeRequest(structuredHeader(), p)
		if err == nil {
			t.Fatalf("payload %d decoded", i)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "1e+300") {
			t.Errorf("payload %d: error %q echoes a value", i, err)
		}
	}
}

// TestConstantsKnownToTheCodec: the decoders read the contract's constant
// attribute values without allocating (jsoncodec.Known); a constant
// missing from that table would still decode, only slower.
func TestConstantsKnownToTheCodec(t *testing.T) {
	for _, c := range []string{SpecVersion, RequestType, OutcomeType, DeadLetterType, ContentTypeJSON, OutcomeSource} {
		if got := jsoncodec.Known([]byte(c)); got != c {
			t.Errorf("jsoncodec.Known(%q) = %q", c, got)
		}
	}
}
