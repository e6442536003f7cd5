package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// hitCounter is a receiver counting requests per path.
type hitCounter struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newHitCounter(t *testing.T) *hitCounter {
	h := &hitCounter{hits: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.hits[r.URL.Path]++
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hitCounter) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits[path]
}

// deadLetter stores a dead letter whose original is a valid request event
// for recv's path /<id>.
func deadLetter(t *testing.T, js jetstream.JetStream, recvURL, id, account, flow string, reason flowevent.Reason, at time.Time, answered bool) {
	t.Helper()
	orig, err := flowevent.NewRequestMsg(id, flowevent.Request{
		Account: account, FlowID: flow, NodeID: "n", Profile: flowevent.Profile{ID: "p-" + id},
		Node: flowevent.NodeConfig{Method: flowevent.MethodPost, URL: recvURL + "/" + id,
			Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, OnError: flowevent.RouteNo},
	})
	if err != nil {
		t.Fatal(err)
	}
	orig.Header.Set(dispatch.HeaderAttempt, "3") // bookkeeping a replay must drop
	m, err := flowevent.NewDeadLetterMsg(flowevent.DeadLetter{
		Reason: reason, Detail: "test", Subject: orig.Subject, Headers: orig.Header, Original: orig.Data,
		StreamSeq: uint64(at.UnixNano()), RequestID: id, Account: account, FlowID: flow, NodeID: "n", ProfileID: "p-" + id,
		OutcomePublished: answered, DeadLetteredAt: at,
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func requestMsgs(t *testing.T, js jetstream.JetStream) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, bus.DefaultRequestStream)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	st := s.CachedInfo().State
	for seq := st.FirstSeq; st.Msgs > 0 && seq <= st.LastSeq; seq++ {
		if m, err := s.GetMsg(ctx, seq); err == nil {
			out = append(out, m)
		}
	}
	return out
}

func TestReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx := context.Background()
	if _, err := (bus.Topology{}).Ensure(ctx, js); err != nil {
		t.Fatal(err)
	}
	recv := newHitCounter(t)
	now := time.Now().UTC()
	deadLetter(t, js, recv.URL, "req-a", "acme", "f", flowevent.ReasonInvalidEvent, now.Add(-time.Hour), false)
	deadLetter(t, js, recv.URL, "req-b", "acme", "f", flowevent.ReasonInvalidEvent, now.Add(-time.Hour), true)
	deadLetter(t, js, recv.URL, "req-c", "other", "f", flowevent.ReasonEventTooLarge, now.Add(-time.Hour), false)
	deadLetter(t, js, recv.URL, "req-d", "acme", "f", flowevent.ReasonInvalidEvent, now.Add(-48*time.Hour), false)
	deadLetter(t, js, recv.URL, "req-e", "acme", "f2", flowevent.ReasonMaxDeliveries, now.Add(-time.Minute), false)
	url := srv.ClientURL()

	// Dry run: lists, publishes nothing.
	code, out, errOut := runCommand(t.Context(), "replay", "--nats-url", url, "--account", "acme", "--since", "24h", "--dry-run")
	if code != exitOK {
		t.Fatalf("dry run: exit %d %s", code, errOut)
	}
	for _, want := range []string{"would replay: dead letter", "request req-a", "request req-e",
		"skip: an outcome was already published", "3 selected: would replay 2, already replayed 0, skipped 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	for _, never := range []string{"req-c", "req-d"} {
		if strings.Contains(out, never) {
			t.Errorf("dry run selected %s (other account / too old):\n%s", never, out)
		}
	}
	if n := len(requestMsgs(t, js)); n != 0 {
		t.Fatalf("dry run published %d messages", n)
	}

	// Replay one reason: the original comes back as it was.
	code, out, errOut = runCommand(t.Context(), "replay", "--nats-url", url, "--account", "acme", "--reason", "invalid_event", "--since", "24h")
	if code != exitOK || !strings.Contains(out, "replayed: dead letter") || !strings.Contains(out, "replayed 1,") {
		t.Fatalf("replay: exit %d\n%s%s", code, out, errOut)
	}
	msgs := requestMsgs(t, js)
	if len(msgs) != 1 {
		t.Fatalf("%d request messages after replay, want 1", len(msgs))
	}
	m := msgs[0]
	ev, req, err := flowevent.DecodeRequest(m.Header, m.Data)
	if acct, _ := flowevent.AccountOfRequestSubject(m.Subject); err != nil || ev.ID != "req-a" || req.FlowID != "f" || acct != "acme" {
		t.Fatalf("replayed message %s: %+v %v", m.Subject, ev, err)
	}
	if m.Header.Get(dispatch.HeaderReplay) == "" || m.Header.Get(dispatch.HeaderAttempt) != "" ||
		!strings.HasPrefix(m.Header.Get(jetstream.MsgIDHeader), "replay-") || m.Header.Get("Content-Type") != flowevent.ContentTypeStructured {
		t.Errorf("replayed headers %v", m.Header)
	}

	// Running it again within the dedup window stores nothing new.
	code, out, _ = runCommand(t.Context(), "replay", "--nats-url", url, "--account", "acme", "--reason", "invalid_event", "--since", "24h")
	if code != exitOK || !strings.Contains(out, "already replayed 1") || len(requestMsgs(t, js)) != 1 {
		t.Errorf("second replay: exit %d\n%s", code, out)
	}
}

// TestReplayedEventMeetsItsStoredOutcome replays two dead letters into a
// running service: one whose event has no outcome is sent and answered;
// one whose outcome is already stored is acknowledged without calling its
// endpoint or storing a second outcome.
func TestReplayedEventMeetsItsStoredOutcome(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := app.Config{
		NATS:              bus.ConnectOptions{URL: srv.ClientURL()},
		Topology:          bus.Topology{AckWait: 10 * time.Second},
		Dispatch:          dispatch.Config{Workers: 20},
		Egress:            egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		NodeStatsDisabled: true,
	}
	a, err := app.Start(ctx, cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = a.Wait() }()
	recv := newHitCounter(t)
	at := time.Now().Add(-time.Minute)
	deadLetter(t, js, recv.URL, "fresh", "acme", "f", flowevent.ReasonMaxDeliveries, at, false)
	deadLetter(t, js, recv.URL, "answered", "acme", "f", flowevent.ReasonMaxDeliveries, at, false)
	// "answered" got its outcome some other way (e.g. the record was
	// written before the outcome's PubAck came back).
	out, err := flowevent.NewOutcomeMsg(flowevent.Event{ID: "answered"}, flowevent.Outcome{Account: "acme", FlowID: "f", NodeID: "n",
		Route: flowevent.RouteNo, Reason: flowevent.ReasonMaxDeliveries})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(ctx, out); err != nil {
		t.Fatal(err)
	}

	code, stdout, errOut := runCommand(t.Context(), "replay", "--nats-url", srv.ClientURL(), "--account", "acme")
	if code != exitOK || !strings.Contains(stdout, "replayed 2,") {
		t.Fatalf("replay: exit %d\n%s%s", code, stdout, errOut)
	}
	outcomes, err := js.Stream(ctx, bus.DefaultOutcomeStream)
	if err != nil {
		t.Fatal(err)
	}
	poll.UntilNoError(t, 15*time.Second, func() error {
		_, err := outcomes.GetLastMsgForSubject(ctx, flowevent.OutcomeSubject("acme", "fresh"))
		info, cerr := (bus.Topology{}).Backlog(ctx, js)
		if err != nil || cerr != nil || info.Pending != 0 || info.AckPending != 0 {
			return fmt.Errorf("replayed events not handled (outcome: %v, backlog: %+v %v)", err, info, cerr)
		}
		return nil
	})
	if n := recv.count("/fresh"); n != 1 {
		t.Errorf("fresh event's endpoint got %d requests, want 1", n)
	}
	if n := recv.count("/answered"); n != 0 {
		t.Errorf("answered event's endpoint got %d requests, want 0: its stored outcome should have been recognised", n)
	}
	info, err := outcomes.Info(ctx, jetstream.WithSubjectFilter(flowevent.OutcomeSubjectPrefix+">"))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.State.Subjects; len(got) != 2 || got[flowevent.OutcomeSubject("acme", "answered")] != 1 {
		t.Errorf("outcome subjects %v, want one outcome each for fresh and answered", got)
	}
}

func TestTimeFlag(t *testing.T) {
	var f timeFlag
	if err := f.Set("2026-03-01T10:00:00Z"); err != nil || f.t.Year() != 2026 {
		t.Errorf("RFC 3339: %v %v", f.t, err)
	}
	if err := f.Set("90m"); err != nil || time.Since(f.t) < 89*time.Minute {
		t.Errorf("duration: %v %v", f.t, err)
	}
	for _, bad := range []string{"yesterday", "-5m", "2026-03-01"} {
		if err := f.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}
