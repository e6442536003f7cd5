package faultcheck

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// exit is how one run of a replica's process ended.
type exit struct {
	code   int // -1: killed by a signal
	signal string
	after  time.Duration // from the signal the harness sent, when it sent one
}

// replica is one flowhook process, restarted by its supervisor whenever
// it ends before the harness stops it (a crash, a self-kill at a fault
// point, or a SIGTERM the scenario sent).
type replica struct {
	name string
	bin  string
	args []string
	// env returns the process environment for its n-th start (0-based):
	// a fault point usually applies to the first start only.
	env func(start int) []string
	log io.Writer
	// pause is how long the supervisor waits before a restart.
	pause func() time.Duration

	mu       sync.Mutex
	cmd      *exec.Cmd
	signaled time.Time
	stopping bool
	exits    []exit
	done     chan struct{}
}

// start runs the supervisor: the process now, and again after every
// unexpected end until stop.
func (r *replica) start() error {
	r.done = make(chan struct{})
	cmd, err := r.launch(0)
	if err != nil {
		return err
	}
	go r.supervise(cmd)
	return nil
}

func (r *replica) launch(n int) (*exec.Cmd, error) {
	cmd := exec.Command(r.bin, r.args...)
	cmd.Env = append(os.Environ(), r.env(n)...)
	cmd.Stdout, cmd.Stderr = r.log, r.log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("faultcheck: start %s: %w", r.name, err)
	}
	r.mu.Lock()
	r.cmd = cmd
	r.mu.Unlock()
	return cmd, nil
}

func (r *replica) supervise(cmd *exec.Cmd) {
	defer close(r.done)
	for n := 1; ; n++ {
		err := cmd.Wait()
		r.mu.Lock()
		r.exits = append(r.exits, exitOf(cmd, err, r.signaled))
		r.signaled = time.Time{}
		stopping := r.stopping
		r.mu.Unlock()
		if stopping {
			return
		}
		time.Sleep(r.pause())
		r.mu.Lock()
		stopping = r.stopping
		r.mu.Unlock()
		if stopping {
			return
		}
		if cmd, err = r.launch(n); err != nil {
			fmt.Fprintln(r.log, err)
			return
		}
	}
}

func exitOf(cmd *exec.Cmd, err error, signaled time.Time) exit {
	e := exit{code: cmd.ProcessState.ExitCode()}
	if !signaled.IsZero() {
		e.after = time.Since(signaled)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.signal = ws.Signal().String()
		}
	}
	return e
}

// signal sends sig to the running process (the supervisor restarts it
// once it has ended).
func (r *replica) signal(sig os.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil && r.cmd.Process != nil {
		r.signaled = time.Now()
		_ = r.cmd.Process.Signal(sig)
	}
}

// stop ends the replica for good: SIGTERM, then SIGKILL after grace.
func (r *replica) stop(grace time.Duration) {
	r.mu.Lock()
	r.stopping = true
	r.mu.Unlock()
	r.signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(grace):
		r.signal(syscall.SIGKILL)
		<-r.done
	}
}

// history returns how every run of the process ended.
func (r *replica) history() []exit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exit(nil), r.exits...)
}
