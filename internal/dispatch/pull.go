package dispatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// puller owns the consumer's message iterator. It feeds the workers and,
// should the iterator end while the dispatcher still runs (a terminal pull
// error such as a deleted consumer), opens a new one with backoff, so that
// consumption never stops silently. Reconnections to NATS need no new
// iterator: nats.go re-issues its pull requests by itself.
type puller struct {
	d      *Dispatcher
	mu     sync.Mutex
	msgs   jetstream.MessagesContext
	closed bool
	stop   chan struct{}
}

// newPuller opens the first iterator; an error here fails Run at once.
func (d *Dispatcher) newPuller() (*puller, error) {
	msgs, err := d.consumer.Messages(d.pullOpts()...)
	if err != nil {
		return nil, fmt.Errorf("dispatch: consume: %w", err)
	}
	return &puller{d: d, msgs: msgs, stop: make(chan struct{})}, nil
}

// run feeds jobs until drain was called and the iterator has handed over
// every buffered message.
func (p *puller) run(work context.Context, jobs chan<- jetstream.Msg) {
	wait := 250 * time.Millisecond
	for {
		p.d.feed(work, p.current(), jobs)
		if p.isClosed() {
			return
		}
		p.d.log.Warn().Dur("retry_in", wait).Msg("dispatch: message iterator ended; opening a new one")
		select {
		case <-p.stop:
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
		msgs, err := p.d.consumer.Messages(p.d.pullOpts()...)
		if err != nil {
			p.d.log.Warn().Err(err).Msg("dispatch: consume")
			continue
		}
		if !p.swap(msgs) {
			msgs.Stop()
			return
		}
	}
}

// drain stops pulling: the current iterator hands over what it buffered,
// then ends, and run returns.
func (p *puller) drain() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.stop)
	msgs := p.msgs
	p.mu.Unlock()
	msgs.Drain()
}

func (p *puller) current() jetstream.MessagesContext {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.msgs
}

func (p *puller) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// swap installs a new iterator unless drain was called meanwhile.
func (p *puller) swap(msgs jetstream.MessagesContext) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.msgs = msgs
	return true
}

// feed hands messages to the workers until the iterator ends. After the
// work context ends, buffered messages are handed back at once.
func (d *Dispatcher) feed(work context.Context, msgs jetstream.MessagesContext, jobs chan<- jetstream.Msg) {
	for {
		msg, err := msgs.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			d.log.Warn().Err(err).Msg("dispatch: pull")
			continue
		}
		if work.Err() != nil {
			_ = msg.Nak()
			continue
		}
		d.handOver(msg, jobs)
	}
}

// handOver gives msg to a free worker. When every worker is busy, msg is
// marked in progress while it waits, as its ack wait is already running.
func (d *Dispatcher) handOver(msg jetstream.Msg, jobs chan<- jetstream.Msg) {
	select {
	case jobs <- msg:
		return
	default:
	}
	stop := d.keepAlive(msg)
	jobs <- msg
	stop()
}
