package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// exporter sends spans to an OTLP/HTTP endpoint, JSON-encoded. It
// implements sdktrace.SpanExporter.
type exporter struct {
	url    string
	client *http.Client
	log    zerolog.Logger
}

func newExporter(url string, timeout time.Duration, log zerolog.Logger) *exporter {
	return &exporter{url: url, client: &http.Client{Timeout: timeout}, log: log}
}

// ExportSpans posts one ExportTraceServiceRequest holding spans.
func (e *exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	body, err := json.Marshal(encode(spans))
	if err != nil {
		return fmt.Errorf("tracing: encode spans: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("tracing: export: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("tracing: export %d spans: %w", len(spans), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("tracing: export %d spans: collector answered %s", len(spans), resp.Status)
	}
	return nil
}

// Shutdown has nothing to release.
func (e *exporter) Shutdown(context.Context) error { return nil }

// The OTLP/HTTP JSON mapping of ExportTraceServiceRequest: ids in hex,
// 64-bit integers as strings, enums as numbers.
type (
	otlpRequest struct {
		ResourceSpans []otlpResourceSpans `json:"resourceSpans"`
	}
	otlpResourceSpans struct {
		Resource   otlpResource     `json:"resource"`
		ScopeSpans []otlpScopeSpans `json:"scopeSpans"`
	}
	otlpResource struct {
		Attributes []otlpKeyValue `json:"attributes"`
	}
	otlpScopeSpans struct {
		Scope otlpScope  `json:"scope"`
		Spans []otlpSpan `json:"spans"`
	}
	otlpScope struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	}
	otlpSpan struct {
		TraceID           string         `json:"traceId"`
		SpanID            string         `json:"spanId"`
		ParentSpanID      string         `json:"parentSpanId,omitempty"`
		TraceState        string         `json:"traceState,omitempty"`
		Flags             uint32         `json:"flags,omitempty"`
		Name              string         `json:"name"`
		Kind              int            `json:"kind"`
		StartTimeUnixNano string         `json:"startTimeUnixNano"`
		EndTimeUnixNano   string         `json:"endTimeUnixNano"`
		Attributes        []otlpKeyValue `json:"attributes,omitempty"`
		Status            otlpStatus     `json:"status"`
	}
	otlpStatus struct {
		Code    int    `json:"code,omitempty"`
		Message string `json:"message,omitempty"`
	}
	otlpKeyValue struct {
		Key   string    `json:"key"`
		Value otlpValue `json:"value"`
	}
	otlpValue struct {
		StringValue *string  `json:"stringValue,omitempty"`
		BoolValue   *bool    `json:"boolValue,omitempty"`
		IntValue    *string  `json:"intValue,omitempty"`
		DoubleValue *float64 `json:"doubleValue,omitempty"`
	}
)

// OTLP status codes (they differ from the Go API's numbering).
const (
	otlpStatusOK    = 1
	otlpStatusError = 2
)

// encode groups spans by resource and scope into one request.
func encode(spans []sdktrace.ReadOnlySpan) otlpRequest {
	var req otlpRequest
	resources := map[string]int{} // encoded resource -> index
	scopes := map[[2]string]int{} // encoded resource, scope name -> index
	for _, s := range spans {
		rkey := s.Resource().Encoded(attribute.DefaultEncoder())
		ri, ok := resources[rkey]
		if !ok {
			req.ResourceSpans = append(req.ResourceSpans, otlpResourceSpans{Resource: otlpResource{Attributes: keyValues(s.Resource().Attributes())}})
			ri = len(req.ResourceSpans) - 1
			resources[rkey] = ri
		}
		rs := &req.ResourceSpans[ri]
		scope := s.InstrumentationScope()
		si, ok := scopes[[2]string{rkey, scope.Name}]
		if !ok {
			rs.ScopeSpans = append(rs.ScopeSpans, otlpScopeSpans{Scope: otlpScope{Name: scope.Name, Version: scope.Version}})
			si = len(rs.ScopeSpans) - 1
			scopes[[2]string{rkey, scope.Name}] = si
		}
		rs.ScopeSpans[si].Spans = append(rs.ScopeSpans[si].Spans, encodeSpan(s))
	}
	return req
}

func encodeSpan(s sdktrace.ReadOnlySpan) otlpSpan {
	sc := s.SpanContext()
	out := otlpSpan{
		TraceID:           sc.TraceID().String(),
		SpanID:            sc.SpanID().String(),
		TraceState:        sc.TraceState().String(),
		Flags:             uint32(sc.TraceFlags()),
		Name:              s.Name(),
		Kind:              int(s.SpanKind()), // same numbering as OTLP
		StartTimeUnixNano: strconv.FormatInt(s.StartTime().UnixNano(), 10),
		EndTimeUnixNano:   strconv.FormatInt(s.EndTime().UnixNano(), 10),
		Attributes:        keyValues(s.Attributes()),
	}
	if p := s.Parent(); p.IsValid() {
		out.ParentSpanID = p.SpanID().String()
	}
	switch st := s.Status(); st.Code {
	case codes.Ok:
		out.Status = otlpStatus{Code: otlpStatusOK}
	case codes.Error:
		out.Status = otlpStatus{Code: otlpStatusError, Message: st.Description}
	}
	return out
}

func keyValues(attrs []attribute.KeyValue) []otlpKeyValue {
	out := make([]otlpKeyValue, 0, len(attrs))
	for _, kv := range attrs {
		var v otlpValue
		switch kv.Value.Type() {
		case attribute.BOOL:
			b := kv.Value.AsBool()
			v.BoolValue = &b
		case attribute.INT64:
			s := strconv.FormatInt(kv.Value.AsInt64(), 10)
			v.IntValue = &s
		case attribute.FLOAT64:
			f := kv.Value.AsFloat64()
			v.DoubleValue = &f
		default:
			s := kv.Value.String()
			v.StringValue = &s
		}
		out = append(out, otlpKeyValue{Key: string(kv.Key), Value: v})
	}
	return out
}
