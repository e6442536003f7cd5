package faultcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Params size a check. Zero values take the defaults.
type Params struct {
	// Binary is the flowhook executable to run, built with fault
	// injection; required (see Build).
	Binary string
	// Events is the number of request events per scenario; default 200.
	Events int
	// Duration is the window over which each scenario publishes its
	// events, the faults landing inside it; default 4s.
	Duration time.Duration
	// Replicas is the number of flowhook processes; default 2.
	Replicas int
	// Workers per process; default 32.
	Workers int
	// Scenarios to run, by name; empty runs all (see Names).
	Scenarios []string
	// Timeout bounds each scenario's wait for every outcome; default
	// 90s + 2 x Duration.
	Timeout time.Duration
	// Dir holds the NATS store and the processes' logs; default a new
	// temporary directory.
	Dir string
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
}

func (p Params) withDefaults() Params {
	if p.Events <= 0 {
		p.Events = 200
	}
	if p.Duration <= 0 {
		p.Duration = 4 * time.Second
	}
	if p.Replicas <= 0 {
		p.Replicas = 2
	}
	if p.Workers <= 0 {
		p.Workers = 32
	}
	if p.Timeout <= 0 {
		p.Timeout = 90*time.Second + 2*p.Duration
	}
	if p.Progress == nil {
		p.Progress = io.Discard
	}
	return p
}

// Names lists every scenario, in the order Run runs them.
func Names() []string {
	var out []string
	for _, s := range scenarios() {
		out = append(out, s.name)
	}
	return out
}

// Run runs the selected scenarios one after the other, each on a fresh
// NATS store and fresh processes, and returns their reports. The error is
// for a harness that could not run; a scenario whose guarantees did not
// hold has a report with Failures.
func Run(ctx context.Context, p Params) ([]Report, error) {
	p = p.withDefaults()
	if p.Binary == "" {
		return nil, errors.New("faultcheck: no flowhook binary")
	}
	if p.Dir == "" {
		dir, err := os.MkdirTemp("", "faultcheck-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		p.Dir = dir
	}
	var reports []Report
	for _, s := range scenarios() {
		if len(p.Scenarios) > 0 && !slices.Contains(p.Scenarios, s.name) {
			continue
		}
		rep, err := RunScenario(ctx, p, s.name)
		if err != nil {
			return reports, err
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

// RunScenario runs one scenario by name.
func RunScenario(ctx context.Context, p Params, name string) (Report, error) {
	p = p.withDefaults()
	i := slices.IndexFunc(scenarios(), func(s scenario) bool { return s.name == name })
	if i < 0 {
		return Report{}, fmt.Errorf("faultcheck: no scenario %q (have %v)", name, Names())
	}
	r := &run{p: p, s: scenarios()[i], dir: filepath.Join(p.Dir, name)}
	if r.s.faultEnv != nil {
		if err := checkFaultCode(p.Binary); err != nil {
			return Report{}, err
		}
	}
	defer r.close()
	return r.execute(ctx)
}

// run is one scenario's run.
type run struct {
	p   Params
	s   scenario
	dir string

	nats     *natsServer
	nc       *nats.Conn
	js       jetstream.JetStream
	topo     bus.Topology
	recv     *receiver
	replicas []*replica
	logs     []*os.File
	ids      []string

	natsRestarts       int
	schedulesAtRestart int
	started            time.Time
	// notes are added to the report.
	notes []string
}

func (r *run) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// pendingSchedules counts the retries and holds waiting on the bus.
func (r *run) pendingSchedules(ctx context.Context) int {
	s, err := r.js.Stream(ctx, r.topo.WithDefaults().RequestStream)
	if err != nil {
		return 0
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(bus.ScheduleSubjectPrefix+">"))
	if err != nil {
		return 0
	}
	return len(info.State.Subjects)
}

func (r *run) progress(format string, args ...any) {
	fmt.Fprintf(r.p.Progress, "%s %-20s %s\n", time.Now().Format("15:04:05.000"), r.s.name, fmt.Sprintf(format, args...))
}

func (r *run) execute(ctx context.Context) (Report, error) {
	if err := r.setUp(ctx); err != nil {
		return Report{}, err
	}
	r.progress("%s; %d events over %s, %d replicas", r.s.about, r.p.Events, r.p.Duration, r.p.Replicas)
	r.started = time.Now()
	injectErr := make(chan error, 1)
	ictx, stopInject := context.WithCancel(ctx)
	defer stopInject()
	go func() {
		if r.s.inject == nil {
			injectErr <- nil
			return
		}
		injectErr <- r.s.inject(ictx, r)
	}()
	if err := r.publishAll(ctx); err != nil {
		return Report{}, err
	}
	if err := <-injectErr; err != nil {
		return Report{}, err
	}
	finished := r.waitDone(ctx)
	r.progress("all events finished: %v after %s; stopping replicas", finished, time.Since(r.started).Round(time.Millisecond))
	before := r.exitCounts()
	for _, rep := range r.replicas {
		rep.stop(15 * time.Second)
	}
	rep, err := r.classify(ctx, before)
	if err != nil {
		return rep, err
	}
	if !finished {
		rep.fail("not every event finished within %s", r.p.Timeout)
	}
	rep.Notes = append(rep.Notes, r.notes...)
	r.s.check(r, &rep)
	r.progress("%s", rep.Summary())
	return rep, nil
}

// setUp starts NATS, creates the topology, the receiver and the replicas.
func (r *run) setUp(ctx context.Context) error {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	var err error
	if r.nats, err = startNATS(filepath.Join(r.dir, "jetstream")); err != nil {
		return err
	}
	if r.nc, err = nats.Connect(r.nats.url(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond)); err != nil {
		return fmt.Errorf("faultcheck: connect: %w", err)
	}
	if r.js, err = jetstream.New(r.nc); err != nil {
		return err
	}
	r.topo = bus.Topology{AckWait: ackWait, MaxDeliver: r.maxDeliver()}
	if _, err := r.topo.Ensure(ctx, r.js); err != nil {
		return err
	}
	b := behaviour(answerOK)
	if r.s.receiver != nil {
		b = r.s.receiver(r.p, time.Now())
	}
	if r.recv, err = startReceiver(b); err != nil {
		return err
	}
	for i := range r.p.Replicas {
		if err := r.startReplica(i); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) maxDeliver() int {
	if r.s.maxDeliver > 0 {
		return r.s.maxDeliver
	}
	return maxDeliver
}

// startReplica starts replica i under its supervisor.
func (r *run) startReplica(i int) error {
	log, err := os.Create(filepath.Join(r.dir, fmt.Sprintf("replica-%d.log", i)))
	if err != nil {
		return err
	}
	r.logs = append(r.logs, log)
	args := []string{"serve", "--nats-url", r.nats.url(), "--admin-addr", "", "--allow-cidrs", "127.0.0.0/8",
		"--ack-wait", ackWait.String(), "--max-deliver", strconv.Itoa(r.maxDeliver()), "--workers", strconv.Itoa(r.p.Workers),
		"--replicas", strconv.Itoa(r.p.Replicas), "--shutdown-grace", "5s", "--max-retry-window", "1m", "--max-timeout", "10s",
		"--breaker-failures", "5", "--breaker-open", breakerOpen.String(), "--hold-spread", "1s",
		"--poison-sweep", "5s", "--log-level", "info"}
	args = append(args, r.s.flags...)
	rep := &replica{name: fmt.Sprintf("replica-%d", i), bin: r.p.Binary, args: args, log: log,
		env: func(start int) []string {
			if r.s.faultEnv == nil {
				return nil
			}
			if v := r.s.faultEnv(r.p, i, start); v != "" {
				return []string{dispatch.FaultPointEnv + "=" + v}
			}
			return nil
		},
		pause: func() time.Duration {
			if r.s.name == "sigterm" {
				return time.Second // stopped, then restarted: events wait meanwhile
			}
			return 200 * time.Millisecond
		},
	}
	r.replicas = append(r.replicas, rep)
	return rep.start()
}

// node is the node configuration every event of the run carries.
func (r *run) node() flowevent.NodeConfig {
	n := flowevent.NodeConfig{
		Method: flowevent.MethodPost, URL: r.recv.url() + "/hook?source=faultcheck",
		Params:   []flowevent.Param{{Name: "id", From: flowevent.FromProfile, Path: "id"}},
		Response: flowevent.ResponseCheck{Kind: flowevent.CheckStatus, Status: 200},
		OnError:  flowevent.RouteNo, TimeoutMS: 10_000,
	}
	if r.s.node != nil {
		r.s.node(&n)
	}
	return n
}

// eventID names the i-th event of a scenario.
func eventID(scenario string, i int) string { return fmt.Sprintf("%s-%06d", scenario, i) }

// checkAccount is the account of every event the checker publishes.
const checkAccount = "faultcheck"

// publishAll publishes the run's events evenly over the window, each until
// JetStream stores it (NATS may be down meanwhile); its Nats-Msg-Id derives
// from its id, so a publish retried after a lost PubAck is stored once.
func (r *run) publishAll(ctx context.Context) error {
	node := r.node()
	gap := r.p.Duration / time.Duration(r.p.Events)
	next := time.Now()
	for i := range r.p.Events {
		id := eventID(r.idPrefix(), i)
		msg, err := flowevent.NewRequestMsg(id, flowevent.Request{
			Account: checkAccount, FlowID: "check", NodeID: r.s.name, Node: node,
			Profile: flowevent.Profile{ID: "p-" + strconv.Itoa(i), Attributes: map[string]any{"id": id}},
		})
		if err != nil {
			return err
		}
		if err := r.publish(ctx, msg); err != nil {
			return err
		}
		r.ids = append(r.ids, id)
		next = next.Add(gap)
		if d := time.Until(next); d > 0 && !sleepCtx(ctx, d) {
			return ctx.Err()
		}
	}
	return nil
}

// idPrefix is the scenario name, except that the poison scenario's ids
// share poisonID's prefix.
func (r *run) idPrefix() string {
	if r.s.name == "poison" {
		return "poison"
	}
	return r.s.name
}

func (r *run) publish(ctx context.Context, msg *nats.Msg) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := r.js.PublishMsg(pctx, msg)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitDone waits until the request stream is empty (every event acked,
// every schedule fired, every poison captured) and every event has an
// outcome, twice in a row half a second apart.
func (r *run) waitDone(ctx context.Context) bool {
	deadline := time.Now().Add(r.p.Timeout)
	stable := 0
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if r.done(ctx) {
			stable++
			if stable == 2 {
				return true
			}
		} else {
			stable = 0
		}
		sleepCtx(ctx, 500*time.Millisecond)
	}
	return false
}

func (r *run) done(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := r.js.Stream(ctx, r.topo.WithDefaults().RequestStream)
	if err != nil {
		return false
	}
	out, err := r.js.Stream(ctx, r.topo.WithDefaults().OutcomeStream)
	if err != nil {
		return false
	}
	return req.CachedInfo().State.Msgs == 0 && out.CachedInfo().State.Msgs >= uint64(len(r.ids))
}

func (r *run) exitCounts() []int {
	out := make([]int, len(r.replicas))
	for i, rep := range r.replicas {
		out[i] = len(rep.history())
	}
	return out
}

func (r *run) close() {
	for _, rep := range r.replicas {
		rep.stop(5 * time.Second)
	}
	if r.recv != nil {
		r.recv.close()
	}
	if r.nc != nil {
		r.nc.Close()
	}
	if r.nats != nil {
		r.nats.shutdown()
	}
	for _, f := range r.logs {
		_ = f.Close()
	}
}

// replicaLogs returns the paths of the run's process logs.
func (r *run) replicaLogs() []string {
	var out []string
	for _, f := range r.logs {
		out = append(out, f.Name())
	}
	return out
}
