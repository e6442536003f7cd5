package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	rpprof "runtime/pprof"
	"sync"
	"time"

	"github.com/flowhook/flowhook/internal/app"
)

// ServeConfig returns the configuration `flowhook serve` runs with for the
// given serve flags (defaults for every flag not given), as serve itself
// derives it.
type ServeConfig func(args []string) (app.Config, error)

// RunChild runs one benchmark child process: spec is the value of
// ChildEnv. The flowhook child runs with serveConfig's configuration for
// its serve flags, so that it is flowhook exactly as serve runs it; with a
// nil serveConfig it runs internal/app's defaults instead. A child prints a
// hello line on stdout when ready, serves its control endpoints (stats,
// profiles) on loopback, and returns when stdin closes (the driver is done
// with it, or gone) or ctx ends. It returns the exit code.
func RunChild(ctx context.Context, spec string, serveConfig ServeConfig, stdin io.Reader, stdout, stderr io.Writer) int {
	var s childSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintln(stderr, "bench child: bad spec:", err)
		return 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		cancel()
	}()
	ctl, err := startControl()
	if err != nil {
		fmt.Fprintln(stderr, "bench child:", err)
		return 1
	}
	defer ctl.close()
	h, stop, err := startRole(ctx, s, ctl, serveConfig, stderr)
	h.Control = ctl.addr
	if err != nil {
		h.Error = err.Error()
	}
	line, _ := json.Marshal(h)
	fmt.Fprintf(stdout, "%s\n", line)
	if err != nil {
		return 1
	}
	<-ctx.Done()
	stop()
	return 0
}

// startRole starts the role's work; stop ends it and waits.
func startRole(ctx context.Context, s childSpec, ctl *control, serveConfig ServeConfig, stderr io.Writer) (hello, func(), error) {
	switch s.Role {
	case roleNATS:
		return startNATS(ctx)
	case roleReceiver:
		return startReceiver(ctx, s.Endpoints)
	case roleNaive:
		return startNaive(ctx, s.NATSURL, plainNaive)
	case roleTuned:
		return startNaive(ctx, s.NATSURL, tunedNaive)
	case roleFastNaive:
		return startNaive(ctx, s.NATSURL, fastNaive)
	case roleRawJS:
		return startRawJetStream(ctx, s.NATSURL)
	case roleRawHTTP:
		return startRawHTTP(ctx, s.ReceiverURL, ctl)
	case roleFlowhook:
		return startFlowhook(ctx, s, ctl, serveConfig, stderr)
	}
	return hello{}, func() {}, fmt.Errorf("unknown role %q", s.Role)
}

// control is a child's loopback control server.
type control struct {
	addr string
	srv  *http.Server
	mux  *http.ServeMux

	mu       sync.Mutex
	breakers func() int
	cpuFile  *os.File
}

func startControl() (*control, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("control listener: %w", err)
	}
	c := &control{addr: ln.Addr().String(), mux: http.NewServeMux()}
	c.mux.HandleFunc("GET /stats", c.serveStats)
	c.mux.HandleFunc("POST /profile/start", c.startProfile)
	c.mux.HandleFunc("POST /profile/stop", c.stopProfile)
	c.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	c.srv = &http.Server{Handler: c.mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

func (c *control) close() { _ = c.srv.Close() }

// setBreakers makes stats report a breaker count.
func (c *control) setBreakers(f func() int) {
	c.mu.Lock()
	c.breakers = f
	c.mu.Unlock()
}

func (c *control) serveStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, c.stats())
}

func (c *control) stats() Stats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cpu, maxRSS := processUsage()
	s := Stats{
		CPUMicros: cpu, MaxRSSKB: maxRSS, RSSKB: maxRSS,
		Mallocs: ms.Mallocs, TotalAlloc: ms.TotalAlloc, NumGC: ms.NumGC, HeapInuse: ms.HeapInuse,
		Goroutines: runtime.NumGoroutine(), GCPercent: gcPercent(), MemoryLimit: debug.SetMemoryLimit(-1),
	}
	if rss, ok := rssKB(os.Getpid()); ok {
		s.RSSKB = rss
	}
	c.mu.Lock()
	f := c.breakers
	c.mu.Unlock()
	if f != nil {
		s.Breakers = f()
	}
	return s
}

// startProfile starts a CPU profile written to the file named by ?file=.
func (c *control) startProfile(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cpuFile != nil {
		http.Error(w, "profile running", http.StatusConflict)
		return
	}
	f, err := os.Create(r.URL.Query().Get("file"))
	if err == nil {
		err = rpprof.StartCPUProfile(f)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	c.cpuFile = f
}

// stopProfile ends the CPU profile and writes the allocation profile to
// the file named by ?allocs=.
func (c *control) stopProfile(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cpuFile == nil {
		http.Error(w, "no profile running", http.StatusConflict)
		return
	}
	rpprof.StopCPUProfile()
	err := c.cpuFile.Close()
	c.cpuFile = nil
	if name := r.URL.Query().Get("allocs"); name != "" && err == nil {
		err = writeAllocs(name)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// gcPercent reads the GOGC setting (by setting it and restoring it).
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

func writeAllocs(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	return errors.Join(rpprof.Lookup("allocs").WriteTo(f, 0), f.Close())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
