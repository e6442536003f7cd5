package clock

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestSystemIsTimeNow: System reads the same clock as time.Now, the
// bubble's fake time under synctest included.
func TestSystemIsTimeNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := (System{}).Now()
		if !start.Equal(time.Now()) {
			t.Fatalf("System.Now() = %v, time.Now() = %v", start, time.Now())
		}
		time.Sleep(time.Hour)
		if d := (System{}).Now().Sub(start); d != time.Hour {
			t.Fatalf("an hour's sleep moved System by %v", d)
		}
	})
}
