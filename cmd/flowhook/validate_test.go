package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// validNode is a node configuration without problems or warnings.
func validNode() flowevent.NodeConfig {
	return flowevent.NodeConfig{
		Method: flowevent.MethodPost,
		URL:    "https://crm.example.com/v1/leads?list=mql",
		Params: []flowevent.Param{
			{Name: "email", From: flowevent.FromProfile, Path: "email"},
			{Name: "form", From: flowevent.FromEvent, Path: "form.name"},
			{Name: "source", From: flowevent.FromStatic, Value: "flow"},
		},
		Headers:  []flowevent.Header{{Name: "Authorization", Secret: "crm_token", Prefix: "Bearer "}},
		Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
		OnError:  flowevent.RouteNo,
	}
}

func validRequest() flowevent.Request {
	return flowevent.Request{
		Account: "acme", FlowID: "welcome", NodeID: "webhook-1", Node: validNode(),
		Profile: flowevent.Profile{ID: "prof-1", Attributes: map[string]any{"email": "ada@example.com"}},
	}
}

// writeJSON writes v (or raw bytes) to a file in a test directory.
func writeJSON(t *testing.T, name string, v any) string {
	t.Helper()
	data, ok := v.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// requestEventFile writes req as a structured request event.
func requestEventFile(t *testing.T, req flowevent.Request) string {
	t.Helper()
	msg, err := flowevent.NewRequestMsg("evt-1", req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.Header.Get("Content-Type"), flowevent.ContentTypeStructured) {
		t.Fatalf("NewRequestMsg wrote content type %q, want structured", msg.Header.Get("Content-Type"))
	}
	return writeJSON(t, "event.json", msg.Data)
}

func runValidateArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runValidate(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestValidateCommand(t *testing.T) {
	broken := validNode()
	broken.Method = "get"
	broken.URL = "ftp://user:pw@crm.example.com/#frag"
	broken.Params[0].Name = ""
	broken.Params[1].From = "cookie"
	broken.Headers = append(broken.Headers,
		flowevent.Header{Name: "Host", Value: "internal"},
		flowevent.Header{Name: "X-Trace", Value: "a\r\nX-Evil: 1"},
		flowevent.Header{Name: "X-Both", Value: "v", Secret: "s"})
	broken.Response = flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 42}
	broken.OnError = "retry"
	broken.TimeoutMS = 5

	inline := validNode()
	inline.Headers = []flowevent.Header{{Name: "Authorization", Value: "Bearer inline-token-123"}, {Name: "X-Api-Key", Value: "k-456"}}

	plainHTTP := validNode()
	plainHTTP.URL = "http://crm.example.com/v1/leads"

	badEvent := validRequest()
	badEvent.Node.Headers[0].Secret = "no/slash"
	badEvent.Node.TimeoutMS = 5

	badData := validRequest()
	badData.Node.Method = "HEAD"

	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantCode  int
		wantLines []string // each must appear in stdout
		notInOut  []string // must not appear in stdout or stderr
	}{
		{name: "valid node", args: []string{writeJSON(t, "node.json", validNode())},
			wantCode: exitOK, wantLines: []string{"valid node configuration (0 warnings)"}},
		{name: "every problem with its path", args: []string{writeJSON(t, "node.json", broken)},
			wantCode: exitFailure, wantLines: []string{
				"error: method:", "error: url:", "error: params[0].name:", "error: params[1].from:",
				"error: headers[1].name:", "error: headers[2].value:", "error: headers[3]:",
				"error: response.status:", "error: on_error:", "error: timeout_ms:",
				"invalid node configuration: 10 errors\n",
			}, notInOut: []string{"a\r\nX-Evil"}},
		{name: "inline credentials warn", args: []string{writeJSON(t, "node.json", inline)},
			wantCode: exitOK, wantLines: []string{
				"warning: headers[0].value: header Authorization carries an inline credential",
				"warning: headers[1].value: header X-Api-Key carries an inline credential",
				"valid node configuration (2 warnings)",
			}, notInOut: []string{"inline-token-123", "k-456"}},
		{name: "whole request event", args: []string{requestEventFile(t, validRequest())},
			wantCode: exitOK, wantLines: []string{"valid request event (0 warnings)"}},
		{name: "whole request event with problems", args: []string{requestEventFile(t, badEvent)},
			wantCode: exitFailure, wantLines: []string{"error: data.node.headers[0].secret:", "error: data.node.timeout_ms:", "invalid request event: 2 errors\n"}},
		{name: "request data", args: []string{writeJSON(t, "data.json", badData)},
			wantCode: exitFailure, wantLines: []string{"error: node.method:", "invalid request data: 1 error\n"}},
		{name: "http allowed by default", args: []string{writeJSON(t, "node.json", plainHTTP)},
			wantCode: exitOK, wantLines: []string{"valid node configuration"}},
		{name: "--https-only", args: []string{"--https-only", writeJSON(t, "node.json", plainHTTP)},
			wantCode: exitFailure, wantLines: []string{"error: url: scheme must be https"}},
		{name: "FLOWHOOK_HTTPS_ONLY", args: []string{writeJSON(t, "node.json", plainHTTP)}, env: map[string]string{"FLOWHOOK_HTTPS_ONLY": "true"},
			wantCode: exitFailure, wantLines: []string{"error: url: scheme must be https"}},
		{name: "unknown field", args: []string{writeJSON(t, "node.json", []byte(`{"method":"GET","url":"https://x.example/","bogus":1}`))},
			wantCode: exitFailure, wantLines: []string{`error: bogus: unknown field "bogus"`}},
		{name: "not JSON", args: []string{writeJSON(t, "node.json", []byte("method: GET"))},
			wantCode: exitFailure, wantLines: []string{"error: line 1, column 1: invalid character 'm'", "invalid JSON: 1 error\n"}},
		{name: "not an object", args: []string{writeJSON(t, "node.json", []byte(`["GET"]`))},
			wantCode: exitFailure, wantLines: []string{"error: not a JSON object"}},
		// What a first try of the walk-through produced: each problem
		// with its path, none hidden behind the first.
		{name: "type errors and unknown nested fields, all of them", args: []string{writeJSON(t, "node.json", []byte(`{
  "method": "POST", "url": "https://crm.example.com/x",
  "params": [{"name": "email", "from": "profile", "path": "email"}, {"name": "form", "form": "event", "path": "form.id"}],
  "response": {"kind": "status", "status": "201"},
  "on_error": "no",
  "retry": {"max_attempts": 3.5, "deadline_ms": 60000}
}`))},
			wantCode: exitFailure, wantLines: []string{
				`error: params[1].form: unknown field "form" (did you mean "from"?)`,
				"error: response.status: must be an integer, got a string",
				"error: retry.max_attempts: must be an integer, got a number with a fraction or exponent",
				"error: params[1].from: must be",
				"invalid node configuration: 4 errors\n",
			}, notInOut: []string{"response.status: must be between", "cannot unmarshal"}},
		{name: "syntax error with line and column", args: []string{writeJSON(t, "node.json", []byte("{\n  \"method\": \"GET\",\n  \"url\": https://x.example/\n}"))},
			wantCode: exitFailure, wantLines: []string{"error: line 3, column 10: invalid character 'h' looking for beginning of value", "invalid JSON: 1 error\n"}},
		{name: "event: its attributes and its data's shape", args: []string{writeJSON(t, "event.json", []byte(`{"specversion":"1.0","source":"flows/f/nodes/n","type":"io.flowhook.webhook.request.v1",
  "data":{"account":"acme","flow_id":"f","node_id":"n","profile":{"id":"p","attributes":{}},
    "node":{"method":"GET","url":"https://x.example/","response":{"kind":"status","status":"200"},"on_error":"no","headers":[{"name":"X-A","value":1}]}}}`))},
			wantCode: exitFailure, wantLines: []string{
				"error: data.node.response.status: must be an integer, got a string",
				"error: data.node.headers[0].value: must be a string, got a number",
				"error: (document): flowevent: decode",
				"invalid request event: 3 errors\n",
			}},
		{name: "unreadable file", args: []string{filepath.Join(t.TempDir(), "missing.json")}, wantCode: exitUsage},
		{name: "no file", args: nil, wantCode: exitUsage},
		{name: "two files", args: []string{"a.json", "b.json"}, wantCode: exitUsage},
		{name: "unknown flag", args: []string{"--bogus", "a.json"}, wantCode: exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := runValidateArgs(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			for _, want := range tt.wantLines {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, leak := range tt.notInOut {
				if strings.Contains(stdout+stderr, leak) {
					t.Errorf("output quotes %q:\n%s%s", leak, stdout, stderr)
				}
			}
		})
	}
}

// TestValidateSchemaExamples: the contract's example request events pass
// validation when they are *.good.json and fail when they are *.bad.json.
func TestValidateSchemaExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "schemas", "testdata", "request-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no request examples in schemas/testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, stdout, stderr := runValidateArgs(t, f)
			want := exitOK
			if strings.HasSuffix(f, ".bad.json") {
				want = exitFailure
			}
			if code != want {
				t.Errorf("exit %d, want %d\n%s%s", code, want, stdout, stderr)
			}
		})
	}
}

// TestValidateRetryWindow: validate applies the same retry window as
// serve, and --max-retry-window moves it the same way.
func TestValidateRetryWindow(t *testing.T) {
	n := validNode()
	n.Retry = &flowevent.RetryPolicy{MaxAttempts: 3, DeadlineMS: int((10 * time.Minute).Milliseconds())}
	file := writeJSON(t, "node.json", n)
	if code, out, _ := runValidateArgs(t, file); code != exitFailure || !strings.Contains(out, "retry") {
		t.Errorf("a 10m deadline under the default 5m window: exit %d, output %q; want exit 1 naming retry", code, out)
	}
	if code, out, _ := runValidateArgs(t, "--max-retry-window", "15m", file); code != exitOK {
		t.Errorf("with --max-retry-window 15m: exit %d, output %q; want 0", code, out)
	}
}

// TestValidateShowsSecretScope: validate says where each secret a node
// references resolves: in its request's account only (or, for a bare node,
// the account of the request that will carry it).
func TestValidateShowsSecretScope(t *testing.T) {
	node := `{"method":"POST","url":"https://x.example/h","headers":[{"name":"Authorization","secret":"crm_token","prefix":"Bearer "}],` +
		`"signing":{"scheme":"standard-webhooks","secret":"hook.key"},"response":{"kind":"status","status":200},"on_error":"no"}`
	data := `{"account":"shop-42","flow_id":"f","node_id":"n","profile":{"id":"p"},"node":` + node + `}`
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"request data", data, []string{
			`headers[0]: secret "crm_token" resolves in account shop-42 only: <secrets-dir>/shop-42/crm_token or $FLOWHOOK_SECRET_SHOP_42__CRM_TOKEN, or a shared secret granted to shop-42 (--grant-secret shop-42:crm_token)`,
			`signing: secret "hook.key" resolves in account shop-42 only`,
		}},
		{"bare node", node, []string{`headers[0]: secret "crm_token" resolves in the account of the request event only: <secrets-dir>/<account>/crm_token or $FLOWHOOK_SECRET_<ACCOUNT>__CRM_TOKEN`}},
	} {
		code, out, errOut := runCommand(t.Context(), "validate", writeFile(t, "doc.json", tc.doc))
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s%s", tc.name, code, out, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, w, out)
			}
		}
	}
}
