package scaleout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/fleetbreaker"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Params size a scale-out run. Zero values take the defaults.
type Params struct {
	// Binary is the flowhook command to run (see faultcheck.Build).
	Binary string
	// Dir holds the cluster's stores and the replicas' logs.
	Dir string
	// Events are published evenly over Duration; defaults 3000 and 15s.
	Events   int
	Duration time.Duration
	// Replicas is the number of flowhook processes, one per cluster node
	// in turn; default 3. Workers is each one's --workers; default 16.
	Replicas int
	Workers  int
	// ReceiverDelay is how long the receiver takes to answer; default 2ms.
	ReceiverDelay time.Duration
	// Down is how long the killed replica and NATS node stay down;
	// default 3s.
	Down time.Duration
	// Timeout bounds the wait for every outcome after publishing; default
	// 2m.
	Timeout time.Duration
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
}

func (p Params) withDefaults() Params {
	if p.Events <= 0 {
		p.Events = 3000
	}
	if p.Duration <= 0 {
		p.Duration = 15 * time.Second
	}
	if p.Replicas <= 0 {
		p.Replicas = 3
	}
	if p.Workers <= 0 {
		p.Workers = 16
	}
	if p.ReceiverDelay <= 0 {
		p.ReceiverDelay = 2 * time.Millisecond
	}
	if p.Down <= 0 {
		p.Down = 3 * time.Second
	}
	if p.Timeout <= 0 {
		p.Timeout = 2 * time.Minute
	}
	if p.Progress == nil {
		p.Progress = io.Discard
	}
	return p
}

// clusterSize is the number of NATS nodes; ackWait the consumer's ack wait
// (short, so that the killed replica's work is redelivered soon).
const (
	clusterSize = 3
	ackWait     = 5 * time.Second
)

// Report is what a run found.
type Report struct {
	Events int
	// Classes counts the events per class (ClassOK, ClassLost, ...);
	// Examples names a few events of each class but ok.
	Classes  map[string]int
	Examples map[string][]string
	// Requests is how many HTTP requests the receiver got; Redelivered
	// how many events it got more than once.
	Requests, Redelivered int
	// Shares counts the HTTP requests per replica.
	Shares map[string]int
	// Faults lists what was injected, with when (from the first publish).
	Faults []string
	// Elapsed is from the first publish to the last outcome.
	Elapsed time.Duration
	// Logs are the replicas' log files.
	Logs []string
}

// Passed reports whether no event was lost, answered twice or answered
// unexpectedly, every event was answered, and no replica starved (each
// sent at least a tenth of its fair share).
func (r Report) Passed() bool { return len(r.Problems()) == 0 }

// Problems lists what broke the guarantees.
func (r Report) Problems() []string {
	var ps []string
	for _, c := range []string{ClassLost, ClassDuplicate, ClassUnexpected} {
		if n := r.Classes[c]; n != 0 {
			ps = append(ps, fmt.Sprintf("%d %s (e.g. %v)", n, c, r.Examples[c]))
		}
	}
	if r.Classes[ClassOK] != r.Events {
		ps = append(ps, fmt.Sprintf("%d of %d events ok", r.Classes[ClassOK], r.Events))
	}
	fair := r.Requests / max(len(r.Shares), 1)
	for name, n := range r.Shares {
		if n < fair/10 {
			ps = append(ps, fmt.Sprintf("replica %s starved: %d of %d requests", name, n, r.Requests))
		}
	}
	return ps
}

// String renders the report for people.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "events %d: ok %d, lost %d, duplicate %d, unexpected %d (in %v)\n", r.Events,
		r.Classes[ClassOK], r.Classes[ClassLost], r.Classes[ClassDuplicate], r.Classes[ClassUnexpected], r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "http requests %d, events delivered more than once %d\n", r.Requests, r.Redelivered)
	names := make([]string, 0, len(r.Shares))
	for n := range r.Shares {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  replica %-4s %6d requests  %5.1f%%\n", n, r.Shares[n], 100*float64(r.Shares[n])/float64(max(r.Requests, 1)))
	}
	for _, f := range r.Faults {
		fmt.Fprintf(&b, "  fault: %s\n", f)
	}
	return b.String()
}

// Run runs one scale-out check; see the package comment. The error is for
// a harness that could not run, not for broken guarantees (see Report).
func Run(ctx context.Context, p Params) (Report, error) {
	p = p.withDefaults()
	if p.Binary == "" || p.Dir == "" {
		return Report{}, errors.New("scaleout: Binary and Dir are required")
	}
	progress := func(format string, args ...any) { fmt.Fprintf(p.Progress, "scaleout: "+format+"\n", args...) }
	cluster, err := StartCluster(p.Dir, clusterSize)
	if err != nil {
		return Report{}, err
	}
	defer cluster.Shutdown()
	progress("3-node NATS cluster up: %s", cluster.URLs())
	c, err := connect(cluster.URLs())
	if err != nil {
		return Report{}, err
	}
	defer c.close()
	topo := bus.Topology{Replicas: clusterSize, AckWait: ackWait}.WithDefaults()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = topo.Ensure(sctx, c.js)
	cancel()
	if err != nil {
		return Report{}, err
	}
	recv, err := startReceiver(200, p.ReceiverDelay)
	if err != nil {
		return Report{}, err
	}
	defer recv.close()

	replicas, err := startFleet(ctx, p, cluster, c)
	if err != nil {
		return Report{}, err
	}
	defer stopAll(replicas)
	if err := c.waitConsumers(ctx, topo, len(replicas), 30*time.Second); err != nil {
		return Report{}, err
	}
	progress("%d flowhook replicas pulling, one per node", len(replicas))
	rep := Report{Events: p.Events}
	for _, r := range replicas {
		rep.Logs = append(rep.Logs, r.LogPath())
	}

	start := time.Now()
	faults := make(chan string, 8)
	faultsDone := make(chan struct{})
	go func() {
		defer close(faultsDone)
		injectFaults(ctx, p, start, cluster, replicas, faults, progress)
	}()
	ids, err := c.publishEvenly(ctx, "so", p.Events, p.Duration, hookNode(recv.url()))
	if err != nil {
		return rep, err
	}
	progress("%d events published in %v", len(ids), time.Since(start).Round(time.Millisecond))
	<-faultsDone
	close(faults)
	for f := range faults {
		rep.Faults = append(rep.Faults, f)
	}
	wctx, cancel := context.WithTimeout(ctx, p.Timeout)
	err = c.waitDone(wctx, topo, len(ids))
	cancel()
	rep.Elapsed = time.Since(start)
	if err != nil {
		progress("%v", err)
	}
	outcomes, err := c.readOutcomes(ctx, topo.OutcomeStream)
	if err != nil {
		return rep, err
	}
	rep.Classes, rep.Examples = classify(ids, outcomes, func(o flowevent.Outcome) bool {
		return o.Route == flowevent.RouteYes && o.Reason == flowevent.ReasonMatched
	})
	byID, byAgent, _ := recv.counts()
	rep.Shares = map[string]int{}
	for _, r := range replicas {
		rep.Shares[r.Name] = byAgent[r.Name]
	}
	for _, n := range byID {
		rep.Requests += n
		if n > 1 {
			rep.Redelivered++
		}
	}
	return rep, nil
}

// startFleet starts p.Replicas flowhook processes, the i-th connected to
// cluster node i mod 3 (the client learns the other nodes from it). The
// first one creates the buckets alone: replicas creating the same
// replicated stream at the same instant can get no answer from the
// cluster (nats-server issue 3677) and then fail to start.
func startFleet(ctx context.Context, p Params, cluster *Cluster, c *client) ([]*Replica, error) {
	var out []*Replica
	for i := range p.Replicas {
		name := "r" + strconv.Itoa(i)
		args := []string{"serve", "--nats-url", cluster.URL(i % clusterSize), "--stream-replicas", strconv.Itoa(clusterSize),
			"--replicas", strconv.Itoa(p.Replicas), "--workers", strconv.Itoa(p.Workers), "--ack-wait", ackWait.String(),
			"--admin-addr", "", "--allow-cidrs", "127.0.0.0/8", "--user-agent", "flowhook-scaleout/" + name,
			"--replica-id", name, "--shutdown-grace", "5s", "--log-level", "warn"}
		r, err := startReplica(p.Binary, p.Dir, name, args)
		if err != nil {
			stopAll(out)
			return nil, err
		}
		out = append(out, r)
		if i == 0 {
			if err := c.waitBucket(ctx, fleetbreaker.DefaultBucket, 30*time.Second); err != nil {
				stopAll(out)
				return nil, err
			}
		}
	}
	return out, nil
}

func stopAll(rs []*Replica) {
	for _, r := range rs {
		r.Stop(10 * time.Second)
	}
}

// injectFaults SIGKILLs replica 1 at a third of the window and shuts NATS
// node 2 down at a half; each comes back after p.Down.
func injectFaults(ctx context.Context, p Params, start time.Time, cluster *Cluster, rs []*Replica, faults chan<- string, progress func(string, ...any)) {
	note := func(format string, args ...any) {
		f := fmt.Sprintf("+%v ", time.Since(start).Round(time.Millisecond)) + fmt.Sprintf(format, args...)
		faults <- f
		progress("%s", f)
	}
	victim, node := rs[1%len(rs)], 2%clusterSize
	killAt, downAt := p.Duration/3, p.Duration/2
	steps := []struct {
		at time.Duration
		do func()
	}{
		{killAt, func() { victim.Kill(); note("SIGKILL replica %s", victim.Name) }},
		{downAt, func() { cluster.Kill(node); note("NATS node %d down", node) }},
		{killAt + p.Down, func() {
			if err := victim.Restart(); err != nil {
				note("restart %s failed: %v", victim.Name, err)
				return
			}
			note("replica %s restarted", victim.Name)
		}},
		{downAt + p.Down, func() {
			if err := cluster.Restart(node); err != nil {
				note("NATS node %d restart failed: %v", node, err)
				return
			}
			note("NATS node %d back and current", node)
		}},
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at < steps[j].at })
	for _, st := range steps {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(start.Add(st.at))):
			st.do()
		}
	}
}
