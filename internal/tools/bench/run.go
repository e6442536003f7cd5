package bench

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/flowhook/flowhook/internal/secret"
)

// driver runs one benchmark: it owns the child processes and the bus
// connection.
type driver struct {
	opts     Options
	bus      *busClient
	natsURL  string
	nats     *proc // nil with an external server
	receiver *proc
	procs    []*proc
	// lastDrainRate is the last drain rate a fairness run measured.
	lastDrainRate float64
}

// Run runs the benchmark and returns its report. Progress goes to
// o.Log. Every child process is stopped before Rep returns.
func Run(ctx context.Context, o Options) (*Report, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	d := &driver{opts: o}
	defer d.stopAll()
	rep := newReport(o)
	if err := d.startBase(ctx, rep); err != nil {
		return nil, err
	}
	for r := 1; r <= o.Reps; r++ {
		for _, sys := range allSystems {
			if !o.runs(sys) {
				continue
			}
			d.logf("rep %d/%d: %s", r, o.Reps, sys)
			run, err := d.runSystem(ctx, sys, r)
			if err != nil {
				return nil, fmt.Errorf("bench: rep %d, %s: %w", r, sys, err)
			}
			rep.add(sys, run)
		}
	}
	if o.Endpoints > 0 && o.runs(roleFlowhook) {
		d.logf("flowhook over %d endpoints", o.Endpoints)
		s, err := d.spread(ctx)
		if err != nil {
			return nil, fmt.Errorf("bench: spread run: %w", err)
		}
		rep.Spread = s
	}
	if !o.NoFairness && o.runs(roleFlowhook) {
		d.logf("flowhook fairness between accounts")
		f, err := d.fairness(ctx)
		if err != nil {
			return nil, fmt.Errorf("bench: fairness run: %w", err)
		}
		rep.Fairness = f
	}
	rep.finish()
	return rep, nil
}

// startBase starts NATS (unless external) and the receiver.
func (d *driver) startBase(ctx context.Context, rep *Report) error {
	d.natsURL = d.opts.NATSURL
	if d.natsURL == "" {
		p, err := d.spawn(ctx, roleNATS, childSpec{Role: roleNATS})
		if err != nil {
			return err
		}
		d.nats, d.natsURL = p, p.hello.URL
	} else {
		rep.note("NATS is external (%s): its CPU time is not measured, and the ceiling leaves it out", redactURL(d.natsURL))
	}
	p, err := d.spawn(ctx, roleReceiver, childSpec{Role: roleReceiver})
	if err != nil {
		return err
	}
	d.receiver = p
	if d.bus, err = connectBus(d.natsURL); err != nil {
		return err
	}
	if d.nats == nil {
		return d.bus.checkUnused(ctx)
	}
	return nil
}

func (d *driver) stopAll() {
	if d.bus != nil {
		if d.nats == nil && d.bus.owned {
			d.bus.deleteStreams(context.Background())
		}
		d.bus.close()
	}
	for i := len(d.procs) - 1; i >= 0; i-- {
		d.procs[i].stop()
	}
}

// base are the processes every run involves.
func (d *driver) base() []*proc {
	if d.nats == nil {
		return []*proc{d.receiver}
	}
	return []*proc{d.nats, d.receiver}
}

// spec is the child spec of a system's process.
func (d *driver) spec(sys string) childSpec {
	return childSpec{Role: sys, NATSURL: d.natsURL, Workers: d.opts.Workers, PullBatch: d.opts.PullBatch,
		NoNodeStats: d.opts.NoNodeStats, ServeArgs: d.serveArgs()}
}

// serveArgs are the serve flags flowhook runs with: its defaults but for
// the benchmark's NATS server, no admin port, loopback endpoints allowed,
// and the options' overrides.
func (d *driver) serveArgs() []string {
	args := []string{"--nats-url", d.natsURL, "--admin-addr", "", "--allow-cidrs", "127.0.0.0/8",
		// The fairness runs' accounts use the node's secret as a shared one.
		"--grant-secret", secret.EveryAccount + ":" + SecretName}
	if d.opts.Workers > 0 {
		args = append(args, "--workers", strconv.Itoa(d.opts.Workers))
	}
	if d.opts.PullBatch > 0 {
		args = append(args, "--pull-batch", strconv.Itoa(d.opts.PullBatch))
	}
	if d.opts.NoNodeStats {
		args = append(args, "--node-stats=false")
	}
	return append(args, d.opts.ServeFlags...)
}

// sutEnv is the environment a system's process gets on top of the
// driver's (GOGC removed).
func (d *driver) sutEnv(sys string) []string {
	switch sys {
	case roleTuned, roleFastNaive:
		return []string{"GOGC=400"}
	case roleFlowhook:
		token := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		return append([]string{benchSecretEnv + "=" + token, secret.EnvVar("", SecretName) + "=" + token}, d.opts.FlowhookEnv...)
	}
	return nil
}

// runSystem runs one repetition of one system.
func (d *driver) runSystem(ctx context.Context, sys string, rep int) (Rep, error) {
	if sys == roleRawHTTP {
		return d.runRawHTTP(ctx, rep)
	}
	if err := d.bus.reset(ctx, topologyFor(sys, d.opts.ServeFlags)); err != nil {
		return Rep{}, err
	}
	src := eventSource{prefix: "r" + strconv.Itoa(rep) + sys[:2], endpoints: []string{d.receiver.hello.URL}}
	if err := d.bus.preload(ctx, src, d.opts.Events); err != nil {
		return Rep{}, err
	}
	sut, err := d.spawn(ctx, sys, d.spec(sys), d.sutEnv(sys)...)
	if err != nil {
		return Rep{}, err
	}
	defer sut.stop()
	procs := append(d.base(), sut)
	profile := d.opts.ProfileDir != "" && sys == roleFlowhook && rep == 1
	if profile {
		if err := d.startProfiles(ctx, "", procs); err != nil {
			return Rep{}, err
		}
	}
	rss := sampleRSS(ctx, procs)
	w, err := d.drain(ctx, d.opts.Events, procs, sut)
	peak, _ := rss.finish()
	if err != nil {
		return Rep{}, err
	}
	if profile {
		if err := d.stopProfiles(ctx, "", procs); err != nil {
			return Rep{}, err
		}
	}
	run := newRep(rep, w, sut.name)
	run.RSSPeakMB = peak
	expected := d.opts.Events
	if sys != roleRawJS {
		for _, rate := range d.opts.Rates {
			lsrc := src
			lsrc.prefix += "l" + strconv.Itoa(rate)
			lr, err := d.paced(ctx, lsrc, rate, d.opts.RateDuration, outcomeToken(sys))
			if err != nil {
				return Rep{}, err
			}
			run.Latency = append(run.Latency, lr)
			expected += lr.Events
		}
	}
	return run, d.verify(ctx, &run, expected)
}

// startProfiles starts a CPU profile of every process (in ProfileDir,
// named after the run and the process).
func (d *driver) startProfiles(ctx context.Context, run string, procs []*proc) error {
	for _, p := range procs {
		file := filepath.Join(d.opts.ProfileDir, run+p.name+".cpu.pprof")
		if err := p.call(ctx, "POST", "/profile/start?file="+url.QueryEscape(file), nil); err != nil {
			return err
		}
	}
	return nil
}

// stopProfiles ends the CPU profiles and writes each process's allocation
// profile (also its live heap: -sample_index=inuse_space) beside its CPU
// profile.
func (d *driver) stopProfiles(ctx context.Context, run string, procs []*proc) error {
	for _, p := range procs {
		file := filepath.Join(d.opts.ProfileDir, run+p.name+".allocs.pprof")
		if err := p.call(ctx, "POST", "/profile/stop?allocs="+url.QueryEscape(file), nil); err != nil {
			return err
		}
	}
	return nil
}

// verify checks that every event got exactly one outcome and every input
// was acknowledged.
func (d *driver) verify(ctx context.Context, run *Rep, expected int) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, out, err := d.bus.counts(ctx)
		if err != nil {
			return err
		}
		run.Expected, run.Outcomes, run.Unacked = expected, int(out), int(req)
		if (out == uint64(expected) && req == 0) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if run.Outcomes != run.Expected || run.Unacked != 0 {
		return fmt.Errorf("bench: %d outcomes stored for %d events, %d inputs unacked", run.Outcomes, run.Expected, run.Unacked)
	}
	return nil
}

// runRawHTTP measures the HTTP client and receiver alone.
func (d *driver) runRawHTTP(ctx context.Context, rep int) (Rep, error) {
	client, err := d.spawn(ctx, roleRawHTTP, childSpec{Role: roleRawHTTP, ReceiverURL: d.receiver.hello.URL})
	if err != nil {
		return Rep{}, err
	}
	defer client.stop()
	procs := []*proc{d.receiver, client}
	// Warm up the connections, so the run measures steady state.
	if err := client.call(ctx, "POST", "/run?n="+strconv.Itoa(rawHTTPConcurrency*10), nil); err != nil {
		return Rep{}, err
	}
	var w window
	if w.before, err = snapshot(ctx, procs); err != nil {
		return Rep{}, err
	}
	var hr httpRun
	if err := client.call(ctx, "POST", "/run?n="+strconv.Itoa(d.opts.Events), &hr); err != nil {
		return Rep{}, err
	}
	if w.after, err = snapshot(ctx, procs); err != nil {
		return Rep{}, err
	}
	if hr.Errors > 0 {
		return Rep{}, fmt.Errorf("bench: %d of %d raw HTTP requests failed", hr.Errors, hr.Requests)
	}
	w.events, w.seconds = hr.Requests, hr.Seconds
	run := newRep(rep, w, client.name)
	run.Expected, run.Outcomes = hr.Requests, hr.Requests
	return run, nil
}

func (d *driver) logf(format string, args ...any) {
	fmt.Fprintf(d.opts.Log, "%s "+format+"\n", append([]any{time.Now().Format(time.TimeOnly)}, args...)...)
}

// redactURL drops user info from a URL for printing.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
