package dispatch

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// keeper marks the messages being worked on as in progress, so that a
// long call (or a long wait for a PubAck) is not redelivered to another
// replica meanwhile. One goroutine serves every message, instead of a
// timer per message: registering costs a slot in a table, and a message
// settled before its first signal is due costs nothing more.
type keeper struct {
	// every is how long after registering, and then how often, a
	// message is marked in progress: AckWait/3.
	every time.Duration
	// now is the clock of the signals' due times.
	now func() time.Time

	mu    sync.Mutex
	slots []kept
	free  []keepToken
}

// kept is one registered message and when its next signal is due; a nil
// msg is a free slot.
type kept struct {
	msg jetstream.Msg
	due time.Time
}

// keepToken names a registered message, for release.
type keepToken int32

func newKeeper(every time.Duration, now func() time.Time) *keeper {
	return &keeper{every: every, now: now}
}

// keep registers msg until release(token) is called, exactly once.
func (k *keeper) keep(msg jetstream.Msg) keepToken {
	due := k.now().Add(k.every)
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := len(k.free); n > 0 {
		t := k.free[n-1]
		k.free = k.free[:n-1]
		k.slots[t] = kept{msg: msg, due: due}
		return t
	}
	k.slots = append(k.slots, kept{msg: msg, due: due})
	return keepToken(len(k.slots) - 1)
}

// release ends the in-progress signals of a registered message.
func (k *keeper) release(t keepToken) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.slots[t] = kept{}
	k.free = append(k.free, t)
}

// run signals every due message, checking four times per period so that
// a signal is never later than 1.25 x every (well within the ack wait),
// until ctx ends.
func (k *keeper) run(ctx context.Context) {
	tick := time.NewTicker(max(k.every/4, 10*time.Millisecond))
	defer tick.Stop()
	var due []jetstream.Msg
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			due = k.due(k.now(), due[:0])
			for i, msg := range due {
				_ = msg.InProgress()
				due[i] = nil
			}
		}
	}
}

// due collects the messages whose signal is due at now into buf and
// moves their next signal one period on.
func (k *keeper) due(now time.Time, buf []jetstream.Msg) []jetstream.Msg {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := range k.slots {
		s := &k.slots[i]
		if s.msg != nil && !now.Before(s.due) {
			buf = append(buf, s.msg)
			s.due = now.Add(k.every)
		}
	}
	return buf
}
