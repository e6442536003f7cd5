package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/clienttls/clienttlstest"
	"github.com/flowhook/flowhook/internal/nodestats"
	"github.com/flowhook/flowhook/internal/oauth/oauthtest"
	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/internal/testsupport/poll"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// writeSecrets writes account's secrets into dir/<account>/<name>.
func writeSecrets(t *testing.T, dir, account string, secrets map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, account), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, v := range secrets {
		if err := os.WriteFile(filepath.Join(dir, account, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// publishFor publishes a request event of account at node nodeID.
func publishFor(t *testing.T, js jetstream.JetStream, account, id, nodeID string, n flowevent.NodeConfig, attrs map[string]any) {
	t.Helper()
	msg, err := flowevent.NewRequestMsg(id, flowevent.Request{
		Account: account, FlowID: "flow-1", NodeID: nodeID, Node: n,
		Profile: flowevent.Profile{ID: "p-" + id, Attributes: attrs},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
}

func post(url string) flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method: flowevent.MethodPost, URL: url, Body: flowevent.BodyJSON,
		Params:   []flowevent.Param{{Name: "email", From: flowevent.FromProfile, Path: "email"}},
		Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}, OnError: flowevent.RouteNo,
	}
}

// TestOAuth2EndToEnd: nodes with OAuth 2.0 client credentials against a
// token endpoint that counts fetches and a resource server that checks
// each Bearer token. 150 events over 32 workers cost one token fetch; once
// the token endpoint revokes its tokens, the resource server answers 401
// and the next 100 events cost one more fetch, every one still matching.
// Another account naming the same token URL and client id with a wrong
// secret gets token_failed, and never acme's token.
func TestOAuth2EndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	tokens := oauthtest.NewServer(t, map[string]string{"acme-app": "acme-client-secret"}, 3600)
	var refused atomic.Int64
	resource := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g, ok := tokens.Check(r.Header.Get("Authorization"))
		if !ok || g.ClientID != "acme-app" || g.Scope != "leads.write" || g.Audience != "https://api.crm.example" {
			refused.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(resource.Close)
	down := oauthtest.NewServer(t, map[string]string{"acme-app": "acme-client-secret"}, 3600)
	down.Fail.Store(503)

	dir := t.TempDir()
	writeSecrets(t, dir, "acme", map[string]string{"crm_client_secret": "acme-client-secret"})
	writeSecrets(t, dir, "evil", map[string]string{"crm_client_secret": "a-guess"})
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.Secrets = secret.Config{Dir: dir}
	cfg.OAuth.FailFor = time.Minute // evil's refused secret is asked once
	startApp(t, cfg)

	n := post(resource.URL + "/v2/leads")
	n.Auth = &flowevent.Auth{Kind: flowevent.AuthOAuth2, TokenURL: tokens.URL + "/oauth2/token", ClientID: "acme-app",
		Secret: "crm_client_secret", Scopes: []string{"leads.write"}, Audience: "https://api.crm.example"}
	attrs := map[string]any{"email": "ada@example.com"}
	for i := range 150 {
		publishFor(t, js, "acme", fmt.Sprintf("oa-%03d", i), "crm", n, attrs)
	}
	outs := waitStoredOutcomes(t, js, 150, 60*time.Second)
	for id, os := range outs {
		if len(os) != 1 || os[0].Reason != flowevent.ReasonMatched || os[0].Attempts != 1 {
			t.Fatalf("%s: %+v", id, os)
		}
	}
	if f := tokens.Fetches(); f != 1 {
		t.Fatalf("%d token fetches for 150 events on 32 workers, want 1", f)
	}

	tokens.Revoke() // the resource server now refuses the kept token
	for i := range 100 {
		publishFor(t, js, "acme", fmt.Sprintf("ob-%03d", i), "crm", n, attrs)
	}
	for i := range 5 {
		publishFor(t, js, "evil", fmt.Sprintf("evil-%d", i), "crm", n, attrs)
	}
	nd := n
	nd.Auth = &flowevent.Auth{Kind: flowevent.AuthOAuth2, TokenURL: down.URL + "/token", ClientID: "acme-app", Secret: "crm_client_secret"}
	publishFor(t, js, "acme", "oc-down", "down", nd, attrs)
	outs = waitStoredOutcomes(t, js, 256, 60*time.Second)
	refreshed := 0
	for i := range 100 {
		o := outs[fmt.Sprintf("ob-%03d", i)]
		if len(o) != 1 || o[0].Reason != flowevent.ReasonMatched {
			t.Fatalf("after revocation, ob-%03d: %+v", i, o)
		}
		if o[0].Attempts == 2 {
			refreshed++
		}
	}
	if f := tokens.Fetches(); f != 3 {
		t.Errorf("%d token fetches in all, want 3: acme's first, one refresh for every worker refused at once, and evil's refused one", f)
	}
	if refreshed == 0 || refused.Load() == 0 {
		t.Errorf("no request was refused and sent again (%d refused, %d refreshed)", refused.Load(), refreshed)
	}
	for i := range 5 {
		o := outcomesOf(t, js, "evil")[fmt.Sprintf("evil-%d", i)]
		if len(o) != 1 || o[0].Reason != flowevent.ReasonTokenFailed || o[0].Status != 401 || o[0].Route != flowevent.RouteNo || o[0].Attempts != 0 ||
			!strings.Contains(o[0].Detail, "invalid_client") {
			t.Errorf("evil-%d: %+v", i, o)
		}
	}
	if o := outs["oc-down"]; len(o) != 1 || o[0].Reason != flowevent.ReasonTokenFailed || o[0].Status != 503 || o[0].Endpoint == nil {
		t.Errorf("token endpoint down: %+v", o)
	}
}

// TestMutualTLSEndToEnd: a node with a client certificate and a private CA
// from its account's secrets reaches a receiver that requires a client
// certificate; without one the receiver refuses the handshake
// (auth_failed); another account naming the same secrets resolves none.
func TestMutualTLSEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	serverCA, clientCA := clienttlstest.NewCA(t, "bank server root"), clienttlstest.NewCA(t, "bank client root")
	var seen atomic.Value
	rcv := clienttlstest.MutualTLSServer(t, serverCA, clientCA, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.TLS.PeerCertificates[0].Subject.CommonName)
		w.WriteHeader(http.StatusOK)
	}))
	leaf := clientCA.Client(t, "acme-flowhook")
	dir := t.TempDir()
	writeSecrets(t, dir, "acme", map[string]string{"bank_cert": leaf.CertPEM, "bank_key": leaf.KeyPEM, "bank_ca": serverCA.PEM})
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.Secrets = secret.Config{Dir: dir}
	startApp(t, cfg)

	n := post(rcv.URL + "/hooks/leads")
	n.TLS = &flowevent.TLS{CertSecret: "bank_cert", KeySecret: "bank_key", CASecret: "bank_ca"}
	caOnly := n
	caOnly.TLS = &flowevent.TLS{CASecret: "bank_ca"}
	attrs := map[string]any{"email": "ada@example.com"}
	for i := range 20 {
		publishFor(t, js, "acme", fmt.Sprintf("mtls-%d", i), "bank", n, attrs)
	}
	publishFor(t, js, "acme", "mtls-no-cert", "bank-no-cert", caOnly, attrs)
	publishFor(t, js, "evil", "mtls-evil", "bank", n, attrs)
	waitStoredOutcomes(t, js, 22, 60*time.Second)
	acme := outcomesOf(t, js, "acme")
	for i := range 20 {
		if o := acme[fmt.Sprintf("mtls-%d", i)]; len(o) != 1 || o[0].Reason != flowevent.ReasonMatched {
			t.Fatalf("mtls-%d: %+v", i, o)
		}
	}
	if s, _ := seen.Load().(string); s != "acme-flowhook" {
		t.Errorf("receiver saw client certificate %q", s)
	}
	if o := acme["mtls-no-cert"]; len(o) != 1 || o[0].Reason != flowevent.ReasonAuthFailed || !strings.Contains(o[0].Detail, "client certificate refused") {
		t.Errorf("without a client certificate: %+v", o)
	}
	if o := outcomesOf(t, js, "evil")["mtls-evil"]; len(o) != 1 || o[0].Reason != flowevent.ReasonSecretMissing {
		t.Errorf("another account naming acme's TLS secrets: %+v", o)
	}
}

// TestAuthFailedEndToEnd: 401, 403 and a node's own auth_failed_statuses
// end as auth_failed on the node's error path, a node expecting 401 still
// matches, Basic credentials from a secret are sent, and node stats flag
// the node whose credentials are rejected, in /v1/stats and the gauge.
func TestAuthFailedEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/expired":
			w.WriteHeader(http.StatusUnauthorized)
		case "/forbidden":
			w.WriteHeader(http.StatusForbidden)
		case "/session":
			w.WriteHeader(419)
		case "/basic":
			if u, p, ok := r.BasicAuth(); !ok || u != "svc-flowhook" || p != "erp-password-1" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusOK)
		}
	}))
	t.Cleanup(rcv.Close)
	dir := t.TempDir()
	writeSecrets(t, dir, "acme", map[string]string{"erp_password": "erp-password-1"})
	writeSecrets(t, dir, "other", map[string]string{"erp_password": "wrong"})
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.Secrets = secret.Config{Dir: dir}
	cfg.AdminAddr = "127.0.0.1:0"
	a := startApp(t, cfg)

	expired, forbidden, session := post(rcv.URL+"/expired"), post(rcv.URL+"/forbidden"), post(rcv.URL+"/session")
	session.AuthFailedStatuses = []int{419}
	expects401 := post(rcv.URL + "/expired")
	expects401.Response = flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 401}
	sessionPlain := post(rcv.URL + "/session")
	basic := post(rcv.URL + "/basic")
	basic.Auth = &flowevent.Auth{Kind: flowevent.AuthBasic, Username: "svc-flowhook", Secret: "erp_password"}
	cases := []struct {
		node   string
		n      flowevent.NodeConfig
		acct   string
		reason flowevent.Reason
	}{
		{"expired", expired, "acme", flowevent.ReasonAuthFailed},
		{"forbidden", forbidden, "acme", flowevent.ReasonAuthFailed},
		{"session", session, "acme", flowevent.ReasonAuthFailed},
		{"session-plain", sessionPlain, "acme", flowevent.ReasonStatusMismatch},
		{"expects-401", expects401, "acme", flowevent.ReasonMatched},
		{"basic", basic, "acme", flowevent.ReasonMatched},
		{"basic", basic, "other", flowevent.ReasonAuthFailed},
	}
	attrs := map[string]any{"email": "ada@example.com"}
	for i, c := range cases {
		for j := range 3 {
			publishFor(t, js, c.acct, fmt.Sprintf("af-%d-%d", i, j), c.node, c.n, attrs)
		}
	}
	waitStoredOutcomes(t, js, 3*len(cases), 60*time.Second)
	for i, c := range cases {
		got := outcomesOf(t, js, c.acct)
		for j := range 3 {
			o := got[fmt.Sprintf("af-%d-%d", i, j)]
			wantRoute := flowevent.RouteNo
			if c.reason == flowevent.ReasonMatched {
				wantRoute = flowevent.RouteYes
			}
			if len(o) != 1 || o[0].Reason != c.reason || o[0].Route != wantRoute {
				t.Errorf("%s/%s: %+v, want %s", c.acct, c.node, o, c.reason)
			}
		}
	}
	var v nodestats.View
	poll.Until(t, 15*time.Second, "node stats flag the expired node", func() bool {
		status, body := get(t, a, "/v1/stats?account=acme&flow=flow-1&node=expired")
		v = nodestats.View{}
		return status == 200 && json.Unmarshal([]byte(body), &v) == nil && v.Total == 3
	})
	if r := v.CredentialsRejected; r == nil || r.Times != 3 || r.Since.IsZero() {
		t.Errorf("expired node's stats: credentials_rejected %+v", r)
	}
	poll.Until(t, 15*time.Second, "the basic node is not flagged", func() bool {
		status, body := get(t, a, "/v1/stats?account=acme&flow=flow-1&node=basic")
		v = nodestats.View{}
		return status == 200 && json.Unmarshal([]byte(body), &v) == nil && v.Total == 3
	})
	if v.CredentialsRejected != nil {
		t.Errorf("basic node flagged: %+v", v.CredentialsRejected)
	}
	poll.Until(t, 15*time.Second, "the gauge counts acme's 3 and other's 1 rejected nodes", func() bool {
		_, body := get(t, a, "/metrics")
		return strings.Contains(body, "flowhook_nodestats_credentials_rejected_nodes 4\n")
	})
}

// TestConditionalEndToEnd: parameters left out or sent by omit_empty and
// when conditions, per profile, in a JSON body, checked by a receiver.
func TestConditionalEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	bodies := make(chan string, 4)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- r.Header.Get("X-Profile") + " " + string(b)
	}))
	t.Cleanup(rcv.Close)
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	startApp(t, testConfig(srv.ClientURL()))
	yes := true
	n := post(rcv.URL + "/leads")
	n.Params = []flowevent.Param{
		{Name: "email", From: flowevent.FromProfile, Path: "email"},
		{Name: "contact.phone", From: flowevent.FromProfile, Path: "phone", OmitEmpty: true},
		{Name: "region", From: flowevent.FromStatic, Value: "nordics",
			When: &flowevent.Condition{From: flowevent.FromProfile, Path: "address.country", OneOf: []json.RawMessage{json.RawMessage(`"SE"`), json.RawMessage(`"NO"`)}}},
		{Name: "consent", From: flowevent.FromProfile, Path: "consent.marketing",
			When: &flowevent.Condition{From: flowevent.FromProfile, Path: "consent.marketing", Exists: &yes}},
	}
	publishFor(t, js, "acme", "cond-se", "cond", n, map[string]any{"email": "a@x.se", "phone": "+46 1", "address": map[string]any{"country": "SE"},
		"consent": map[string]any{"marketing": true}})
	publishFor(t, js, "acme", "cond-de", "cond", n, map[string]any{"email": "b@x.de", "phone": "", "address": map[string]any{"country": "DE"}})
	waitStoredOutcomes(t, js, 2, 30*time.Second)
	got := map[string]bool{}
	for range 2 {
		select {
		case b := <-bodies:
			got[strings.TrimSpace(b)] = true
		case <-time.After(10 * time.Second):
			t.Fatal("receiver got fewer than 2 requests")
		}
	}
	for _, want := range []string{
		`{"email":"a@x.se","contact":{"phone":"+46 1"},"region":"nordics","consent":true}`,
		`{"email":"b@x.de"}`,
	} {
		if !got[want] {
			t.Errorf("receiver did not get %s; got %v", want, got)
		}
	}
}
