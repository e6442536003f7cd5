// Package tracing opens one OpenTelemetry span per request event, off by
// default. The span continues the W3C trace context the request event
// carries (its traceparent and tracestate), and its own context replaces
// the event's, so that the outbound HTTP request and the outcome event name
// flowhook's span as their parent.
//
// Spans are exported by OTLP over HTTP, JSON-encoded (the OTLP/HTTP JSON
// mapping, which the OpenTelemetry Collector and common tracing back ends
// accept), by a small exporter in this package: the OpenTelemetry Go SDK's
// own OTLP exporters pull gRPC and generated protobuf code into the binary
// (about 12 MB more, measured), while the API and SDK alone add under 2 MB.
//
// Spans carry the account, flow and node ids, the event id, the endpoint's
// origin, the method, status, route and reason: never a URL path or query,
// a header value, a profile id or a profile attribute.
package tracing
