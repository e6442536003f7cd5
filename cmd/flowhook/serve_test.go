package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServePortInUse: serve on a taken embedded port fails at once, saying
// the port is in use and naming --embedded-port and --nats-url.
func TestServePortInUse(t *testing.T) {
	t.Setenv("GOGC", "100") // serve tunes the collector unless these are set
	t.Setenv("GOMEMLIMIT", "off")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	code, _, errOut := runCommand(t.Context(), "serve", "--embedded-port", port, "--data-dir", t.TempDir(), "--admin-addr", "")
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	for _, want := range []string{"127.0.0.1:" + port + " is already in use", "--embedded-port", "--nats-url nats://127.0.0.1:" + port} {
		if !strings.Contains(errOut, want) {
			t.Errorf("output lacks %q:\n%s", want, errOut)
		}
	}
}

// TestServeStartLogAndCleanStop: serve logs where NATS and the admin
// endpoints are when it starts, and a clean stop logs nothing at warn or
// above.
func TestServeStartLogAndCleanStop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service")
	}
	t.Setenv("GOGC", "100")
	t.Setenv("GOMEMLIMIT", "off")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- commands["serve"].run(ctx, []string{"--embedded-port", "-1", "--data-dir", t.TempDir(),
			"--admin-addr", "127.0.0.1:0", "--workers", "4"}, &stderr, &stderr)
	}()
	// Stop once it is ready (pulling): a stop within the first
	// milliseconds is another matter. Ready is checked every 50 ms, not
	// with testsupport/poll's first quick checks: the dispatcher's first
	// poison sweep runs for some tens of ms after it is ready, and a stop
	// during it logs a warning ("poison sweep: consumer info: context
	// canceled", a bug of internal/dispatch, reported); checked sooner, the
	// test stopped inside it 4 runs in 10.
	deadline := time.Now().Add(30 * time.Second)
	for !ready(stderr.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become ready:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond) // polling the log and /readyz
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after a clean stop", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	var started bool
	for _, line := range bytes.Split([]byte(stderr.String()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var l map[string]any
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if l["level"] != "info" && l["level"] != "debug" {
			t.Errorf("a clean start and stop logged %s: %s", l["level"], line)
		}
		if l["message"] == "flowhook dispatching" {
			started = true
			if u, _ := l["nats_url"].(string); !strings.HasPrefix(u, "nats://127.0.0.1:") {
				t.Errorf("start line's nats_url %q", u)
			}
			if a, _ := l["admin_addr"].(string); !strings.HasPrefix(a, "http://127.0.0.1:") {
				t.Errorf("start line's admin_addr %q", a)
			}
		}
	}
	if !started {
		t.Error("no start line")
	}
}

// ready reports whether serve, from its log, has started and its admin
// endpoint answers /readyz with 200.
func ready(log string) bool {
	_, line, ok := strings.Cut(log, `"admin_addr":"`)
	if !ok {
		return false
	}
	addr, _, _ := strings.Cut(line, `"`)
	resp, err := http.Get(addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestConsoleLogWithoutTerminalHasNoColour: console logs written to a file
// or a pipe carry no escape codes.
func TestConsoleLogWithoutTerminalHasNoColour(t *testing.T) {
	var b bytes.Buffer
	log, err := newLogger(&b, "console", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Warn().Str("k", "v").Msg("hello")
	if strings.Contains(b.String(), "\x1b[") || !strings.Contains(b.String(), "hello") {
		t.Errorf("console line %q", b.String())
	}
}
