package dispatch

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Pull requests. Each asks for as many messages as there are idle workers
// (idle: neither busy nor promised to an earlier pull request), so that
// no message is ever buffered waiting for a worker while its ack wait
// runs, and no in-progress signals are needed before handling starts.
// A request is sent once at least Config.PullBatch workers are idle, or
// every worker is; it waits on the server up to pullExpiry for messages,
// handing each over the moment it arrives.
const (
	pullExpiry = 5 * time.Second
	// pullHeartbeat is the idle heartbeat asked of the server for every
	// pull request: a request lost with a NATS restart ends after two
	// missed heartbeats, not at its expiry.
	pullHeartbeat = time.Second
	// pullBackoffMax bounds the pause after a pull request that failed
	// with nothing delivered (NATS unreachable, consumer deleted).
	pullBackoffMax = 5 * time.Second
)

// puller feeds the workers from the consumer with pull requests sized by
// the idle workers. Several requests may be outstanding at once; their
// total never exceeds the idle workers.
type puller struct {
	d    *Dispatcher
	jobs chan<- jetstream.Msg
	// pulling ends when drain is called: no new requests, outstanding
	// ones end at once (messages they already received are handed over).
	pulling context.Context
	stop    context.CancelFunc

	mu   sync.Mutex
	idle int
	wake chan struct{} // signalled when idle grows

	requests sync.WaitGroup

	backoffMu sync.Mutex
	backoff   time.Duration
}

// newPuller returns a puller for d's workers. It checks that the
// consumer can be pulled from: an error here fails Run at once.
func (d *Dispatcher) newPuller(ctx context.Context, jobs chan<- jetstream.Msg) (*puller, error) {
	if _, err := d.consumer.Info(ctx); err != nil {
		return nil, errors.Join(errors.New("dispatch: consume"), err)
	}
	pulling, stop := context.WithCancel(context.Background())
	return &puller{d: d, jobs: jobs, pulling: pulling, stop: stop, idle: d.cfg.Workers, wake: make(chan struct{}, 1)}, nil
}

// done tells the puller that a worker finished an event and is idle.
func (p *puller) done() { p.unclaim(1) }

// run sends pull requests until drain is called, then waits for the
// outstanding ones to hand over what they received.
func (p *puller) run(work context.Context) {
	defer p.requests.Wait()
	for {
		n := p.claim()
		if n == 0 {
			select {
			case <-p.pulling.Done():
				return
			case <-p.wake:
			}
			continue
		}
		p.requests.Add(1)
		go func() {
			defer p.requests.Done()
			p.pull(work, n)
		}()
	}
}

// claim promises idle workers to a new pull request and returns how many;
// 0 when too few are idle (or pulling stopped).
func (p *puller) claim() int {
	if p.pulling.Err() != nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idle < p.d.cfg.PullBatch && p.idle < p.d.cfg.Workers {
		return 0
	}
	n := p.idle
	p.idle = 0
	return n
}

// unclaim makes n workers idle again: workers promised to a request that
// delivered fewer messages, or a worker that finished its event.
func (p *puller) unclaim(n int) {
	if n == 0 {
		return
	}
	p.mu.Lock()
	p.idle += n
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// pull sends one pull request for n messages and hands each message to a
// worker as it arrives. After the work context ends (shutdown grace over)
// messages still arriving are handed back at once.
func (p *puller) pull(work context.Context, n int) {
	ctx, cancel := context.WithTimeout(p.pulling, pullExpiry)
	defer cancel()
	batch, err := p.d.consumer.Fetch(n, jetstream.FetchContext(ctx), jetstream.FetchHeartbeat(pullHeartbeat))
	got := 0
	if err == nil {
		for msg := range batch.Messages() {
			got++
			if work.Err() != nil {
				_ = msg.Nak()
				p.unclaim(1)
				continue
			}
			p.jobs <- msg
		}
		err = batch.Error()
	}
	// A request that ended at its expiry, or because pulling stopped, did
	// not fail.
	failed := err != nil && p.pulling.Err() == nil && !errors.Is(err, context.DeadlineExceeded)
	switch {
	case failed && got == 0:
		p.pause(err)
	case !failed && (got > 0 || err == nil):
		p.resetBackoff()
	}
	p.unclaim(n - got)
}

// pause logs a failed pull request and waits before its workers are
// offered again, longer after each failure in a row, so that an
// unreachable NATS or a deleted consumer is not asked in a tight loop.
func (p *puller) pause(err error) {
	p.backoffMu.Lock()
	p.backoff = min(max(2*p.backoff, 100*time.Millisecond), pullBackoffMax)
	wait := p.backoff
	p.backoffMu.Unlock()
	p.d.log.Warn().Err(err).Dur("retry_in", wait).Msg("dispatch: pull request failed")
	select {
	case <-p.pulling.Done():
	case <-time.After(wait):
	}
}

func (p *puller) resetBackoff() {
	p.backoffMu.Lock()
	p.backoff = 0
	p.backoffMu.Unlock()
}

// drain stops pulling: no new pull requests; outstanding ones end and hand
// over what they already received, then run returns.
func (p *puller) drain() { p.stop() }
