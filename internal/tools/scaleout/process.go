package scaleout

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Replica is one flowhook process. Its methods are safe for concurrent
// use.
type Replica struct {
	// Name is the replica's id (--replica-id) and its User-Agent suffix.
	Name string
	bin  string
	args []string
	log  string // file the process writes its output to

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

// startReplica starts bin with args, writing its output to
// dir/<name>.log (appended to across restarts).
func startReplica(bin, dir, name string, args []string) (*Replica, error) {
	r := &Replica{Name: name, bin: bin, args: args, log: filepath.Join(dir, name+".log")}
	return r, r.start()
}

func (r *Replica) start() error {
	f, err := os.OpenFile(r.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("scaleout: %s log: %w", r.Name, err)
	}
	cmd := exec.Command(r.bin, r.args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("scaleout: start %s: %w", r.Name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(exited)
	}()
	r.mu.Lock()
	r.cmd, r.exited = cmd, exited
	r.starts++
	r.mu.Unlock()
	return nil
}

// Kill ends the process with SIGKILL, as the OOM killer or a lost node
// would: nothing is flushed, nothing acknowledged.
func (r *Replica) Kill() {
	r.signal(syscall.SIGKILL, 0)
}

// Restart starts the process again after Kill or Stop.
func (r *Replica) Restart() error { return r.start() }

// Stop ends the process with SIGTERM, and SIGKILL after grace.
func (r *Replica) Stop(grace time.Duration) { r.signal(syscall.SIGTERM, grace) }

func (r *Replica) signal(sig syscall.Signal, grace time.Duration) {
	r.mu.Lock()
	cmd, exited := r.cmd, r.exited
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// LogPath is the file the process's output goes to.
func (r *Replica) LogPath() string { return r.log }
