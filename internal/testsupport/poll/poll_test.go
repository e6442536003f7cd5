package poll

import (
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"
)

// recorder is a testing.TB whose Fatalf records the message and ends the
// goroutine, as the real one does.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failure calls f with a recorder on a goroutine of its own and returns what
// it failed with ("" when it did not).
func failure(t *testing.T, f func(testing.TB)) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failed
}

func TestUntilReturnsOnceCondHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		start := time.Now()
		failed := failure(t, func(tb testing.TB) {
			Until(tb, time.Second, "the third call", func() bool { calls++; return calls == 3 })
		})
		if failed != "" || calls != 3 {
			t.Fatalf("failed %q after %d calls, want success at the third", failed, calls)
		}
		// The first check at once, then 1 ms pauses while little time has
		// passed.
		if waited := time.Since(start); waited != 2*time.Millisecond {
			t.Fatalf("waited %v, want 2ms", waited)
		}
	})
}

func TestUntilTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		failed := failure(t, func(tb testing.TB) {
			Until(tb, 100*time.Millisecond, "the sky falls", func() bool { return false })
		})
		if want := "timed out after 100ms waiting until the sky falls"; failed != want {
			t.Fatalf("failed with %q, want %q", failed, want)
		}
		if waited := time.Since(start); waited < 100*time.Millisecond || waited > 100*time.Millisecond*9/8 {
			t.Fatalf("gave up after %v, want 100ms and at most an eighth more", waited)
		}
	})
}

// TestPausesGrowWithTheWait: a condition that holds late is seen at most an
// eighth (or 50 ms) late, and a long wait checks at most about 20 times a
// second.
func TestPausesGrowWithTheWait(t *testing.T) {
	for _, holds := range []time.Duration{3 * time.Millisecond, 100 * time.Millisecond, time.Second, 10 * time.Second} {
		synctest.Test(t, func(t *testing.T) {
			calls := 0
			start := time.Now()
			failed := failure(t, func(tb testing.TB) {
				Until(tb, time.Minute, "late", func() bool { calls++; return time.Since(start) >= holds })
			})
			waited := time.Since(start)
			if failed != "" {
				t.Fatalf("holds after %v: %s", holds, failed)
			}
			if late := waited - holds; late > max(holds/8, time.Millisecond) || late > 50*time.Millisecond {
				t.Errorf("holds after %v: seen %v late", holds, late)
			}
			if most := 40 + int(holds/(50*time.Millisecond)); calls > most {
				t.Errorf("holds after %v: %d checks, want at most %d", holds, calls, most)
			}
		})
	}
}

func TestUntilNoErrorReportsTheLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		failed := failure(t, func(tb testing.TB) {
			UntilNoError(tb, 50*time.Millisecond, func() error { n++; return fmt.Errorf("%d of 20 stored", n) })
		})
		if want := fmt.Sprintf("timed out after 50ms: %d of 20 stored", n); failed != want {
			t.Fatalf("failed with %q, want %q", failed, want)
		}
		failed = failure(t, func(tb testing.TB) { UntilNoError(tb, time.Second, func() error { return nil }) })
		if failed != "" {
			t.Fatalf("a check that passes failed with %q", failed)
		}
	})
}

// TestUntilChecksAtLeastOnce: a condition that already holds passes even
// with no time to wait.
func TestUntilChecksAtLeastOnce(t *testing.T) {
	failed := failure(t, func(tb testing.TB) { Until(tb, 0, "true", func() bool { return true }) })
	if failed != "" {
		t.Fatalf("failed with %q", failed)
	}
}
