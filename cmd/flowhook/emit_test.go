package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/tools/inspect"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// startDispatcher runs the flowhook service with its embedded NATS server,
// loopback allowed, until the test ends, and returns its NATS URL.
func startDispatcher(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, app.Config{
		DataDir:      t.TempDir(),
		EmbeddedPort: -1,
		Topology:     bus.Topology{AckWait: 10 * time.Second},
		Egress:       egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
	}, zerolog.Nop())
	if err != nil {
		cancel()
		t.Fatalf("app.Start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := a.Wait(); err != nil {
			t.Errorf("app stopped with %v", err)
		}
	})
	return a.NATSURL()
}

// TestEmitAndTail publishes generated request events with emit, lets a
// real dispatcher send them to a catcher that fails every third request,
// and follows the outcomes with tail, filtered and raw.
func TestEmitAndTail(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the dispatcher with an embedded NATS server")
	}
	t.Setenv("FLOWHOOK_SECRET_ACME__CRM_TOKEN", secretValue)
	catcher, url := startCatcher(t, inspect.Options{Response: inspect.Response{Status: 201, FailEvery: 3}}, nil)
	natsURL := startDispatcher(t)
	node := writeFile(t, "node.json", tryNode(url))

	code, out, errOut := runCommand(t.Context(), "emit", "--nats-url", natsURL, "--node", node, "--account", "acme", "--flow", "onboarding",
		"--profile", `{"id":"p-{{seq}}","attributes":{"email":"user{{seq}}@example.com"}}`, "--trigger", `{"form":{"id":"f{{seq}}"}}`,
		"--count", "6", "--id-prefix", "run1")
	if code != exitOK || !strings.Contains(out, "published 6/6") || !strings.Contains(out, "stored 6") {
		t.Fatalf("emit: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = runCommand(t.Context(), "tail", "--nats-url", natsURL, "--all", "--count", "6", "--timeout", "30s")
	if code != exitOK {
		t.Fatalf("tail: exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("tail printed %d lines, want 6:\n%s", len(lines), out)
	}
	routes := map[string]int{}
	for _, l := range lines {
		switch {
		case strings.Contains(l, "  yes  matched "):
			routes["yes"]++
		case strings.Contains(l, "  no   status_mismatch     500") && strings.HasSuffix(l, "expected status 201, got 500"):
			routes["no"]++
		}
		if !strings.Contains(l, "acme onboarding/webhook  profile p-") || !strings.Contains(l, "request run1-") {
			t.Errorf("line lacks ids: %s", l)
		}
	}
	if routes["yes"] != 4 || routes["no"] != 2 {
		t.Errorf("routes %v, want 4 yes and 2 no:\n%s", routes, out)
	}

	// Filters and raw JSON: only the no outcomes.
	code, out, errOut = runCommand(t.Context(), "tail", "--nats-url", natsURL, "--all", "--route", "no", "--flow", "onboarding", "--node-id", "webhook", "--json", "--count", "2", "--timeout", "30s")
	if code != exitOK {
		t.Fatalf("tail --json: exit %d\n%s%s", code, out, errOut)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		h := nats.Header{}
		h.Set("Content-Type", flowevent.ContentTypeStructured)
		_, o, err := flowevent.DecodeOutcome(&nats.Msg{Header: h, Data: []byte(l)})
		if err != nil || o.Route != flowevent.RouteNo || o.Status != 500 {
			t.Errorf("raw outcome %v %+v: %s", err, o, l)
		}
	}

	// A filter nothing matches: --timeout before --count is a failure.
	code, _, errOut = runCommand(t.Context(), "tail", "--nats-url", natsURL, "--all", "--account", "other", "--count", "1", "--timeout", "300ms")
	if code != exitFailure || !strings.Contains(errOut, "0 of 1 outcomes within 300ms") {
		t.Errorf("tail with no match: exit %d %s", code, errOut)
	}

	// What the endpoint received: one request per event, values from the
	// templates.
	got, _ := catcher.Requests(0)
	if len(got) != 6 {
		t.Fatalf("endpoint got %d requests, want 6", len(got))
	}
	seen := map[string]bool{}
	for _, c := range got {
		seen[jsonString(t, c.Query)] = true
	}
	want := `[{"name":"source","value":"flows"},{"name":"email","value":"user4@example.com"},{"name":"first_name","value":""},{"name":"city","value":""},{"name":"form","value":"f4"}]`
	if !seen[want] {
		t.Errorf("no request with query %s among %v", want, seen)
	}
}

// TestEmitFile publishes a file holding a structured event and bare
// request data, and follows their outcomes.
func TestEmitFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the dispatcher with an embedded NATS server")
	}
	t.Setenv("FLOWHOOK_SECRET_ACME__CRM_TOKEN", secretValue)
	_, url := startCatcher(t, inspect.Options{Response: inspect.Response{Status: 201}}, nil)
	natsURL := startDispatcher(t)
	var n flowevent.NodeConfig
	if err := json.Unmarshal([]byte(tryNode(url)), &n); err != nil {
		t.Fatal(err)
	}
	req := flowevent.Request{Account: "acme", FlowID: "f", NodeID: "n", Node: n, Profile: flowevent.Profile{ID: "p-event"}}
	msg, err := flowevent.NewRequestMsg("evt-structured", req)
	if err != nil {
		t.Fatal(err)
	}
	req.Profile.ID = "p-data"
	data, _ := json.Marshal(req)
	file := writeFile(t, "events.json", "[\n"+string(msg.Data)+",\n"+string(data)+"\n]")

	code, out, errOut := runCommand(t.Context(), "emit", "--nats-url", natsURL, "--file", file, "--id-prefix", "file")
	if code != exitOK || !strings.Contains(out, "stored evt-structured") || !strings.Contains(out, "stored file-2") {
		t.Fatalf("emit --file: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCommand(t.Context(), "tail", "--nats-url", natsURL, "--all", "--account", "acme", "--count", "2", "--timeout", "30s")
	if code != exitOK || !strings.Contains(out, "profile p-event  request evt-structured") || !strings.Contains(out, "profile p-data  request file-2") {
		t.Errorf("tail: exit %d\n%s%s", code, out, errOut)
	}
}

func TestEmitErrors(t *testing.T) {
	plain := bustest.Server(t) // NATS without flowhook's streams
	node := writeFile(t, "node.json", tryNode("https://crm.example.com"))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"nothing to emit", nil, exitUsage, "give --file FILE"},
		{"both", []string{"--file", node, "--node", node}, exitUsage, "not both"},
		{"bad element", []string{"--file", writeFile(t, "e.json", `[{"node":{"method":"GET"},"account":"a","flow_id":"f","node_id":"n","profile":{"id":"p"}},{"node":{},"acount":"x"}]`)}, exitFailure, `events[1]: unknown field "acount"`},
		{"node in file", []string{"--file", node}, exitFailure, "events[0]: a node configuration, not a request event"},
		{"syntax error in an element", []string{"--file", writeFile(t, "s.json", "[\n"+`{"account":"a","flow_id":"f","node_id":"n","node":{},"profile":{"id":"p"}},`+"\n"+`{"account":"a",`+"\n"+` "flow_id": f}`+"\n]")},
			exitFailure, "events[1]: line 4, column 14: invalid character '}' in literal false (expecting 'a'); nothing was published"},
		{"bad template", []string{"--node", node, "--profile", `{"id":"p","attributes":{{seq}}}`}, exitFailure, `event 1: preview: profile: field "attributes": JSON number where an object expected`},
		{"no stream", []string{"--node", node, "--profile", `{"email":"a@b.c"}`}, exitFailure, "start flowhook serve first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--nats-url", plain.ClientURL()}, tt.args...)
			code, out, errOut := runCommand(t.Context(), "emit", args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
}

func TestTailErrors(t *testing.T) {
	plain := bustest.Server(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--route", "maybe"}, exitUsage, `--route: want yes, no or exit, got "maybe"`},
		{[]string{"--account", "a.b"}, exitUsage, "--account: must be"},
		{[]string{"--all", "--since", "1m"}, exitUsage, "not both"},
		{nil, exitFailure, "no JetStream stream stores outcomes"},
	}
	for _, tt := range tests {
		code, out, errOut := runCommand(t.Context(), "tail", append([]string{"--nats-url", plain.ClientURL()}, tt.args...)...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("tail %v: exit %d (want %d), output lacks %q:\n%s%s", tt.args, code, tt.code, tt.want, out, errOut)
		}
	}
}
