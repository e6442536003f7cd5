package app

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(noMemoryLimit)
	t.Cleanup(func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	})
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	tests := []struct {
		name        string
		vars        map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{"defaults", nil, DefaultGCPercent, DefaultMemoryLimit},
		// With GOGC or GOMEMLIMIT set, the runtime's own setting (here the
		// one the test put in place) is left alone.
		{"GOGC set", map[string]string{"GOGC": "100"}, 100, DefaultMemoryLimit},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "off"}, DefaultGCPercent, noMemoryLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(noMemoryLimit)
			p, l := TuneGC(env(tt.vars))
			if p != tt.wantPercent || l != tt.wantLimit {
				t.Errorf("TuneGC = %d, %d; want %d, %d", p, l, tt.wantPercent, tt.wantLimit)
			}
			if got := debug.SetGCPercent(100); got != tt.wantPercent {
				t.Errorf("GC percent in force %d, want %d", got, tt.wantPercent)
			}
		})
	}
}
