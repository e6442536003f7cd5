// Package poll makes a test wait for something it can observe — a count,
// a stored message, a line of output — instead of sleeping "long enough":
// it polls a condition until it holds, and fails the test, saying what it
// waited for, when it does not within a time limit.
//
// The first check is made at once; the pause before each next one is an
// eighth of the time waited so far, at least 1 ms and at most 50 ms. A
// condition that holds soon is seen soon, a condition seen late is seen at
// most an eighth late, and a long wait (a NATS server's counters, a child
// process's output) is not a busy loop that slows down what it waits for.
// Under testing/synctest the pauses are the bubble's fake time.
//
// Only tests import this package.
package poll

import (
	"errors"
	"testing"
	"time"
)

// Bounds of the pause between two checks, which is otherwise an eighth of
// the time waited so far.
const (
	minPause = time.Millisecond
	maxPause = 50 * time.Millisecond
)

var errNotYet = errors.New("not yet")

// Until calls cond until it returns true. If it has not within the given
// time, Until fails t with "timed out after <within> waiting until <what>".
// cond runs on the calling goroutine, so it may call t.Fatal itself; it is
// called at least once, the last time when the time is up.
func Until(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	err := run(within, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
	if err != nil {
		t.Fatalf("timed out after %v waiting until %s", within, what)
	}
}

// UntilNoError calls check until it returns nil. If it has not within the
// given time, UntilNoError fails t with "timed out after <within>: <the
// last error>", so check's error should say what is still missing ("12 of
// 20 outcomes stored"). check runs on the calling goroutine, as Until's
// cond does.
func UntilNoError(t testing.TB, within time.Duration, check func() error) {
	t.Helper()
	if err := run(within, check); err != nil {
		t.Fatalf("timed out after %v: %v", within, err)
	}
}

// run calls check until it returns nil or within has passed, and returns
// its last error.
func run(within time.Duration, check func() error) error {
	start := time.Now()
	for {
		err := check()
		waited := time.Since(start)
		if err == nil || waited >= within {
			return err
		}
		time.Sleep(min(max(waited/8, minPause), maxPause)) // polling a condition, not a fixed wait
	}
}
