package fakeclock

import (
	"sync"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/clock"
)

var _ clock.Clock = (*Clock)(nil)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	c := New()
	if got := c.Now(); !got.Equal(Start) {
		t.Fatalf("New().Now() = %v, want %v", got, Start)
	}
	time.Sleep(time.Millisecond)
	if got := c.Now(); !got.Equal(Start) {
		t.Fatalf("the clock moved by itself to %v", got)
	}
	c.Advance(90 * time.Second)
	if got := c.Now().Sub(Start); got != 90*time.Second {
		t.Fatalf("Advance(90s) moved the clock by %v", got)
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if got := At(at).Now(); !got.Equal(at) {
		t.Fatalf("At(%v).Now() = %v", at, got)
	}
}

// TestConcurrentAdvance: advances from many goroutines all count (run with
// -race to check the locking).
func TestConcurrentAdvance(t *testing.T) {
	c := New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now().Sub(Start); got != 800*time.Millisecond {
		t.Fatalf("800 advances of 1ms moved the clock by %v", got)
	}
}
