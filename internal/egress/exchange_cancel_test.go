package egress

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSetDeadlineAfterCancel: a deadline set after the context ended is in
// the past, so a cancellation that came first is not undone.
func TestSetDeadlineAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var got time.Time
	if err := setDeadline(ctx, func(d time.Time) error { got = d; return nil }, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !got.Before(time.Now()) {
		t.Fatalf("deadline %v after cancel: want one in the past", got)
	}
	live := context.Background()
	want := time.Now().Add(time.Hour)
	if err := setDeadline(live, func(d time.Time) error { got = d; return nil }, want); err != nil || !got.Equal(want) {
		t.Fatalf("live context: deadline %v, %v", got, err)
	}
	boom := errors.New("closed")
	if err := setDeadline(live, func(time.Time) error { return boom }, want); !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
}
