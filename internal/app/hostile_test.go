package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/endpointlimit"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// The hostile-account suite: a second account, using nothing but its own
// events on its own subject, tries to read, suppress, trip or delay the
// work of a victim account on the real service (real NATS, real HTTP).
// Each test asserts that the victim is unaffected.

// The accounts of the suite. Their request subjects hash into different
// partitions of the request stream (checked by samePartition), as most
// pairs of accounts do; accounts sharing a partition are covered by the
// in-flight share and the bench's fairness runs.
const (
	victimAccount   = "victim"
	attackerAccount = "attacker"
)

// hostileReceiver is one HTTP origin that both accounts call, on paths of
// their own: /ok answers 200, /fail 500, /slow/<ms> answers 200 after
// that many milliseconds. It records each path's hits and the X-Stolen
// header values it was sent.
type hostileReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	hits   map[string]int
	stolen []string
}

func newHostileReceiver(t *testing.T) *hostileReceiver {
	r := &hostileReceiver{hits: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hits[req.URL.Path]++
		if v := req.Header.Get("X-Stolen"); v != "" {
			r.stolen = append(r.stolen, v)
		}
		r.mu.Unlock()
		switch {
		case strings.HasSuffix(req.URL.Path, "/fail"):
			w.WriteHeader(http.StatusInternalServerError)
		case strings.Contains(req.URL.Path, "/slow/"):
			var ms int
			_, _ = fmt.Sscanf(req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:], "%d", &ms)
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
			case <-req.Context().Done():
			}
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hostileReceiver) hitsOf(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits[path]
}

func (r *hostileReceiver) stolenValues() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.stolen...)
}

func hostileNode(url string) flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method:   flowevent.MethodGet,
		URL:      url,
		Params:   []flowevent.Param{{Name: "email", From: flowevent.FromProfile, Path: "email"}},
		Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
		OnError:  flowevent.RouteNo,
	}
}

// publishAs publishes one request event of account as a flow engine does
// (flowevent.NewRequestMsg) and returns the PubAck.
func publishAs(t *testing.T, js jetstream.JetStream, account, id string, n flowevent.NodeConfig) *jetstream.PubAck {
	t.Helper()
	msg, err := flowevent.NewRequestMsg(id, flowevent.Request{
		Account: account, FlowID: "flow-1", NodeID: "node-1", Node: n,
		Profile: flowevent.Profile{ID: "p-" + id, Attributes: map[string]any{"email": id + "@example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := js.PublishMsg(context.Background(), msg)
	if err != nil {
		t.Fatalf("publish %s/%s: %v", account, id, err)
	}
	return ack
}

// publishAsync publishes one request event of account without waiting
// for its PubAck (see waitAsync).
func publishAsync(t *testing.T, js jetstream.JetStream, account, id string, n flowevent.NodeConfig) {
	t.Helper()
	msg, err := flowevent.NewRequestMsg(id, flowevent.Request{
		Account: account, FlowID: "flow-1", NodeID: "node-1", Node: n,
		Profile: flowevent.Profile{ID: "p-" + id, Attributes: map[string]any{"email": id + "@example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsgAsync(msg); err != nil {
		t.Fatalf("publish %s/%s: %v", account, id, err)
	}
}

// waitAsync waits for the PubAcks of every async publish.
func waitAsync(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		t.Fatal("async publishes not acknowledged")
	}
}

// outcomesOf returns the outcomes stored for account, by request id.
func outcomesOf(t *testing.T, js jetstream.JetStream, account string) map[string][]flowevent.Outcome {
	t.Helper()
	out := map[string][]flowevent.Outcome{}
	for _, m := range readStream(t, js, bus.DefaultOutcomeStream) {
		if acct, _ := flowevent.AccountOfOutcomeSubject(m.Subject()); acct != account {
			continue
		}
		_, o, err := flowevent.DecodeOutcome(natsMsg(m))
		if err != nil {
			t.Fatalf("stored outcome does not decode: %v", err)
		}
		out[o.RequestID] = append(out[o.RequestID], o)
	}
	return out
}

// storedFor counts the outcomes stored for account, from the stream's
// per-subject counts (cheap enough to poll).
func storedFor(t *testing.T, js jetstream.JetStream, account string) int {
	t.Helper()
	s, err := js.Stream(context.Background(), bus.DefaultOutcomeStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(flowevent.OutcomeSubjectPrefix+account+".>"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

// TestHostileSecrets: an account that names a secret it was not given
// gets secret_missing, never another account's value or an operator's
// secret; the owner still gets its own.
func TestHostileSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	const (
		victimValue   = "victim-crm-token-VALUE-81f2"
		operatorValue = "operator-shared-token-VALUE-c3d9"
	)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, victimAccount), 0o700); err != nil {
		t.Fatal(err)
	}
	// The victim's own secret, and an operator's (shared) secret of the
	// same name that no account was granted.
	must(t, os.WriteFile(filepath.Join(dir, victimAccount, "crm_token"), []byte(victimValue+"\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "crm_token"), []byte(operatorValue+"\n"), 0o600))
	t.Setenv("FLOWHOOK_SECRET_CRM_TOKEN", operatorValue)

	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.Secrets.Dir = dir
	startApp(t, cfg)
	recv := newHostileReceiver(t)

	steal := hostileNode(recv.URL + "/attacker/ok")
	steal.Headers = []flowevent.Header{{Name: "X-Stolen", Secret: "crm_token"}}
	publishAs(t, js, attackerAccount, "steal-1", steal)
	own := hostileNode(recv.URL + "/victim/ok")
	own.Headers = []flowevent.Header{{Name: "X-Stolen", Secret: "crm_token"}}
	publishAs(t, js, victimAccount, "own-1", own)
	waitStoredOutcomes(t, js, 2, 30*time.Second)

	if got := outcomesOf(t, js, attackerAccount)["steal-1"]; len(got) != 1 || got[0].Reason != flowevent.ReasonSecretMissing {
		t.Errorf("attacker's outcome %+v, want one secret_missing", got)
	}
	if got := outcomesOf(t, js, victimAccount)["own-1"]; len(got) != 1 || got[0].Reason != flowevent.ReasonMatched {
		t.Errorf("victim's outcome %+v, want one matched", got)
	}
	if n := recv.hitsOf("/attacker/ok"); n != 0 {
		t.Errorf("attacker's request was sent %d times with a secret it does not own", n)
	}
	stolen := recv.stolenValues()
	if len(stolen) != 1 || stolen[0] != victimValue {
		t.Errorf("secret values received %q, want only the victim's own, once", stolen)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestHostileRequestIDs: an account that uses another account's request
// id first suppresses neither the victim's request event (the request
// stream's de-duplication) nor its outcome (the outcome stream's).
func TestHostileRequestIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	startApp(t, testConfig(srv.ClientURL()))
	recv := newHostileReceiver(t)

	publishAs(t, js, attackerAccount, "shared-1", hostileNode(recv.URL+"/attacker/ok"))
	waitStoredOutcomes(t, js, 1, 30*time.Second)
	if ack := publishAs(t, js, victimAccount, "shared-1", hostileNode(recv.URL+"/victim/ok")); ack.Duplicate {
		t.Errorf("the victim's request event was dropped as a duplicate of the attacker's")
	}
	// Before the outcome of a request id is stored too.
	publishAs(t, js, attackerAccount, "shared-2", hostileNode(recv.URL+"/attacker/slow/300"))
	if ack := publishAs(t, js, victimAccount, "shared-2", hostileNode(recv.URL+"/victim/ok")); ack.Duplicate {
		t.Errorf("the victim's second request event was dropped as a duplicate of the attacker's")
	}
	waitStoredOutcomes(t, js, 4, 30*time.Second)
	victim := outcomesOf(t, js, victimAccount)
	for _, id := range []string{"shared-1", "shared-2"} {
		if got := victim[id]; len(got) != 1 || got[0].Reason != flowevent.ReasonMatched || got[0].Account != victimAccount {
			t.Errorf("victim's outcomes of %s: %+v, want exactly one, matched", id, got)
		}
		if got := outcomesOf(t, js, attackerAccount)[id]; len(got) != 1 {
			t.Errorf("attacker's outcomes of %s: %d, want 1", id, len(got))
		}
	}
	if n := recv.hitsOf("/victim/ok"); n != 2 {
		t.Errorf("victim's endpoint got %d requests, want 2", n)
	}
}

// TestHostileBreaker: an account whose node keeps failing against an
// origin opens its own breaker there, locally and fleet-wide, but not the
// victim's: the victim's requests to that origin still go out.
func TestHostileBreaker(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	const threshold = 3
	for _, name := range []string{"r1", "r2"} {
		cfg := testConfig(srv.ClientURL())
		cfg.AdminAddr = ""
		cfg.Topology.Partitions = 1
		cfg.Dispatch.Workers = 5
		cfg.Breaker.FailureThreshold = threshold
		cfg.Fleet = app.FleetConfig{Enabled: true, Replica: name}
		startApp(t, cfg)
	}
	recv := newHostileReceiver(t)
	const attacks = 20
	for i := range attacks {
		publishAs(t, js, attackerAccount, fmt.Sprintf("trip-%02d", i), hostileNode(recv.URL+"/attacker/fail"))
	}
	waitStoredOutcomes(t, js, attacks, 30*time.Second)
	attacker := outcomesOf(t, js, attackerAccount)
	open := 0
	for _, o := range attacker {
		if o[0].Reason == flowevent.ReasonCircuitOpen {
			open++
		}
	}
	if open == 0 {
		t.Fatalf("the attacker's failing node never opened its own breaker: the test proves nothing")
	}
	const visits = 5
	for i := range visits {
		publishAs(t, js, victimAccount, fmt.Sprintf("visit-%d", i), hostileNode(recv.URL+"/victim/ok"))
	}
	waitStoredOutcomes(t, js, attacks+visits, 30*time.Second)
	for id, o := range outcomesOf(t, js, victimAccount) {
		if len(o) != 1 || o[0].Reason != flowevent.ReasonMatched {
			t.Errorf("victim's %s: %+v, want matched: the attacker's failures tripped the victim's breaker", id, o)
		}
	}
	if n := recv.hitsOf("/victim/ok"); n != visits {
		t.Errorf("victim's endpoint got %d requests, want %d", n, visits)
	}
}

// waitVictim publishes the victim's events once the attacker's backlog is
// on the bus, waits for every victim outcome and returns how many of the
// attacker's events had an outcome by then.
func waitVictim(t *testing.T, js jetstream.JetStream, visits int, n flowevent.NodeConfig, timeout time.Duration) (attackerDone int) {
	t.Helper()
	for i := range visits {
		publishAs(t, js, victimAccount, fmt.Sprintf("visit-%d", i), n)
	}
	poll.Until(t, timeout, fmt.Sprintf("the victim's %d outcomes are stored", visits), func() bool {
		return storedFor(t, js, victimAccount) >= visits
	})
	return storedFor(t, js, attackerAccount)
}

// TestHostileBacklog: an account with a large backlog (a flow activated
// on a big segment) does not make another account's events wait behind
// it: the victim's events are answered while most of the backlog is
// still waiting.
func TestHostileBacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.Dispatch.Workers = 32
	recv := newHostileReceiver(t)
	samePartition(t, false)

	// The backlog is stored before the service starts, as when a flow is
	// activated on a large segment; the victim's events come while it
	// drains.
	if _, err := cfg.Topology.Ensure(context.Background(), js); err != nil {
		t.Fatal(err)
	}
	const backlog = 1500
	for i := range backlog {
		publishAsync(t, js, attackerAccount, fmt.Sprintf("bulk-%04d", i), hostileNode(recv.URL+"/attacker/slow/20"))
	}
	waitAsync(t, js)
	startApp(t, cfg)
	poll.Until(t, 30*time.Second, "50 of the attacker's outcomes are stored", func() bool { return storedFor(t, js, attackerAccount) >= 50 })
	done := waitVictim(t, js, 5, hostileNode(recv.URL+"/victim/ok"), 60*time.Second)
	t.Logf("attacker's outcomes stored when the victim's 5 were: %d of %d", done, backlog)
	if done > backlog/2 {
		t.Errorf("the victim waited behind the attacker's backlog: %d of %d attacker outcomes were stored first", done, backlog)
	}
	waitStoredOutcomes(t, js, backlog+5, 120*time.Second)
}

// TestHostileSlowEndpoints: an account whose nodes call slow endpoints on
// many origins (so that no per-origin cap stops it) does not hold every
// worker: the victim's events still start at once.
func TestHostileSlowEndpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.Dispatch.Workers = 32
	startApp(t, cfg)
	recv := newHostileReceiver(t)
	samePartition(t, false)

	// 16 origins: the receivers' loopback ports.
	const origins, perOrigin = 16, 6
	for o := range origins {
		r := newHostileReceiver(t)
		for i := range perOrigin {
			publishAs(t, js, attackerAccount, fmt.Sprintf("slow-%02d-%d", o, i), hostileNode(r.URL+"/attacker/slow/1000"))
		}
	}
	start := time.Now()
	done := waitVictim(t, js, 5, hostileNode(recv.URL+"/victim/ok"), 60*time.Second)
	took := time.Since(start)
	t.Logf("victim's 5 outcomes after %s; attacker's stored by then: %d of %d", took, done, origins*perOrigin)
	if done > origins*perOrigin/2 {
		t.Errorf("the victim waited for the attacker's slow calls: %d of %d attacker outcomes were stored first (%s)", done, origins*perOrigin, took)
	}
	waitStoredOutcomes(t, js, origins*perOrigin+5, 120*time.Second)
}

// TestHostileEndpointCap: an account with a backlog to a slow origin does
// not take the whole per-origin cap: another account's events to the same
// origin get their share of it at once, also when the victim's node sets
// a tighter cap of its own.
func TestHostileEndpointCap(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	for _, tc := range []struct {
		name           string
		victimMaxConc  int
		operatorCapMax int
	}{
		{"operator cap", 0, 4},
		{"victim's own cap", 2, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := bustest.Server(t)
			_, js := bustest.Connect(t, srv.ClientURL())
			cfg := testConfig(srv.ClientURL())
			cfg.Dispatch.Workers = 32
			cfg.EndpointLimits = endpointlimit.Limits{MaxConcurrency: tc.operatorCapMax}
			cfg.EndpointWait = 50 * time.Millisecond
			startApp(t, cfg)
			recv := newHostileReceiver(t)
			samePartition(t, false)

			const backlog = 120 // 100 ms each: at least 1.5 s at the cap
			for i := range backlog {
				publishAs(t, js, attackerAccount, fmt.Sprintf("bulk-%03d", i), hostileNode(recv.URL+"/attacker/slow/100"))
			}
			victim := hostileNode(recv.URL + "/victim/ok")
			victim.MaxConcurrency = tc.victimMaxConc
			done := waitVictim(t, js, 5, victim, 60*time.Second)
			t.Logf("attacker's outcomes stored when the victim's 5 were: %d of %d", done, backlog)
			if done > backlog/2 {
				t.Errorf("the victim waited for the attacker's share of the origin: %d of %d attacker outcomes were stored first", done, backlog)
			}
			waitStoredOutcomes(t, js, backlog+5, 120*time.Second)
		})
	}
}

// samePartition checks whether the suite's two accounts share a partition
// of the request stream (default topology), as want says.
func samePartition(t *testing.T, want bool) {
	t.Helper()
	topo := bus.Topology{}
	if got := topo.PartitionOf(attackerAccount) == topo.PartitionOf(victimAccount); got != want {
		t.Fatalf("accounts %s and %s share a partition: %v, want %v", attackerAccount, victimAccount, got, want)
	}
}

// natsMsg is m as a core NATS message, for the contract decoders.
func natsMsg(m jetstream.Msg) *nats.Msg {
	return &nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()}
}
