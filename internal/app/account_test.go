package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// TestAccountMismatchAnsweredToTheSubjectsAccount: a request whose
// data.account names another account than its subject's token is sent
// nowhere; the subject's account — the one whose NATS permissions let the
// event in — gets its invalid_event outcome and its dead letter, and the
// account named in the data gets nothing (as the README says).
func TestAccountMismatchAnsweredToTheSubjectsAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	recv := newReceiver(t, 200, "ok")
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	startApp(t, testConfig(srv.ClientURL()))

	n := node(recv.URL, flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, flowevent.RouteExit)
	msg, err := flowevent.NewRequestMsg("mismatch-1", flowevent.Request{
		Account: "victim", FlowID: "flow-1", NodeID: "n-1", Node: n, Profile: flowevent.Profile{ID: "p-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	msg.Subject = flowevent.RequestSubject("acme")
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	outs := waitStoredOutcomes(t, js, 1, 30*time.Second)
	o := outs["mismatch-1"]
	if len(o) != 1 || o[0].Account != "acme" || o[0].Reason != flowevent.ReasonInvalidEvent || o[0].Route != flowevent.RouteExit ||
		!strings.Contains(o[0].Detail, "data.account does not match") {
		t.Errorf("outcomes %+v, want one invalid_event for acme on the node's error action", o)
	}
	for _, m := range readStream(t, js, bus.DefaultOutcomeStream) {
		if !strings.HasPrefix(m.Subject(), flowevent.OutcomeSubjectPrefix+"acme.") {
			t.Errorf("outcome stored on %s, want acme's outcome subjects", m.Subject())
		}
	}
	dls := readStream(t, js, bus.DefaultDeadLetterStream)
	if len(dls) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dls))
	}
	_, dl, err := flowevent.DecodeDeadLetter(&nats.Msg{Subject: dls[0].Subject(), Header: dls[0].Headers(), Data: dls[0].Data()})
	if err != nil || dls[0].Subject() != flowevent.DeadLetterSubject("acme") || dl.Account != "acme" || !dl.OutcomePublished {
		t.Errorf("dead letter on %s: %+v %v; want acme's, with its outcome published", dls[0].Subject(), dl, err)
	}
	if n := recv.hits.Load(); n != 0 {
		t.Errorf("the endpoint got %d requests, want none", n)
	}
}
