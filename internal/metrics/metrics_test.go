package metrics_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/sony/gobreaker/v2"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/metrics"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// The package's types must fit the interfaces that consume them.
var _ dispatch.Observer = (*metrics.Metrics)(nil)

type fakeConn struct {
	status nats.Status
	stats  nats.Statistics
}

func (c *fakeConn) Status() nats.Status    { return c.status }
func (c *fakeConn) Stats() nats.Statistics { return c.stats }

// exercised returns a registry on which every metric has been touched once.
func exercised(t *testing.T) (*prometheus.Registry, *metrics.Metrics, *fakeConn) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	m := metrics.New(reg)
	conn := &fakeConn{status: nats.CONNECTED, stats: nats.Statistics{Reconnects: 3}}
	if err := m.WatchNATS(conn); err != nil {
		t.Fatal(err)
	}
	snapshot := []breaker.Status{{Key: breaker.Key{Account: "a", Origin: "https://a:443"}, State: gobreaker.StateOpen}, {Key: breaker.Key{Account: "a", Origin: "https://b:443"}}, {Key: breaker.Key{Account: "b", Origin: "https://a:443"}}}
	if err := m.WatchBreakers(func() []breaker.Status { return snapshot }); err != nil {
		t.Fatal(err)
	}
	if err := m.WatchSpikes(func() int { return 2 }); err != nil {
		t.Fatal(err)
	}
	if err := m.WatchRejected(func() int { return 3 }); err != nil {
		t.Fatal(err)
	}
	m.Consuming(true)
	m.Consumed()
	m.InFlight(1)
	m.Outcome(flowevent.Outcome{Route: flowevent.RouteYes, Reason: flowevent.ReasonMatched, Attempts: 1, DurationMS: 20})
	m.DeadLettered(flowevent.ReasonInvalidEvent)
	m.SetRetriesPending(4)
	m.BreakerChanged(breaker.Key{Account: "a", Origin: "https://a:443"}, gobreaker.StateClosed, gobreaker.StateOpen)
	m.ObserveConsumers(&jetstream.ConsumerInfo{NumPending: 4, NumAckPending: 5, NumRedelivered: 1}, &jetstream.ConsumerInfo{NumPending: 3})
	m.Leading(true)
	m.Applied(10)
	m.Conflict()
	m.Behind(12)
	return reg, m, conn
}

func TestEveryNameIsRegistered(t *testing.T) {
	reg, _, _ := exercised(t)
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var got []string
	for _, f := range families {
		got = append(got, f.GetName())
	}
	want := slices.Clone(metrics.Names())
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("registered families\n%v\nwant Names()\n%v", got, want)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
}

func TestValues(t *testing.T) {
	reg, m, conn := exercised(t)
	m.Outcome(flowevent.Outcome{Route: flowevent.RouteExit, Reason: flowevent.ReasonCircuitOpen}) // no request sent
	m.InFlight(-1)
	tests := []struct {
		name, want string
	}{
		{metrics.Outcomes, `flowhook_outcomes_total{reason="circuit_open",route="exit"} 1
flowhook_outcomes_total{reason="matched",route="yes"} 1`},
		{metrics.RequestDuration, `flowhook_request_duration_seconds_sum{route="yes"} 0.02
flowhook_request_duration_seconds_count{route="yes"} 1`},
		{metrics.Breakers, `flowhook_breakers{state="closed"} 2
flowhook_breakers{state="half-open"} 0
flowhook_breakers{state="open"} 1`},
		{metrics.NATSConnected, `flowhook_nats_connected 1`},
		{metrics.NATSReconnects, `flowhook_nats_reconnects_total 3`},
		{metrics.ConsumerPending, `flowhook_consumer_pending_messages 7`},
		{metrics.ConsumerAckPending, `flowhook_consumer_ack_pending_messages 5`},
		{metrics.EventsInFlight, `flowhook_events_in_flight 0`},
		{metrics.BreakerStateChanges, `flowhook_breaker_state_changes_total{state="open"} 1`},
		{metrics.StatsSpikingNodes, `flowhook_nodestats_spiking_nodes 2`},
		{metrics.StatsRejectedNodes, `flowhook_nodestats_credentials_rejected_nodes 3`},
	}
	text := scrape(t, reg)
	for _, tt := range tests {
		for _, line := range strings.Split(tt.want, "\n") {
			if !strings.Contains(text, line+"\n") {
				t.Errorf("%s: missing %q", tt.name, line)
			}
		}
	}
	conn.status = nats.RECONNECTING
	if text := scrape(t, reg); !strings.Contains(text, "flowhook_nats_connected 0\n") {
		t.Errorf("reconnecting connection still reported as connected")
	}
}

// scrape returns reg's exposition text without HELP and TYPE lines.
func scrape(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var text, b strings.Builder
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&text, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func TestLabelsStayBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	hostile := []flowevent.Reason{"", "Matched", "reason with spaces", flowevent.Reason(strings.Repeat("a", 41)), "x\ny"}
	for i, r := range hostile {
		m.Outcome(flowevent.Outcome{Route: flowevent.Route("sideways" + string(rune('a'+i))), Reason: r})
		m.DeadLettered(r)
	}
	for _, name := range []string{metrics.Outcomes, metrics.DeadLetters} {
		n, err := testutil.GatherAndCount(reg, name)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%s: %d series from %d hostile label values, want 1 (other)", name, n, len(hostile))
		}
	}
	if !strings.Contains(scrape(t, reg), `flowhook_outcomes_total{reason="other",route="other"} 5`) {
		t.Errorf("hostile values not folded into other:\n%s", scrape(t, reg))
	}
}
