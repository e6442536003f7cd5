package bus_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowhook/flowhook/internal/bus"
)

// TestCheckDeliveryInvariants covers the invariants retries, holds and
// slow calls add: the retry window enters the dedup window, and a pulled
// message must find a worker well within the ack wait.
func TestCheckDeliveryInvariants(t *testing.T) {
	tests := []struct {
		name string
		topo bus.Topology
		load bus.Workload
		want string // substring of the error; empty: no error
	}{
		{"defaults with the default retry window", bus.Topology{}, bus.Workload{Replicas: 3, Prefetch: 32, Workers: 256, MaxTimeout: 2 * time.Minute, LongestDelay: 5 * time.Minute}, ""},
		{"retry window beyond the dedup window", bus.Topology{}, bus.Workload{LongestDelay: 6 * time.Minute}, "--dedup-window to at least 11m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.topo.Check(tt.load)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, bus.ErrInvariant) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check = %v, want ErrInvariant mentioning %q", err, tt.want)
			}
		})
	}
}

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
