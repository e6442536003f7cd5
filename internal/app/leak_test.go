package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/clienttls/clienttlstest"
	"github.com/flowhook/flowhook/internal/oauth/oauthtest"
	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Planted values. Each is made of letters, digits and dashes only, so it
// survives every escaping flowhook or a receiver might apply (query
// percent-encoding, JSON) and a plain search finds it anywhere.
const (
	plantedFileSecret  = "sk-live-PLANTED-FILE-5e1f0c77"
	plantedEnvSecret   = "PLANTED-ENV-SECRET-9a2b44d1"
	plantedParamSecret = "PLANTED-PARAM-SECRET-3c8e"
	plantedEmail       = "PLANTED-EMAIL-e4d1"
	plantedPhone       = "PLANTED-PHONE-77001"
	plantedEvent       = "PLANTED-EVENT-c0ffee"
	plantedURLQuery    = "PLANTED-URLQUERY-71ab"
	plantedHeader      = "PLANTED-HEADER-VALUE-0d0a"
	// Credentials of nodes with auth and tls: an OAuth 2.0 client secret,
	// the tokens a token endpoint issues, a Basic password, and junk
	// where a private key belongs. The real private key's PEM is added at
	// run time (leakEnv.keyMaterial).
	plantedClientSecret = "PLANTED-CLIENT-SECRET-41c2"
	plantedWrongSecret  = "PLANTED-WRONG-SECRET-9e70"
	plantedToken        = "PLANTED-TOKEN-7f3a-"
	plantedPassword     = "PLANTED-PASSWORD-b00c"
	plantedKeyJunk      = "PLANTED-KEY-JUNK-55d1"
)

var plantedValues = []string{
	plantedFileSecret, plantedEnvSecret, plantedParamSecret, plantedEmail,
	plantedPhone, plantedEvent, plantedURLQuery, plantedHeader,
	plantedClientSecret, plantedWrongSecret, plantedToken, plantedPassword, plantedKeyJunk,
}

// leaks returns the planted values found in b.
func leaks(b []byte) []string {
	var found []string
	for _, v := range plantedValues {
		if bytes.Contains(b, []byte(v)) {
			found = append(found, v)
		}
	}
	return found
}

// echo answers with status and a body that repeats everything it was sent:
// a hostile receiver trying to get our data into our own records.
func echo(status int, hits *atomic.Int64, gotAuth *atomic.Value) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if gotAuth != nil {
			gotAuth.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Env-Token") + "|" + r.URL.RawQuery)
		}
		w.Header().Set("X-Echo", r.URL.RawQuery)
		w.WriteHeader(status)
		fmt.Fprintf(w, "you sent %s %s?%s with %v", r.Method, r.URL.Path, r.URL.RawQuery, r.Header)
	}
}

// leakNode is one node of the leak test and the outcome it must end in.
type leakNode struct {
	id     string
	node   flowevent.NodeConfig
	reason flowevent.Reason
}

// plantedParams send every kind of planted value as query parameters.
func plantedParams() []flowevent.Param {
	return []flowevent.Param{
		{Name: "email", From: flowevent.FromProfile, Path: "email"},
		{Name: "phone", From: flowevent.FromProfile, Path: "contact.phone"},
		{Name: "coupon", From: flowevent.FromEvent, Path: "order.coupon"},
		{Name: "sig", From: flowevent.FromSecret, Secret: "param_secret"},
	}
}

// plantedHeaders send both planted secrets and an inline value.
func plantedHeaders() []flowevent.Header {
	return []flowevent.Header{
		{Name: "Authorization", Secret: "crm_token", Prefix: "Bearer "},
		{Name: "X-Env-Token", Secret: "env_token"},
		{Name: "X-Customer-Note", Value: plantedHeader},
	}
}

func leakNodeConfig(url string, check flowevent.ResponseCheck, timeoutMS int) flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method:    flowevent.MethodPost,
		URL:       url + "?list=" + plantedURLQuery,
		Params:    plantedParams(),
		Headers:   plantedHeaders(),
		Response:  check,
		OnError:   flowevent.RouteNo,
		TimeoutMS: timeoutMS,
	}
}

var status200 = flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200}

// leakEnv is everything the leak test runs against.
type leakEnv struct {
	nodes     []leakNode
	canary    *atomic.Int64 // hits on addresses that must never be reached
	okAuth    *atomic.Value
	blockedAt map[string]string // node id -> origin the log must name
	// secrets are acme's secret files the credential nodes need; tokens
	// is their token endpoint; keyMaterial the private key's PEM lines,
	// planted too.
	secrets     map[string]string
	tokens      *oauthtest.Server
	keyMaterial []string
	credAuth    sync.Map // Authorization values the credential nodes' receivers got
}

// newLeakEnv starts the receivers: 127.0.0.1 is allow-listed, 127.0.0.2
// (loopback, denied) hosts a canary that must never be reached. Denied
// targets are all loopback spellings, so that even a guard failure sends no
// traffic off this machine.
func newLeakEnv(t *testing.T) *leakEnv {
	t.Helper()
	env := &leakEnv{canary: new(atomic.Int64), okAuth: new(atomic.Value), blockedAt: map[string]string{}}
	canaryLn, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("127.0.0.2 not usable here: %v", err)
	}
	canary := httptest.NewUnstartedServer(echo(200, env.canary, nil))
	canary.Listener = canaryLn
	canary.Start()
	t.Cleanup(canary.Close)
	canaryPort := canaryLn.Addr().(*net.TCPAddr).Port

	serve := func(h http.Handler) *httptest.Server {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s
	}
	var okHits, failHits, redirectHits atomic.Int64
	ok := serve(echo(200, &okHits, env.okAuth))
	failing := serve(echo(500, &failHits, nil))
	redirect := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirectHits.Add(1)
		http.Redirect(w, r, fmt.Sprintf("http://127.0.0.2:%d/steal?%s", canaryPort, r.URL.RawQuery), http.StatusFound)
	}))
	slow := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
	}))
	untrusted := httptest.NewUnstartedServer(echo(200, new(atomic.Int64), nil))
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	untrusted.StartTLS()
	t.Cleanup(untrusted.Close)

	missing := leakNodeConfig(ok.URL+"/hook", status200, 0)
	missing.Headers = append(missing.Headers, flowevent.Header{Name: "X-Missing", Secret: "does_not_exist"})
	invalid := leakNodeConfig(ok.URL+"/hook", status200, 0)
	invalid.Method = "get"
	invalid.Headers = append(invalid.Headers, flowevent.Header{Name: "X-Bad", Value: plantedHeader + "\r\nX-Injected: " + plantedEmail})
	invalid.Headers = append(invalid.Headers, flowevent.Header{Name: "Authorization: Bearer " + plantedFileSecret, Value: plantedFileSecret})

	env.nodes = []leakNode{
		{"ok", leakNodeConfig(ok.URL+"/hook", status200, 0), flowevent.ReasonMatched},
		{"failing-status", leakNodeConfig(failing.URL+"/hook", status200, 0), flowevent.ReasonStatusMismatch},
		{"failing-body", leakNodeConfig(failing.URL+"/hook", flowevent.ResponseCheck{Kind: flowevent.CheckBodyContains, Contains: "accepted"}, 0), flowevent.ReasonBodyMismatch},
		{"redirect-to-loopback", leakNodeConfig(redirect.URL+"/hook", status200, 0), flowevent.ReasonBlockedDestination},
		{"timeout", leakNodeConfig(slow.URL+"/hook", status200, 300), flowevent.ReasonTimeout},
		{"tls-untrusted", leakNodeConfig(untrusted.URL+"/hook", status200, 0), flowevent.ReasonTLSError},
		{"blocked-hex", leakNodeConfig(fmt.Sprintf("http://0x7f000002:%d/latest/meta-data/iam", canaryPort), status200, 0), flowevent.ReasonBlockedDestination},
		{"blocked-decimal", leakNodeConfig(fmt.Sprintf("http://2130706434:%d/hook", canaryPort), status200, 0), flowevent.ReasonBlockedDestination},
		{"blocked-v6-loopback", leakNodeConfig(fmt.Sprintf("http://[::1]:%d/hook", canaryPort), status200, 0), flowevent.ReasonBlockedDestination},
		{"missing-secret", missing, flowevent.ReasonSecretMissing},
		{"invalid-config", invalid, flowevent.ReasonInvalidConfig},
	}
	env.addCredentialNodes(t, serve, canaryPort)
	env.blockedAt["blocked-hex"] = fmt.Sprintf("http://0x7f000002:%d", canaryPort)
	env.blockedAt["blocked-decimal"] = fmt.Sprintf("http://2130706434:%d", canaryPort)
	env.blockedAt["blocked-v6-loopback"] = fmt.Sprintf("http://[::1]:%d", canaryPort)
	env.blockedAt["redirect-to-loopback"] = strings.TrimSuffix(redirect.URL, "/")
	return env
}

// addCredentialNodes adds nodes with auth (OAuth 2.0 and Basic, accepted
// and refused) and tls (a client certificate accepted, a junk key) against
// echoing receivers, so that every credential reaches a receiver that
// repeats it back.
func (env *leakEnv) addCredentialNodes(t *testing.T, serve func(http.Handler) *httptest.Server, canaryPort int) {
	env.tokens = oauthtest.NewServer(t, map[string]string{"acme-app": plantedClientSecret}, 3600)
	env.tokens.TokenPrefix = plantedToken
	var hits atomic.Int64
	noting := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			env.credAuth.Store(r.Header.Get("Authorization"), true)
			h(w, r)
		}
	}
	ok, refusing := serve(noting(echo(200, &hits, nil))), serve(noting(echo(401, &hits, nil)))
	serverCA, clientCA := clienttlstest.NewCA(t, "leak server root"), clienttlstest.NewCA(t, "leak client root")
	leaf := clientCA.Client(t, "acme")
	mtls := clienttlstest.MutualTLSServer(t, serverCA, clientCA, echo(200, &hits, nil))
	for _, line := range strings.Split(leaf.KeyPEM, "\n") {
		if len(line) >= 32 && !strings.HasPrefix(line, "-----") {
			env.keyMaterial = append(env.keyMaterial, line)
		}
	}
	env.secrets = map[string]string{
		"crm_client_secret": plantedClientSecret, "wrong_client_secret": plantedWrongSecret, "erp_password": plantedPassword,
		"bank_cert": leaf.CertPEM, "bank_key": leaf.KeyPEM, "bank_ca": serverCA.PEM,
		"junk_key": "-----BEGIN PRIVATE KEY-----\n" + plantedKeyJunk + "\n-----END PRIVATE KEY-----\n",
	}
	withAuth := func(url string, a *flowevent.Auth, tls *flowevent.TLS) flowevent.NodeConfig {
		n := leakNodeConfig(url, status200, 0)
		n.Headers = n.Headers[1:] // auth sets Authorization
		n.Auth, n.TLS = a, tls
		return n
	}
	oauth := func(secret string) *flowevent.Auth {
		return &flowevent.Auth{Kind: flowevent.AuthOAuth2, TokenURL: env.tokens.URL + "/token?tenant=" + plantedURLQuery, ClientID: "acme-app", Secret: secret}
	}
	basic := &flowevent.Auth{Kind: flowevent.AuthBasic, Username: "svc", Secret: "erp_password"}
	tlsOK := &flowevent.TLS{CertSecret: "bank_cert", KeySecret: "bank_key", CASecret: "bank_ca"}
	tlsJunk := &flowevent.TLS{CertSecret: "bank_cert", KeySecret: "junk_key", CASecret: "bank_ca"}
	env.nodes = append(env.nodes,
		leakNode{"oauth2-ok", withAuth(ok.URL+"/hook", oauth("crm_client_secret"), nil), flowevent.ReasonMatched},
		leakNode{"oauth2-refused-401", withAuth(refusing.URL+"/hook", oauth("crm_client_secret"), nil), flowevent.ReasonAuthFailed},
		leakNode{"oauth2-wrong-secret", withAuth(ok.URL+"/hook", oauth("wrong_client_secret"), nil), flowevent.ReasonTokenFailed},
		leakNode{"oauth2-blocked-token-url", withAuth(ok.URL+"/hook", &flowevent.Auth{Kind: flowevent.AuthOAuth2,
			TokenURL: fmt.Sprintf("http://127.0.0.2:%d/token", canaryPort), ClientID: "acme-app", Secret: "crm_client_secret"}, nil), flowevent.ReasonTokenFailed},
		leakNode{"basic-ok", withAuth(ok.URL+"/hook", basic, nil), flowevent.ReasonMatched},
		leakNode{"basic-refused", withAuth(refusing.URL+"/hook", basic, nil), flowevent.ReasonAuthFailed},
		leakNode{"mtls-ok", withAuth(mtls.URL+"/hook", nil, tlsOK), flowevent.ReasonMatched},
		leakNode{"mtls-junk-key", withAuth(mtls.URL+"/hook", nil, tlsJunk), flowevent.ReasonInvalidConfig},
	)
}

func leakRequest(nodeID string, n flowevent.NodeConfig, padding string) flowevent.Request {
	attrs := map[string]any{
		"email":   "ada." + plantedEmail + "@example.com",
		"contact": map[string]any{"phone": "+44 " + plantedPhone},
	}
	if padding != "" {
		attrs["notes"] = padding
	}
	return flowevent.Request{
		Account: "acme", FlowID: "leak-flow", NodeID: nodeID, Node: n,
		Profile: flowevent.Profile{ID: "p-" + nodeID, Attributes: attrs},
		Trigger: &flowevent.Trigger{Type: "order_placed", Data: map[string]any{"order": map[string]any{"coupon": plantedEvent}}},
	}
}

// publishLeakMalformed publishes inputs flowhook must dead-letter, every one
// carrying planted values, and returns how many there are and how many of
// them name a profile at a node (and so also get an outcome).
func publishLeakMalformed(t *testing.T, nc *nats.Conn, maxEventBytes int) (total, withOutcome int) {
	t.Helper()
	structured := func(body string) *nats.Msg {
		m := nats.NewMsg(flowevent.RequestSubject("acme"))
		m.Header.Set("Content-Type", flowevent.ContentTypeStructured)
		m.Data = []byte(body)
		return m
	}
	event := func(id string, data any) string {
		b, err := json.Marshal(map[string]any{
			"specversion": "1.0", "id": id, "source": "flows/leak-flow/nodes/n-bad", "subject": "p-bad",
			"type": flowevent.RequestType, "datacontenttype": "application/json", "data": data,
		})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	badData := map[string]any{
		"account": "acme", "flow_id": "leak-flow", "node_id": "n-bad",
		"profile": map[string]any{"id": "p-bad", "attributes": map[string]any{"email": plantedEmail}},
		"node": map[string]any{
			"on_error": "exit", "url": "https://x.example/?q=" + plantedURLQuery,
			"timeout_ms": plantedPhone, // a string where a number belongs
			"headers":    []any{map[string]any{"name": "X", "value": plantedHeader}},
		},
	}
	// A valid event for account "other" published on acme's subject.
	other := leakRequest("n-other", leakNodeConfig("https://x.example/hook", status200, 0), "")
	other.Account = "other"
	wrongAccount, err := flowevent.NewRequestMsg("bad-account-1", other)
	if err != nil {
		t.Fatal(err)
	}
	wrongAccount.Subject = flowevent.RequestSubject("acme")
	oversized, err := flowevent.NewRequestMsg("too-large-1", leakRequest("n-big", leakNodeConfig("https://x.example/hook", status200, 0),
		strings.Repeat(plantedEmail+" ", maxEventBytes/len(plantedEmail)+1)))
	if err != nil {
		t.Fatal(err)
	}
	bin := nats.NewMsg(flowevent.RequestSubject("acme"))
	bin.Header.Set("ce-specversion", "1.0")
	bin.Header.Set("ce-id", "bad-binary-1")
	bin.Header.Set("ce-source", "flows/leak-flow/nodes/n-bad")
	bin.Header.Set("ce-type", flowevent.RequestType)
	bin.Header.Set("ce-datacontenttype", "application/json")
	bin.Data = []byte(`{"account":"acme","profile":{"attributes":{"email":"` + plantedEmail + `"}`)

	msgs := []*nats.Msg{
		structured("email=" + plantedEmail + "&secret=" + plantedFileSecret), // not JSON
		structured(`{"specversion":"1.0","email":"` + plantedEmail + `"}`),   // no id
		structured(event("bad-data-1", badData)),                             // names a profile: outcome too
		wrongAccount,                                                         // outcome too
		oversized,                                                            // outcome too
		bin,
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := js.PublishMsg(context.Background(), m); err != nil {
			t.Fatalf("publish malformed: %v", err)
		}
	}
	return len(msgs), 3
}

// TestNoPlantedValueLeaks runs the service against receivers that succeed,
// fail, echo, redirect to loopback, hang, present an untrusted certificate
// or sit at denied addresses, plus nodes with a missing secret, an invalid
// configuration and malformed events; secrets come from a secrets
// directory and the environment. No planted secret or personal-data value
// may appear in the debug log, any stored outcome, any dead letter's
// derived fields, or the metrics.
func TestNoPlantedValueLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	env := newLeakEnv(t)
	// Secrets from every scope and source: the account's file and
	// environment variable, and a shared secret granted to the account.
	secretsDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(secretsDir, "acme"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(secretsDir, "acme", "crm_token"), []byte(plantedFileSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	writeSecrets(t, secretsDir, "acme", env.secrets)
	plantedValues = append(plantedValues, env.keyMaterial...)
	t.Cleanup(func() { plantedValues = plantedValues[:len(plantedValues)-len(env.keyMaterial)] })
	t.Setenv("FLOWHOOK_SECRET_ACME__ENV_TOKEN", plantedEnvSecret)
	t.Setenv("FLOWHOOK_SECRET_PARAM_SECRET", plantedParamSecret)

	srv := bustest.Server(t)
	nc, js := bustest.Connect(t, srv.ClientURL())
	cfg := testConfig(srv.ClientURL())
	cfg.Egress.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	cfg.Egress.FollowRedirects = 2
	cfg.Secrets = secret.Config{Dir: secretsDir, Grants: []secret.Grant{{Account: "acme", Name: "param_secret"}}}
	cfg.Dispatch.MaxEventBytes = 32 << 10
	cfg.AdminAddr = "127.0.0.1:0"
	logs := &syncBuffer{}
	a := startAppWithLog(t, cfg, zerolog.New(logs).Level(zerolog.DebugLevel).With().Timestamp().Logger())

	for _, n := range env.nodes {
		msg, err := flowevent.NewRequestMsg("leak-"+n.id, leakRequest(n.id, n.node, ""))
		if err != nil {
			t.Fatalf("%s: %v", n.id, err)
		}
		if _, err := js.PublishMsg(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	malformed, withOutcome := publishLeakMalformed(t, nc, cfg.Dispatch.MaxEventBytes)
	start := time.Now()
	outs := waitStoredOutcomes(t, js, len(env.nodes)+withOutcome, 60*time.Second)
	t.Logf("all outcomes stored after %v", time.Since(start))

	for _, n := range env.nodes {
		got := outs["leak-"+n.id]
		if len(got) != 1 || got[0].Reason != n.reason {
			t.Errorf("node %s: outcomes %+v, want one with reason %s", n.id, got, n.reason)
		}
	}
	if auth, _ := env.okAuth.Load().(string); !strings.Contains(auth, "Bearer "+plantedFileSecret) ||
		!strings.Contains(auth, plantedEnvSecret) || !strings.Contains(auth, plantedParamSecret) || !strings.Contains(auth, plantedURLQuery) {
		t.Errorf("the ok receiver did not get the planted secrets and query (%q): the test proves nothing", auth)
	}
	if n := env.canary.Load(); n != 0 {
		t.Errorf("the denied canary on 127.0.0.2 was reached %d times", n)
	}
	sawToken, sawBasic := false, false
	env.credAuth.Range(func(k, _ any) bool {
		a := k.(string)
		sawToken = sawToken || strings.HasPrefix(a, "Bearer "+plantedToken)
		sawBasic = sawBasic || a == "Basic "+base64.StdEncoding.EncodeToString([]byte("svc:"+plantedPassword))
		return true
	})
	if !sawToken || !sawBasic || env.tokens.Fetches() < 2 || len(env.keyMaterial) == 0 {
		t.Errorf("token sent %v, password sent %v, token fetches %d, key lines %d: the credential nodes prove nothing",
			sawToken, sawBasic, env.tokens.Fetches(), len(env.keyMaterial))
	}

	checkStoredOutcomes(t, js)
	checkDeadLetters(t, js, malformed)
	checkLogs(t, logs, env)
	checkMetrics(t, a)
}
