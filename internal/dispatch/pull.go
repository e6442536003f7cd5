package dispatch

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
)

// Pulling from the lanes. The request stream files every account's events
// in one of several partitions (internal/bus), each with a consumer: a
// lane. The dispatcher keeps every lane served, so that one account's
// backlog waits only in its own lane, and a lane's event is pulled the
// moment it is stored even while other lanes drain backlogs:
//
//   - Every lane without work in flight has a probe outstanding: a pull
//     request for one message, waiting on the server up to probeExpiry
//     (the client gives the server a tenth more, as nats.go does, so that
//     no message is in flight when it stops listening). A probe promises
//     no worker: its message goes to an idle worker, or, when none is
//     idle, to the next worker that finishes (ahead of everything else),
//     kept in progress meanwhile.
//   - A lane at work whose last request found messages (it may have a
//     backlog) gets batches: pull requests for an equal share of the idle
//     workers among such lanes, which return at once with what is there
//     (no wait: a request that waits briefly races its own expiry, and a
//     message the server sends as the client gives up is lost until its
//     ack wait ends). They are sent once Config.PullBatch workers are idle
//     beyond pullReserve, which stays idle for the probes' messages (with
//     more busy lanes than batches of a quarter of PullBatch, a round
//     serves that many lanes, in turn). A batch that finds nothing makes
//     the lane wait for a probe again.
//
// A batch asks for no more messages than it has idle workers promised to
// it (idle: neither busy nor promised), so a batch's message never waits
// for a worker; only a probe's may, for at most one finishing call. A lane
// has at most one request outstanding; the planner starts each round with
// the next lane, so none is favoured.
const (
	probeExpiry = 5 * time.Second
	// pullHeartbeat is the idle heartbeat asked of the server for every
	// probe: a probe lost with a NATS restart ends after two missed
	// heartbeats, not at its expiry.
	pullHeartbeat = time.Second
	// pullBackoffMax bounds the pause of a lane whose pull request failed
	// with nothing delivered (NATS unreachable, consumer deleted).
	pullBackoffMax = 5 * time.Second
	// pullReserve is how many idle workers batches leave for the probes'
	// messages.
	pullReserve = bus.ReservedWorkers
)

// job is a pulled message and the lane it came from.
type job struct {
	msg  jetstream.Msg
	lane *lane
}

// puller feeds the workers from the lanes' consumers. It pulls until the
// context given to run ends: then it sends no new requests, and the
// outstanding ones end at once, handing over the messages they already
// received.
type puller struct {
	d     *Dispatcher
	jobs  chan<- job
	lanes []*lane

	mu   sync.Mutex
	idle int
	// waiting are probes' messages no idle worker was there for, in
	// arrival order, each kept in progress until a worker takes it.
	waiting []waitingJob
	next    int           // the lane the next round starts with
	wake    chan struct{} // signalled when idle grows or a lane may pull again

	requests sync.WaitGroup
}

// waitingJob is a probe's message waiting for a worker.
type waitingJob struct {
	job
	kept keepToken
}

// lane is one consumer's pulling state, guarded by puller.mu.
type lane struct {
	cons jetstream.Consumer
	// found: the last request found messages, so more may wait.
	found bool
	// pulling: a request is outstanding.
	pulling bool
	// inflight counts the lane's messages being worked on or waiting for
	// a worker.
	inflight int
	// backoff and resume pause a lane after failed requests.
	backoff time.Duration
	resume  time.Time
}

// busy reports whether l is at work with more likely waiting: it gets
// batches rather than probes.
func (l *lane) busy() bool { return l.found && l.inflight > 0 }

// pullRequest is one pull request the planner decided on.
type pullRequest struct {
	lane *lane
	// n is the number of messages asked for; a batch has n idle workers
	// promised to it, a probe (n 1) none.
	n     int
	probe bool
}

// newPuller returns a puller for d's workers. It checks that every lane's
// consumer can be pulled from: an error here fails Run at once.
func (d *Dispatcher) newPuller(ctx context.Context, jobs chan<- job) (*puller, error) {
	p := &puller{d: d, jobs: jobs, idle: d.cfg.Workers, wake: make(chan struct{}, 1)}
	for _, c := range d.lanes {
		if _, err := c.Info(ctx); err != nil {
			return nil, consumerError(c.CachedInfo().Name, err)
		}
		p.lanes = append(p.lanes, &lane{cons: c})
	}
	return p, nil
}

// done tells the puller that a worker finished a job of l. It returns the
// job the worker takes next, a probe's message that was waiting for one;
// false: the worker is idle.
func (p *puller) done(l *lane) (job, bool) {
	p.mu.Lock()
	l.inflight--
	if len(p.waiting) > 0 {
		w := p.waiting[0]
		p.waiting = p.waiting[1:]
		p.mu.Unlock()
		p.d.keeper.release(w.kept)
		return w.job, true
	}
	p.idle++
	p.mu.Unlock()
	p.signal()
	return job{}, false
}

// run sends pull requests until ctx ends, then waits for the outstanding
// ones to hand over what they received. Messages arriving after the work
// context ended are handed back at once.
func (p *puller) run(ctx, work context.Context) {
	defer p.requests.Wait()
	for {
		now := p.d.now()
		reqs, nextAt := p.nextRequests(ctx, now)
		for _, r := range reqs {
			p.requests.Go(func() { p.pull(ctx, work, r) })
		}
		if len(reqs) > 0 {
			continue
		}
		var timer *time.Timer
		var due <-chan time.Time
		if !nextAt.IsZero() {
			timer = time.NewTimer(nextAt.Sub(now))
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-due:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// nextRequests decides the next pull requests (see the rules at the top of
// this file) and promises idle workers to the batches. nextAt is when a
// paused lane may pull again (zero: none is paused). Once ctx ended it
// decides none.
func (p *puller) nextRequests(ctx context.Context, now time.Time) (reqs []pullRequest, nextAt time.Time) {
	if ctx.Err() != nil {
		return nil, time.Time{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var busy []*lane
	n := len(p.lanes)
	for i := range n {
		l := p.lanes[(p.next+i)%n]
		switch {
		case l.pulling:
		case now.Before(l.resume):
			if nextAt.IsZero() || l.resume.Before(nextAt) {
				nextAt = l.resume
			}
		case l.busy():
			busy = append(busy, l)
		default:
			l.pulling = true
			reqs = append(reqs, pullRequest{lane: l, n: 1, probe: true})
		}
	}
	p.next = (p.next + 1) % n
	spare := p.idle - pullReserve
	if len(busy) == 0 || spare <= 0 || (spare < p.d.cfg.PullBatch && p.idle < p.d.cfg.Workers) {
		return reqs, nextAt
	}
	// With many busy lanes an equal share of the spare would be a few
	// messages per pull request; this round serves only as many lanes as
	// get a batch of minBatch, and the next round starts one lane further,
	// so every busy lane takes its turn.
	minBatch := max(p.d.cfg.PullBatch/4, 1)
	if most := max(spare/minBatch, 1); len(busy) > most {
		busy = busy[:most]
	}
	share := max(spare/len(busy), 1)
	for _, l := range busy {
		if spare = p.idle - pullReserve; spare <= 0 {
			break
		}
		n := min(share, spare)
		p.idle -= n
		l.pulling = true
		reqs = append(reqs, pullRequest{lane: l, n: n})
	}
	return reqs, nextAt
}

func (p *puller) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// pull sends one pull request and hands each message to a worker as it
// arrives. A probe waits on the server until it expires or ctx (pulling)
// ends. After the work context ends (shutdown grace over) messages still
// arriving are handed back at once.
func (p *puller) pull(ctx, work context.Context, r pullRequest) {
	var batch jetstream.MessageBatch
	var err error
	if r.probe {
		probe, cancel := context.WithTimeout(ctx, probeExpiry)
		defer cancel()
		batch, err = r.lane.cons.Fetch(1, jetstream.FetchContext(probe), jetstream.FetchHeartbeat(pullHeartbeat))
	} else {
		batch, err = r.lane.cons.FetchNoWait(r.n)
	}
	got, handed := 0, 0
	if err == nil {
		for msg := range batch.Messages() {
			got++
			if work.Err() != nil {
				_ = msg.Nak()
				continue
			}
			handed++
			p.handOver(job{msg: msg, lane: r.lane}, r.probe)
		}
		err = batch.Error()
	}
	// A request that ended at its expiry, or because pulling stopped, did
	// not fail.
	failed := err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled)
	p.finish(r, got, handed, failed, err)
}

// handOver gives a pulled message to a worker: a batch's to a worker
// promised to it; a probe's to an idle worker, or to the waiting line.
func (p *puller) handOver(j job, probe bool) {
	p.mu.Lock()
	j.lane.inflight++
	if probe {
		if p.idle == 0 {
			p.waiting = append(p.waiting, waitingJob{job: j, kept: p.d.keeper.keep(j.msg)})
			p.mu.Unlock()
			return
		}
		p.idle--
	}
	p.mu.Unlock()
	p.jobs <- j
}

// finish records how a lane's request ended and gives back the workers a
// batch did not hand a message to; they take waiting messages first.
func (p *puller) finish(r pullRequest, got, handed int, failed bool, err error) {
	l := r.lane
	p.mu.Lock()
	l.pulling = false
	l.found = got > 0
	switch {
	case failed && got == 0:
		l.backoff = min(max(2*l.backoff, 100*time.Millisecond), pullBackoffMax)
		l.resume = p.d.now().Add(l.backoff)
		p.d.log.Warn().Err(err).Str("consumer", l.cons.CachedInfo().Name).Dur("retry_in", l.backoff).Msg("dispatch: pull request failed")
	case !failed:
		l.backoff = 0
	}
	if !r.probe {
		// Messages Nak'ed after the work context ended were never handed
		// over.
		p.idle += r.n - handed
	}
	var take []waitingJob
	for p.idle > 0 && len(p.waiting) > 0 {
		take = append(take, p.waiting[0])
		p.waiting = p.waiting[1:]
		p.idle--
	}
	p.mu.Unlock()
	for _, w := range take {
		p.d.keeper.release(w.kept)
		p.jobs <- w.job
	}
	p.signal()
}
