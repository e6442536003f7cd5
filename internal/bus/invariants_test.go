package bus_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
)

func TestAdvice(t *testing.T) {
	tests := []struct {
		name string
		load bus.Workload
		want string // substring of the only advice; empty: none
	}{
		{"defaults", bus.Workload{Prefetch: 32, Workers: 256, MaxTimeout: 2 * time.Minute}, ""},
		{"buffer waits longer than half the ack wait", bus.Workload{Prefetch: 256, Workers: 256, MaxTimeout: 2 * time.Minute}, "raise --ack-wait, or lower --prefetch"},
		{"short calls make a large buffer safe", bus.Workload{Prefetch: 256, Workers: 256, MaxTimeout: 10 * time.Second}, ""},
		{"unknown workload", bus.Workload{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bus.Topology{}.Advice(tt.load)
			if tt.want == "" && len(got) != 0 || tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)) {
				t.Fatalf("Advice = %q, want %q", got, tt.want)
			}
		})
	}
}
