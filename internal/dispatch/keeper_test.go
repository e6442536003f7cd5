package dispatch

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// progressMsg counts the in-progress signals it was given.
type progressMsg struct {
	jetstream.Msg
	signals atomic.Int32
}

func (m *progressMsg) InProgress() error { m.signals.Add(1); return nil }

// TestKeeperSignalsUntilReleased: a kept message is marked in progress
// once per period, the first a period after it was kept, until it is
// released; a message released before its first signal gets none.
func TestKeeperSignalsUntilReleased(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const every = 3 * time.Second
		k := newKeeper(every, time.Now)
		ctx, stop := context.WithCancel(t.Context())
		var running sync.WaitGroup
		running.Go(func() { k.run(ctx) })
		defer func() { stop(); running.Wait() }()

		long, short := &progressMsg{}, &progressMsg{}
		longKept := k.keep(long)
		k.release(k.keep(short))
		signals := func(at time.Duration, want int32) {
			t.Helper()
			time.Sleep(at)
			synctest.Wait()
			if n := long.signals.Load(); n != want {
				t.Fatalf("%d signals, want %d", n, want)
			}
		}
		signals(every-time.Millisecond, 0) // not before a period
		signals(time.Millisecond, 1)       // due at once: the keeper checks every quarter period
		signals(4*every, 5)
		k.release(longKept)
		signals(3*every, 5) // none once released
		if n := short.signals.Load(); n != 0 {
			t.Fatalf("a message released at once got %d signals", n)
		}
	})
}
