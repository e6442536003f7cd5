package tracing

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Config configures tracing. The zero value (no Endpoint) disables it.
type Config struct {
	// Endpoint is the OTLP/HTTP traces URL, e.g.
	// http://otel-collector:4318/v1/traces. Empty disables tracing.
	Endpoint string
	// ServiceName is the service.name resource attribute; default flowhook.
	ServiceName string
	// SampleRatio is the share of new traces (events without a sampled
	// parent) recorded, from 0 to 1; default 1. Events whose traceparent is
	// sampled are always recorded, unsampled ones never.
	SampleRatio float64
	// Timeout bounds one export request; default 10s.
	Timeout time.Duration
}

// Tracer opens a span per request event; it implements dispatch.Tracer.
// Create it with New and call Shutdown when done. It is safe for
// concurrent use by multiple goroutines.
type Tracer struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	prop     propagation.TraceContext
}

// New returns a Tracer exporting to cfg.Endpoint, or nil (tracing off)
// when cfg.Endpoint is empty.
func New(cfg Config, log zerolog.Logger) (*Tracer, error) {
	if cfg.Endpoint == "" {
		return nil, nil
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("tracing: endpoint must be an http(s) URL, e.g. http://otel-collector:4318/v1/traces")
	}
	if cfg.SampleRatio < 0 || cfg.SampleRatio > 1 {
		return nil, errors.New("tracing: sample ratio must be between 0 and 1")
	}
	ratio := cfg.SampleRatio
	if ratio == 0 {
		ratio = 1
	}
	res := resource.NewSchemaless(attribute.String("service.name", cmp.Or(cfg.ServiceName, "flowhook")))
	exp := newExporter(cfg.Endpoint, cmp.Or(cfg.Timeout, 10*time.Second), log)
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	)
	return &Tracer{provider: tp, tracer: tp.Tracer("github.com/flowhook/flowhook")}, nil
}

// Start begins the span of ev, continuing its trace context, and returns ev
// carrying the span's context instead, and the function ending the span.
func (t *Tracer) Start(ctx context.Context, ev flowevent.Event, req *flowevent.Request) (flowevent.Event, func(flowevent.Outcome)) {
	carrier := propagation.MapCarrier{}
	if ev.TraceParent != "" {
		carrier["traceparent"] = ev.TraceParent
		if ev.TraceState != "" {
			carrier["tracestate"] = ev.TraceState
		}
	}
	parent := t.prop.Extract(context.WithoutCancel(ctx), carrier)
	ctx, span := t.tracer.Start(parent, "flowhook webhook "+string(req.Node.Method),
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "nats"),
			attribute.String("messaging.message.id", ev.ID),
			attribute.String("flowhook.account", req.Account),
			attribute.String("flowhook.flow_id", req.FlowID),
			attribute.String("flowhook.node_id", req.NodeID),
			attribute.String("http.request.method", string(req.Node.Method)),
		))
	out := propagation.MapCarrier{}
	t.prop.Inject(ctx, out)
	ev.TraceParent, ev.TraceState = out["traceparent"], out["tracestate"]
	return ev, func(o flowevent.Outcome) { end(span, o) }
}

// end records the outcome on the span and ends it.
func end(span trace.Span, o flowevent.Outcome) {
	defer span.End()
	if o.Route == "" {
		span.SetStatus(codes.Error, "handed back unfinished (shutdown)")
		return
	}
	attrs := []attribute.KeyValue{
		attribute.String("flowhook.route", string(o.Route)),
		attribute.String("flowhook.reason", string(o.Reason)),
		attribute.Int("flowhook.attempts", o.Attempts),
	}
	if o.Status != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", o.Status))
	}
	if e := o.Endpoint; e != nil {
		attrs = append(attrs, attribute.String("url.scheme", e.Scheme), attribute.String("server.address", e.Host), attribute.Int("server.port", e.Port))
	}
	span.SetAttributes(attrs...)
	if !o.Success {
		span.SetStatus(codes.Error, string(o.Reason)+": "+o.Detail+" (status "+strconv.Itoa(o.Status)+")")
	}
}

// Shutdown exports the spans still buffered and stops the Tracer; ctx
// bounds the wait. A nil Tracer does nothing.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}
