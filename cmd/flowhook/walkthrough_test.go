package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/testsupport/poll"
)

// walkthroughHeading is the README section TestReadmeTryWalkthrough runs.
const walkthroughHeading = "## Testing a webhook before going live"

// TestReadmeTryWalkthrough runs the README's "Testing a webhook before
// going live" commands as a newcomer would, in order, each block in a
// shell carrying the exports of the blocks before it: long-running ones
// (inspect, serve, tail) in the background. Only what would collide on a
// shared machine is changed: the built binary stands for "go run
// ./cmd/flowhook", and the sample directory, the catcher's port and the
// NATS port are private to the test.
func TestReadmeTryWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README's commands")
	}
	path := "../../README.md"
	if p := os.Getenv("FLOWHOOK_TEST_README"); p != "" {
		path = p
	}
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocks, ok := sectionBlocks(string(readme), walkthroughHeading)
	if !ok {
		t.Skipf("README.md has no %q section yet", walkthroughHeading)
	}
	w := &walkthrough{t: t, bin: buildBinary(t), dir: t.TempDir(), httpPort: freePort(t), natsPort: freePort(t)}
	defer w.stopAll()
	for _, b := range blocks {
		w.run(b)
	}
	w.waitTail(50)
}

// sectionBlocks returns the ```sh blocks of the README section under
// heading.
func sectionBlocks(readme, heading string) ([]string, bool) {
	_, section, ok := strings.Cut(readme, "\n"+heading+"\n")
	if !ok {
		return nil, false
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for {
		_, rest, ok := strings.Cut(section, "```sh\n")
		if !ok {
			return blocks, true
		}
		block, after, _ := strings.Cut(rest, "```")
		blocks, section = append(blocks, block), after
	}
}

type walkthrough struct {
	t                  *testing.T
	bin, dir           string
	httpPort, natsPort string
	exports            []string
	inspect, serve     *bgProcess
	tail               *bgProcess
}

// rewrite adapts a README command to the test's binary, directory and
// ports.
func (w *walkthrough) rewrite(cmd string) string {
	cmd = strings.ReplaceAll(cmd, "go run ./cmd/flowhook", w.bin)
	cmd = strings.ReplaceAll(cmd, "/tmp/flowhook-try", w.dir)
	return strings.ReplaceAll(cmd, "127.0.0.1:9000", "127.0.0.1:"+w.httpPort)
}

// run runs one block as the README means it.
func (w *walkthrough) run(block string) {
	t := w.t
	cmd := strings.TrimRight(w.rewrite(block), "\n")
	natsURL := " --nats-url nats://127.0.0.1:" + w.natsPort
	switch {
	case strings.Contains(block, "flowhook inspect"):
		if w.inspect != nil {
			w.inspect.stop()
		}
		w.inspect = w.start(cmd + " --listen 127.0.0.1:" + w.httpPort)
		waitPort(t, w.httpPort, w.inspect)
	case strings.Contains(block, "flowhook serve"):
		w.serve = w.start(cmd + " --embedded-port " + w.natsPort + " --admin-addr ''")
		w.serve.waitFor(t, "flowhook dispatching")
	case strings.TrimSpace(block) == "go run ./cmd/flowhook tail":
		w.tail = w.start(cmd + natsURL)
		w.tail.waitFor(t, "flowhook tail: following") // it follows new outcomes only
	default:
		if strings.Contains(block, "flowhook emit") {
			cmd += natsURL
		}
		w.foreground(block, cmd)
	}
	for _, line := range strings.Split(block, "\n") {
		if strings.HasPrefix(line, "export ") {
			w.exports = append(w.exports, line)
		}
	}
}

// foreground runs a block to its end and checks its exit code and output.
func (w *walkthrough) foreground(block, cmd string) {
	t := w.t
	c := exec.Command("bash", "-ec", strings.Join(append(w.exports, cmd), "\n"))
	out, err := c.CombinedOutput()
	wantFail := strings.Contains(block, "--repeat") // the error path: exit 1
	if (err != nil) != wantFail {
		t.Fatalf("README block\n%s\nexit error %v (want failure: %v):\n%s", block, err, wantFail, out)
	}
	checks := map[string][]string{
		"flowhook render": {"(empty)", `"${FLOWHOOK_SECRET_DEMO__CRM_TOKEN}"`, "Authorization: Bearer ****"},
		"--repeat":        {"status_mismatch", "circuit_open", "matched"},
		"flowhook emit":   {"published 50/50"},
	}
	if strings.Contains(block, "flowhook send") && !wantFail {
		checks["flowhook send"] = []string{"Judged: matched", "Route:  yes"}
	}
	for key, wants := range checks {
		if !strings.Contains(block, key) {
			continue
		}
		for _, want := range wants {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("README block\n%s\noutput lacks %q:\n%s", block, want, out)
			}
		}
	}
}

// waitTail waits until tail has printed n outcome lines.
func (w *walkthrough) waitTail(n int) {
	t := w.t
	if w.tail == nil {
		t.Fatal("the walkthrough never runs tail")
	}
	poll.UntilNoError(t, 30*time.Second, func() error {
		if got := strings.Count(w.tail.output(), "  request "); got < n {
			return fmt.Errorf("tail printed %d of %d outcomes:\n%s", got, n, w.tail.output())
		}
		return nil
	})
}

func (w *walkthrough) start(cmd string) *bgProcess {
	w.t.Helper()
	return startBackground(w.t, strings.Join(append(w.exports, strings.TrimSpace(cmd)), "\n"))
}

func (w *walkthrough) stopAll() {
	for _, p := range []*bgProcess{w.tail, w.serve, w.inspect} {
		if p != nil {
			p.stop()
		}
	}
}

// bgProcess is a command running in its own process group.
type bgProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (p *bgProcess) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *bgProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func startBackground(t *testing.T, script string) *bgProcess {
	t.Helper()
	p := &bgProcess{done: make(chan struct{})}
	p.cmd = exec.Command("bash", "-c", script)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	return p
}

// stop interrupts the process group, as Ctrl-C would, and waits.
func (p *bgProcess) stop() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// waitFor waits until the process has printed s.
func (p *bgProcess) waitFor(t *testing.T, s string) {
	t.Helper()
	poll.UntilNoError(t, 30*time.Second, func() error {
		if strings.Contains(p.output(), s) {
			return nil
		}
		p.failIfExited(t, fmt.Sprintf("before printing %q", s))
		return fmt.Errorf("no %q:\n%s", s, p.output())
	})
}

// failIfExited fails t if the process has exited.
func (p *bgProcess) failIfExited(t *testing.T, when string) {
	t.Helper()
	select {
	case <-p.done:
		t.Fatalf("process exited %s:\n%s", when, p.output())
	default:
	}
}

// waitPort waits until something listens on the loopback port.
func waitPort(t *testing.T, port string, p *bgProcess) {
	t.Helper()
	poll.UntilNoError(t, 30*time.Second, func() error {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		p.failIfExited(t, "before listening on "+port)
		return fmt.Errorf("nothing listens on %s:\n%s", port, p.output())
	})
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
