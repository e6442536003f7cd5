package app_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// checkStoredOutcomes searches every stored outcome message, headers and
// payload bytes, for planted values.
func checkStoredOutcomes(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	msgs := readStream(t, js, bus.DefaultOutcomeStream)
	for _, m := range msgs {
		b := append([]byte(m.Subject()+"\n"), m.Data()...)
		for k, vs := range m.Headers() {
			b = append(b, "\n"+k+": "+strings.Join(vs, ", ")...)
		}
		if l := leaks(b); len(l) > 0 {
			t.Errorf("stored outcome leaks %v: %s", l, b)
		}
	}
	if len(msgs) == 0 {
		t.Error("no stored outcome was checked")
	}
}

// checkDeadLetters: every malformed input is dead-lettered; the fields
// flowhook derives are clean, while Original keeps the input verbatim (by
// design: the dead-letter stream is as sensitive as the request stream).
func checkDeadLetters(t *testing.T, js jetstream.JetStream, want int) {
	t.Helper()
	msgs := readStream(t, js, bus.DefaultDeadLetterStream)
	if len(msgs) != want {
		t.Fatalf("%d dead letters, want %d", len(msgs), want)
	}
	reasons := map[flowevent.Reason]int{}
	for _, m := range msgs {
		_, d, err := flowevent.DecodeDeadLetter(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
		if err != nil {
			t.Fatalf("dead letter does not decode: %v", err)
		}
		reasons[d.Reason]++
		derived := strings.Join([]string{string(d.Reason), d.Detail, d.Subject, d.RequestID, d.Account, d.FlowID, d.NodeID, d.ProfileID}, "|")
		if l := leaks([]byte(derived)); len(l) > 0 {
			t.Errorf("dead letter's derived fields leak %v: %s", l, derived)
		}
		if len(leaks(d.Original)) == 0 {
			t.Errorf("dead letter %s lost the original input", d.Reason)
		}
	}
	if reasons[flowevent.ReasonEventTooLarge] != 1 || reasons[flowevent.ReasonInvalidEvent] != want-1 {
		t.Errorf("dead-letter reasons %v, want 1 event_too_large and %d invalid_event", reasons, want-1)
	}
}

// checkLogs: no planted value in any log line; every blocked call logged
// at warn level with its origin (never the URL, so never its query).
func checkLogs(t *testing.T, logs *syncBuffer, env *leakEnv) {
	t.Helper()
	all := logs.Bytes()
	if len(all) == 0 {
		t.Fatal("nothing was logged")
	}
	for _, line := range bytes.Split(all, []byte("\n")) {
		if l := leaks(line); len(l) > 0 {
			t.Errorf("log line leaks %v: %s", l, line)
		}
	}
	lines := logLines(t, logs)
	for id, origin := range env.blockedAt {
		found := false
		for _, l := range lines {
			if l["node_id"] == id && l["reason"] == string(flowevent.ReasonBlockedDestination) && l["origin"] == origin {
				found = true
				if d, _ := l["detail"].(string); l["level"] != "warn" || !strings.Contains(d, "denied") {
					t.Errorf("blocked call of %s logged at %v with detail %q, want warn naming the denial", id, l["level"], d)
				}
			}
		}
		if !found {
			t.Errorf("no log line names the blocked call of %s with origin %s", id, origin)
		}
	}
}

// checkMetrics scrapes the admin server's /metrics, when it has one.
func checkMetrics(t *testing.T, a *app.App) {
	t.Helper()
	resp, err := http.Get("http://" + a.AdminAddr() + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		t.Log("the admin server has no /metrics yet: metrics not checked")
		return
	}
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("/metrics: %d, %d bytes", resp.StatusCode, len(body))
	}
	if l := leaks(body); len(l) > 0 {
		t.Errorf("/metrics leaks %v", l)
	}
	t.Logf("/metrics checked: %d bytes", len(body))
}
