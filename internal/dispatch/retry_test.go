package dispatch

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

func TestPlan(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d := &Dispatcher{cfg: Config{HoldSpread: 4 * time.Second, HoldProbeWait: time.Second}.withDefaults()}
	retry := &flowevent.RetryPolicy{MaxAttempts: 3, InitialDelayMS: 1000, Multiplier: 2, Jitter: 0.5, DeadlineMS: 30_000}
	hold := &flowevent.HoldPolicy{MaxWaitMS: 20_000}
	status := func(s int, reason flowevent.Reason) tryResult {
		return tryResult{sent: true, out: flowevent.Outcome{Reason: reason, Status: s, Detail: "d", DurationMS: 10}}
	}
	refused := func(until time.Time) tryResult {
		return tryResult{refused: true, openUntil: until, out: flowevent.Outcome{Reason: flowevent.ReasonCircuitOpen, Detail: "open"}}
	}
	earlier := deliveryState{tries: 1, sent: 1, first: now.Add(-5 * time.Second), spentMS: 30}
	tests := []struct {
		name     string
		node     flowevent.NodeConfig
		st       deliveryState
		r        tryResult
		wantNext bool
		hold     bool
		from, to time.Duration // window of the due time, from now
		tries    int           // tries in the next state (or made, when final)
		attempts int           // outcome attempts
		detail   string        // substring of the final detail
	}{
		{name: "success is final", node: flowevent.NodeConfig{Retry: retry},
			r: tryResult{sent: true, out: flowevent.Outcome{Success: true, Reason: flowevent.ReasonMatched, Status: 200}}, attempts: 1},
		{name: "no policy: one try", r: status(503, flowevent.ReasonStatusMismatch), attempts: 1, detail: "d"},
		{name: "503 retried with backoff", node: flowevent.NodeConfig{Retry: retry}, r: status(503, flowevent.ReasonStatusMismatch),
			wantNext: true, from: 500 * time.Millisecond, to: time.Second, tries: 1, attempts: 1},
		{name: "second retry grows", node: flowevent.NodeConfig{Retry: retry}, st: earlier, r: status(500, flowevent.ReasonStatusMismatch),
			wantNext: true, from: time.Second, to: 2 * time.Second, tries: 2, attempts: 2},
		{name: "timeout retried", node: flowevent.NodeConfig{Retry: retry}, r: tryResult{sent: true, out: flowevent.Outcome{Reason: flowevent.ReasonTimeout}},
			wantNext: true, from: 500 * time.Millisecond, to: time.Second, tries: 1, attempts: 1},
		{name: "429 honours Retry-After", node: flowevent.NodeConfig{Retry: retry},
			r:        func() tryResult { r := status(429, flowevent.ReasonStatusMismatch); r.retryAfter = "12"; return r }(),
			wantNext: true, from: 12 * time.Second, to: 12 * time.Second, tries: 1, attempts: 1},
		{name: "Retry-After beyond the deadline ends it", node: flowevent.NodeConfig{Retry: retry},
			r:     func() tryResult { r := status(503, flowevent.ReasonStatusMismatch); r.retryAfter = "3600"; return r }(),
			tries: 1, attempts: 1, detail: "retry deadline reached"},
		{name: "no tries left", node: flowevent.NodeConfig{Retry: retry}, st: deliveryState{tries: 2, sent: 2, first: now.Add(-3 * time.Second)},
			r: status(502, flowevent.ReasonStatusMismatch), tries: 3, attempts: 3, detail: "3 tries, none left"},
		{name: "404 is final", node: flowevent.NodeConfig{Retry: retry}, r: status(404, flowevent.ReasonStatusMismatch), attempts: 1},
		{name: "501 is final", node: flowevent.NodeConfig{Retry: retry}, r: status(501, flowevent.ReasonStatusMismatch), attempts: 1},
		{name: "blocked destination is final", node: flowevent.NodeConfig{Retry: retry},
			r: tryResult{sent: true, out: flowevent.Outcome{Reason: flowevent.ReasonBlockedDestination}}, attempts: 1},
		{name: "open breaker held without using a try", node: flowevent.NodeConfig{Retry: retry, Hold: hold}, st: earlier, r: refused(now.Add(3 * time.Second)),
			wantNext: true, hold: true, from: 3 * time.Second, to: 7 * time.Second, tries: 1, attempts: 1},
		{name: "half-open breaker: short hold", node: flowevent.NodeConfig{Hold: hold}, r: refused(time.Time{}),
			wantNext: true, hold: true, from: time.Second, to: 2 * time.Second, attempts: 0},
		{name: "breaker open past the hold limit", node: flowevent.NodeConfig{Hold: hold}, r: refused(now.Add(time.Minute)),
			attempts: 0, detail: "hold limit reached"},
		{name: "hold limit over: retry takes over", node: flowevent.NodeConfig{Hold: &flowevent.HoldPolicy{MaxWaitMS: 2000}, Retry: retry},
			r: refused(now.Add(5 * time.Second)), wantNext: true, from: 5 * time.Second, to: 9 * time.Second, tries: 1},
		{name: "open breaker without hold: a retry waits for it", node: flowevent.NodeConfig{Retry: retry}, r: refused(now.Add(8 * time.Second)),
			wantNext: true, from: 8 * time.Second, to: 12 * time.Second, tries: 1},
		{name: "open breaker without any policy", r: refused(now.Add(8 * time.Second)), detail: "open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, out := d.plan(tt.node, tt.st, tt.r, now)
			if (n != nil) != tt.wantNext {
				t.Fatalf("next = %+v, want a next try: %v (detail %q)", n, tt.wantNext, out.Detail)
			}
			if n != nil {
				if n.hold != tt.hold || n.state.tries != tt.tries || n.state.sent != tt.attempts {
					t.Errorf("next %+v, want hold %v tries %d sent %d", n, tt.hold, tt.tries, tt.attempts)
				}
				if due := n.at.Sub(now); due < tt.from || due > tt.to {
					t.Errorf("due in %v, want %v..%v", due, tt.from, tt.to)
				}
				if !n.state.first.Equal(tt.st.firstTry(now)) {
					t.Errorf("first try %v, want %v", n.state.first, tt.st.firstTry(now))
				}
				if n.state.lastReason != tt.r.out.Reason {
					t.Errorf("last reason %q", n.state.lastReason)
				}
				return
			}
			if out.Attempts != tt.attempts || !strings.Contains(out.Detail, tt.detail) {
				t.Errorf("final attempts %d detail %q, want %d and %q", out.Attempts, out.Detail, tt.attempts, tt.detail)
			}
			if want := tt.st.spentMS + tt.r.out.DurationMS; out.DurationMS != want {
				t.Errorf("duration %v, want %v (all tries)", out.DurationMS, want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	p := flowevent.RetryPolicy{InitialDelayMS: 100, Multiplier: 3, MaxDelayMS: 1000, Jitter: 0.25}
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{1, 75 * time.Millisecond, 100 * time.Millisecond},
		{2, 225 * time.Millisecond, 300 * time.Millisecond},
		{3, 675 * time.Millisecond, 900 * time.Millisecond},
		{4, 750 * time.Millisecond, time.Second}, // capped
		{20, 750 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		for range 50 {
			if d := backoff(p, tt.n); d < tt.min || d > tt.max {
				t.Fatalf("backoff(%d) = %v, want %v..%v", tt.n, d, tt.min, tt.max)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, false},
		{"120", now.Add(2 * time.Minute), true},
		{" 0 ", now, true},
		{"-5", time.Time{}, false},
		{"1.5", time.Time{}, false},
		{"soon", time.Time{}, false},
		{"Sun, 01 Mar 2026 12:00:30 GMT", now.Add(30 * time.Second), true},
		{"Sunday, 01-Mar-26 12:00:30 GMT", now.Add(30 * time.Second), true},
		{"99999999999999999999", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.v, now)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRetryableStatus(t *testing.T) {
	for s, want := range map[int]bool{200: false, 302: false, 400: false, 404: false, 408: true, 410: false, 425: true,
		429: true, 500: true, 501: false, 502: true, 503: true, 504: true, 505: false, 507: true, 599: true} {
		if got := retryableStatus(s); got != want {
			t.Errorf("retryableStatus(%d) = %v", s, got)
		}
	}
}

func TestMayStillFinish(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d := &Dispatcher{cfg: Config{AckWait: 30 * time.Second, MaxTimeout: time.Minute}.withDefaults(), now: func() time.Time { return now }}
	retry := flowevent.NodeConfig{Retry: &flowevent.RetryPolicy{DeadlineMS: 600_000}}
	tests := []struct {
		name string
		age  time.Duration
		node flowevent.NodeConfig
		want bool
	}{
		// grace: 10 x 30s ack waits + 1m max timeout = 6m, plus the node's wait.
		{"young, no policy", 5 * time.Minute, flowevent.NodeConfig{}, true},
		{"old, no policy", 7 * time.Minute, flowevent.NodeConfig{}, false},
		{"old but retrying for 10m", 7 * time.Minute, retry, true},
		{"older than its retry deadline", 17 * time.Minute, retry, false},
	}
	for _, tt := range tests {
		raw := &jetstream.RawStreamMsg{Time: now.Add(-tt.age)}
		if got := d.mayStillFinish(raw, tt.node, 10); got != tt.want {
			t.Errorf("%s: mayStillFinish = %v", tt.name, got)
		}
	}
}
