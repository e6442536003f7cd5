package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/internal/tracing"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestTraceContextFlows checks that a request event's W3C trace context
// reaches the outbound request and the outcome event: unchanged when
// tracing is off, and through flowhook's own exported span when it is on.
func TestTraceContextFlows(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	const (
		traceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
		parentID = "00f067aa0ba902b7"
		parent   = "00-" + traceID + "-" + parentID + "-01"
		state    = "vendor=t61rcWkgMzE"
	)
	for _, withSpans := range []bool{false, true} {
		name := map[bool]string{false: "tracing off", true: "tracing on"}[withSpans]
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var gotParent, gotState string
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				gotParent, gotState = r.Header.Get("Traceparent"), r.Header.Get("Tracestate")
				mu.Unlock()
			}))
			defer recv.Close()
			spans := make(chan map[string]any, 10)
			col := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var req struct {
					ResourceSpans []struct {
						ScopeSpans []struct{ Spans []map[string]any }
					}
				}
				b, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(b, &req)
				for _, rs := range req.ResourceSpans {
					for _, ss := range rs.ScopeSpans {
						for _, s := range ss.Spans {
							spans <- s
						}
					}
				}
			}))
			defer col.Close()

			srv := bustest.Server(t)
			_, js := bustest.Connect(t, srv.ClientURL())
			cfg := testConfig(srv.ClientURL())
			cfg.NodeStatsDisabled = true
			if withSpans {
				cfg.Tracing = tracing.Config{Endpoint: col.URL + "/v1/traces"}
			}
			ctx, cancel := context.WithCancel(context.Background())
			a, err := app.Start(ctx, cfg, zerolog.Nop())
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			msg, err := flowevent.NewRequestMsg("traced-1", flowevent.Request{
				Account: "acme", FlowID: "flow-1", NodeID: "n", Profile: flowevent.Profile{ID: "p1"},
				Node: node(recv.URL, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteNo),
			}, flowevent.WithTraceParent(parent), flowevent.WithTraceState(state))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := js.PublishMsg(ctx, msg); err != nil {
				t.Fatal(err)
			}
			outcomeParent := storedOutcomeTrace(t, js, "traced-1")
			cancel()
			if err := a.Wait(); err != nil {
				t.Fatal(err)
			}

			mu.Lock()
			defer mu.Unlock()
			if gotState != state {
				t.Errorf("outbound tracestate %q, want %q", gotState, state)
			}
			if outcomeParent != gotParent {
				t.Errorf("outcome traceparent %q differs from the outbound request's %q", outcomeParent, gotParent)
			}
			if !withSpans {
				if gotParent != parent {
					t.Errorf("outbound traceparent %q, want the event's %q", gotParent, parent)
				}
				return
			}
			parts := strings.Split(gotParent, "-")
			if len(parts) != 4 || parts[1] != traceID || parts[2] == parentID {
				t.Fatalf("outbound traceparent %q: want trace %s continued with flowhook's span as parent", gotParent, traceID)
			}
			select {
			case s := <-spans:
				if s["traceId"] != traceID || s["parentSpanId"] != parentID || s["spanId"] != parts[2] {
					t.Errorf("exported span %v: want trace %s, parent %s, id %s", s, traceID, parentID, parts[2])
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no span exported")
			}
		})
	}
}

// storedOutcomeTrace waits for the outcome of requestID and returns its
// traceparent.
func storedOutcomeTrace(t *testing.T, js jetstream.JetStream, requestID string) string {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, bus.DefaultOutcomeStream)
	if err != nil {
		t.Fatal(err)
	}
	var m *jetstream.RawStreamMsg
	poll.UntilNoError(t, 20*time.Second, func() error {
		m, err = s.GetLastMsgForSubject(ctx, flowevent.OutcomeSubject("acme", requestID))
		if err != nil {
			return fmt.Errorf("no outcome for %s: %w", requestID, err)
		}
		return nil
	})
	ev, _, err := flowevent.DecodeOutcome(&nats.Msg{Subject: m.Subject, Header: m.Header, Data: m.Data})
	if err != nil {
		t.Fatal(err)
	}
	return ev.TraceParent
}
