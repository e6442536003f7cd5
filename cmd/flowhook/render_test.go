package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/flowhook/flowhook/internal/testsupport/syncbuf"
	"github.com/flowhook/flowhook/internal/tools/inspect"
	"github.com/flowhook/flowhook/internal/tools/preview"
)

// tryNode is the node configuration used by the render, send, inspect and
// emit tests; url is the receiver's base URL.
func tryNode(url string) string {
	return `{
  "method": "POST",
  "url": "` + url + `/hooks/crm?source=flows",
  "params": [
    {"name": "email", "from": "profile", "path": "email"},
    {"name": "first_name", "from": "profile", "path": "first_name"},
    {"name": "city", "from": "profile", "path": "address.city"},
    {"name": "form", "from": "event", "path": "form.id"}
  ],
  "headers": [
    {"name": "Authorization", "secret": "crm_token", "prefix": "Bearer "},
    {"name": "X-Source", "value": "flowhook"}
  ],
  "response": {"kind": "status", "status": 201},
  "on_error": "no",
  "timeout_ms": 2000
}`
}

const tryProfile = `{"id":"prof-1","attributes":{"email":"ada@example.com","first_name":"Ada","address":{"city":"London"}}}`

// writeFile writes content to name in a temporary directory and returns
// its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// syncBuffer is a buffer a command writes while the test reads it.
type syncBuffer = syncbuf.Buffer

// runCommand runs one subcommand in-process and returns its exit code and
// output.
func runCommand(ctx context.Context, name string, args ...string) (int, string, string) {
	var stdout, stderr syncBuffer
	code := commands[name].run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

const secretValue = "s3cr3t-token-VALUE"

func TestRenderCommand(t *testing.T) {
	t.Setenv("FLOWHOOK_SECRET_DEMO__CRM_TOKEN", secretValue)
	node := writeFile(t, "node.json", tryNode("https://crm.example.com"))
	code, out, errOut := runCommand(t.Context(), "render", node, "--profile", tryProfile, "--trigger", `{"form":{"id":"demo"}}`, "--id", "evt-1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"POST https://crm.example.com/hooks/crm?source=flows&email=ada%40example.com&first_name=Ada&city=London&form=demo\n",
		"Authorization: Bearer ****", "(secret crm_token)",
		`-H 'Authorization: Bearer '"${FLOWHOOK_SECRET_DEMO__CRM_TOKEN}"`,
		"crm_token (account demo): from the file demo/crm_token in --secrets-dir or $FLOWHOOK_SECRET_DEMO__CRM_TOKEN", "(set: account environment)",
		`status is exactly 201; otherwise the profile takes the "no" path`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, secretValue) {
		t.Errorf("output holds the secret's value:\n%s", out)
	}

	code, out, _ = runCommand(t.Context(), "render", "--mask", "--json", node, "--profile", tryProfile)
	var r preview.Rendered
	if err := json.Unmarshal([]byte(out), &r); code != exitOK || err != nil {
		t.Fatalf("--json: exit %d, %v:\n%s", code, err, out)
	}
	if strings.Contains(out, "ada") || strings.Contains(out, "London") || !strings.Contains(r.URL, "email=****") {
		t.Errorf("--mask shows profile values:\n%s", out)
	}
}

func TestRenderCommandErrors(t *testing.T) {
	good := writeFile(t, "node.json", tryNode("https://crm.example.com"))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"--help"}, exitOK, "example:"},
		{"no file", nil, exitUsage, "want exactly one FILE"},
		{"missing file", []string{"/nonexistent/node.json"}, exitUsage, "no such file"},
		{"unknown flag", []string{"--profil", "x", good}, exitUsage, "flag provided but not defined: -profil"},
		{"unknown field", []string{writeFile(t, "n.json", `{"method":"GET","ur":"x"}`)}, exitFailure, `unknown field "ur"`},
		{"wrong type", []string{writeFile(t, "n.json", `{"method":"GET","timeout_ms":"2s"}`)}, exitFailure, `field "timeout_ms": JSON string where an integer expected`},
		{"invalid node", []string{writeFile(t, "n.json", `{"method":"GET","url":"https://x.example/"}`)}, exitFailure, "error: node.on_error: must be yes, no or exit"},
		{"bad profile", []string{good, "--profile", `{"id":"p","attributes":[]}`}, exitFailure, `--profile: preview: profile: field "attributes"`},
		{"missing profile file", []string{good, "--profile", "/nonexistent.json"}, exitUsage, "--profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCommand(t.Context(), "render", tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
}

// TestRenderCurlReachesReceiver runs the rendered curl command, secret
// set in the environment, against a catcher, and checks it arrives as
// flowhook send delivers the same request.
func TestRenderCurlReachesReceiver(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	var mu sync.Mutex
	var auths []string
	catcher, url := startCatcher(t, inspect.Options{Response: inspect.Response{Status: 201}}, func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auths = append(auths, r.Header.Get("Authorization"))
	})
	node := writeFile(t, "node.json", tryNode(url))
	code, out, errOut := runCommand(t.Context(), "render", node, "--profile", tryProfile, "--id", "evt-curl")
	if code != exitOK {
		t.Fatalf("render: exit %d %s", code, errOut)
	}
	curl := out[strings.Index(out, "curl -sS"):]
	cmd := exec.Command("sh", "-c", curl)
	cmd.Env = append(os.Environ(), "FLOWHOOK_SECRET_DEMO__CRM_TOKEN="+secretValue)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("curl: %v\n%s", err, b)
	}
	t.Setenv("FLOWHOOK_SECRET_DEMO__CRM_TOKEN", secretValue)
	if code, out, errOut := runCommand(t.Context(), "send", node, "--profile", tryProfile, "--id", "evt-curl", "--allow-cidrs", "127.0.0.1/32"); code != exitOK {
		t.Fatalf("send: exit %d\n%s%s", code, out, errOut)
	}
	got, _ := catcher.Requests(0) // newest first: send, then curl
	if len(got) != 2 {
		t.Fatalf("%d requests caught, want 2", len(got))
	}
	sent, curled := got[0], got[1]
	if jsonString(t, sent.Query) != jsonString(t, curled.Query) || sent.Method != curled.Method || sent.Path != curled.Path {
		t.Errorf("curl sent %s %s %s\nflowhook sent %s %s %s", curled.Method, curled.Path, jsonString(t, curled.Query), sent.Method, sent.Path, jsonString(t, sent.Query))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(auths) != 2 || auths[0] != "Bearer "+secretValue || auths[1] != auths[0] {
		t.Errorf("Authorization received: %q", auths)
	}
	for _, name := range []string{"Authorization", "Idempotency-Key", "Webhook-Id", "User-Agent", "X-Source", "Content-Length"} {
		if a, b := headerValue(sent.Headers, name), headerValue(curled.Headers, name); a != b || a == "" {
			t.Errorf("header %s: flowhook %q, curl %q", name, a, b)
		}
	}
}

// TestRenderChecksTheSigningKey: render checks a signing secret found where
// it runs as send does: one that is not a whsec_ base64 key shows as
// invalid and render exits 1; a valid key shows as set.
func TestRenderChecksTheSigningKey(t *testing.T) {
	node := writeFile(t, "node.json", `{"method":"POST","url":"https://crm.example.com/hooks","body":"json",
  "params":[{"name":"email","from":"profile","path":"email"}],
  "signing":{"scheme":"standard-webhooks","secret":"hook_key"},
  "response":{"kind":"status","status":200},"on_error":"no"}`)
	for _, tc := range []struct {
		name, value string
		code        int
		want        []string
	}{
		{"a plain password", "mysecret", exitFailure, []string{"set, but INVALID: not a whsec_ base64 key", `flowhook render: secret "hook_key": not a whsec_ base64 key`}},
		{"bare base64, no prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", exitFailure, []string{"set, but INVALID"}},
		{"a whsec_ key", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", exitOK, []string{"hook_key (account demo): from the file demo/hook_key in --secrets-dir or $FLOWHOOK_SECRET_DEMO__HOOK_KEY, or a shared secret granted to the account (set: account environment)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("FLOWHOOK_SECRET_DEMO__HOOK_KEY", tc.value)
			code, out, errOut := runCommand(t.Context(), "render", node, "--profile", tryProfile)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errOut)
				}
			}
			if strings.Contains(out+errOut, tc.value) {
				t.Errorf("output shows the secret:\n%s%s", out, errOut)
			}
		})
	}
}
