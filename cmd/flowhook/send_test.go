package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/flowhook/flowhook/internal/tools/inspect"
)

// startCatcher serves an inspect.Catcher for opts; observe, when set, sees
// every raw request first (the catcher masks credentials).
func startCatcher(t *testing.T, opts inspect.Options, observe func(*http.Request)) (*inspect.Catcher, string) {
	t.Helper()
	c, err := inspect.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if observe != nil {
			observe(r)
		}
		c.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func headerValue(fields []inspect.Field, name string) string {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// TestSendCommand sends to a catcher that fails its first request: the
// first send takes the no path (status_mismatch), the second matches.
func TestSendCommand(t *testing.T) {
	t.Setenv("FLOWHOOK_SECRET_DEMO__CRM_TOKEN", secretValue)
	catcher, url := startCatcher(t, inspect.Options{Response: inspect.Response{Status: 201, FailFirst: 1, FailStatus: 503}}, nil)
	node := writeFile(t, "node.json", tryNode(url))
	args := []string{node, "--profile", tryProfile}
	allow := []string{"--allow-cidrs", "127.0.0.1/32"}
	tests := []struct {
		name  string
		extra []string
		code  int
		want  []string
	}{
		{"injected failure", allow, exitFailure, []string{
			"Sending POST " + url + "/hooks/crm?source=flows&email=ada%40example.com&first_name=Ada&city=London&form=",
			"Authorization: Bearer ****", "Response: 503 Service Unavailable",
			"failure injected by flowhook inspect",
			"Judged: status_mismatch: expected status 201, got 503", "Route:  no (the node's error action)",
		}},
		{"matched", append([]string{"--quiet"}, allow...), exitOK, []string{"Response: 201 Created", `{"ok":true}`, "Judged: matched", "Route:  yes"}},
		{"guard", []string{"--quiet"}, exitFailure, []string{"No response", "Judged: blocked_destination", "(loopback)", "Route:  no"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCommand(t.Context(), "send", append(append([]string{}, args...), tt.extra...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out+errOut, secretValue) {
				t.Errorf("output holds the secret:\n%s", out)
			}
		})
	}
	if got, _ := catcher.Requests(0); len(got) != 2 {
		t.Errorf("catcher got %d requests, want 2 (the guard blocks the third)", len(got))
	}
}

// TestSendCommandBody sends a json-body node and shows the body it sent.
func TestSendCommandBody(t *testing.T) {
	t.Setenv("FLOWHOOK_SECRET_DEMO__CRM_TOKEN", secretValue)
	catcher, url := startCatcher(t, inspect.Options{Response: inspect.Response{Status: 201}}, nil)
	node := writeFile(t, "node.json", strings.Replace(tryNode(url), `"method": "POST",`, `"method": "POST", "body": "json",`, 1))
	code, out, errOut := runCommand(t.Context(), "send", node, "--profile", tryProfile, "--allow-cidrs", "127.0.0.1/32")
	want := `body (json): {"email":"ada@example.com","first_name":"Ada","city":"London","form":null}`
	if code != exitOK || !strings.Contains(out, want) {
		t.Fatalf("exit %d, output lacks %q:\n%s%s", code, want, out, errOut)
	}
	got, _ := catcher.Requests(0)
	if len(got) != 1 || got[0].Body != `{"email":"ada@example.com","first_name":"Ada","city":"London","form":null}` || len(got[0].Query) != 1 {
		t.Errorf("caught %+v", got)
	}
}

func TestSendCommandSecretMissing(t *testing.T) {
	_, url := startCatcher(t, inspect.Options{}, nil)
	node := writeFile(t, "node.json", tryNode(url))
	code, out, _ := runCommand(t.Context(), "send", node, "--allow-cidrs", "127.0.0.1/32", "--quiet")
	if code != exitFailure || !strings.Contains(out, `Judged: secret_missing: secret "crm_token" for headers[0] "Authorization" not found`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestSendRepeatOpensBreaker sends to an endpoint that always fails: after
// --breaker-failures faults the breaker refuses the rest, as the
// dispatcher's would.
func TestSendRepeatOpensBreaker(t *testing.T) {
	t.Setenv("FLOWHOOK_SECRET_DEMO__CRM_TOKEN", secretValue)
	catcher, url := startCatcher(t, inspect.Options{Response: inspect.Response{FailEvery: 1, FailStatus: 503}}, nil)
	node := writeFile(t, "node.json", tryNode(url))
	code, out, errOut := runCommand(t.Context(), "send", node, "--allow-cidrs", "127.0.0.1/32", "--quiet",
		"--repeat", "8", "--breaker-failures", "3", "--breaker-open", "1h")
	if code != exitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"sent 8/8", "(no 8)", "no   circuit_open         5", "no   status_mismatch      3"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "sent ") {
		t.Errorf("no progress on stderr: %q", errOut)
	}
	if got, _ := catcher.Requests(0); len(got) != 3 {
		t.Errorf("endpoint got %d requests, want 3 (the breaker refused the rest)", len(got))
	}
}
