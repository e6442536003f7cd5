package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// proc is a running child process, seen from the driver.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	hello  hello
	stderr *tail
	done   chan struct{}
	http   *http.Client
}

// spawn starts a child process of the given role and waits for its hello.
// extraEnv is added to its environment, from which GOGC and GOMEMLIMIT
// are otherwise removed so that every process runs with its own defaults.
func (d *driver) spawn(ctx context.Context, name string, spec childSpec, extraEnv ...string) (*proc, error) {
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(d.opts.Command[0], d.opts.Command[1:]...)
	cmd.Env = append(childEnv(), ChildEnv+"="+string(specJSON))
	cmd.Env = append(cmd.Env, extraEnv...)
	p := &proc{name: name, cmd: cmd, stderr: &tail{max: 8 << 10}, done: make(chan struct{}), http: &http.Client{}}
	cmd.Stderr = p.stderr
	if d.opts.Verbose && d.opts.Log != nil {
		cmd.Stderr = io.MultiWriter(p.stderr, prefixed(d.opts.Log, name))
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", name, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	if err := p.readHello(ctx, stdout); err != nil {
		p.stop()
		return nil, err
	}
	d.procs = append(d.procs, p)
	if d.opts.Verbose {
		d.logf("%s: pid %d, control http://%s/debug/pprof/ %s", name, cmd.Process.Pid, p.hello.Control, p.hello.URL)
	}
	return p, nil
}

// childEnv is the driver's environment without what must not leak into
// children.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOGC", "GOMEMLIMIT", ChildEnv:
			continue
		}
		env = append(env, kv)
	}
	return env
}

// readHello reads the child's hello line, then discards its stdout.
func (p *proc) readHello(ctx context.Context, stdout io.Reader) error {
	type result struct {
		line []byte
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, err := r.ReadBytes('\n')
		ch <- result{line, err}
		_, _ = io.Copy(io.Discard, r)
	}()
	timer := time.NewTimer(60 * time.Second)
	defer timer.Stop()
	select {
	case res := <-ch:
		if res.err != nil {
			return fmt.Errorf("bench: %s exited before it was ready: %s", p.name, p.stderr.String())
		}
		if err := json.Unmarshal(res.line, &p.hello); err != nil {
			return fmt.Errorf("bench: %s: bad hello: %w", p.name, err)
		}
		if p.hello.Error != "" {
			return fmt.Errorf("bench: %s: %s", p.name, p.hello.Error)
		}
		return nil
	case <-timer.C:
		return fmt.Errorf("bench: %s not ready within 60s: %s", p.name, p.stderr.String())
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stats asks the child for its Stats.
func (p *proc) stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := p.call(ctx, http.MethodGet, "/stats", &s)
	return s, err
}

// call sends a control request and decodes the JSON answer into out
// (when not nil).
func (p *proc) call(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+p.hello.Control+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", p.name, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: %s %s: %s: %s", p.name, path, resp.Status, bytes.TrimSpace(body))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}

// rss is the child's resident set in KiB now, read from /proc where there
// is one, else from the child's own report.
func (p *proc) rss(ctx context.Context) int64 {
	if kb, ok := rssKB(p.cmd.Process.Pid); ok {
		return kb
	}
	s, err := p.stats(ctx)
	if err != nil {
		return 0
	}
	return s.RSSKB
}

// stop closes the child's stdin, which ends it, and waits; a child still
// running after 60s is killed.
func (p *proc) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether the child has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// prefixed writes each line to w prefixed with name.
func prefixed(w io.Writer, name string) io.Writer {
	pr, pw := io.Pipe()
	go func() {
		s := bufio.NewScanner(pr)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			fmt.Fprintf(w, "[%s] %s\n", name, s.Text())
		}
		_ = pr.CloseWithError(errors.New("closed"))
	}()
	return pw
}
