package bus_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
)

func TestTopologyCheck(t *testing.T) {
	tests := []struct {
		name string
		topo bus.Topology
		load bus.Workload
		want string // substring of the error; empty: no error
	}{
		{"defaults hold", bus.Topology{}, bus.Workload{Replicas: 3, Workers: 256}, ""},
		{"tiny ack wait", bus.Topology{AckWait: time.Second}, bus.Workload{}, "--ack-wait"},
		{"dedup window shorter than redelivery", bus.Topology{AckWait: time.Minute, MaxDeliver: 10, DuplicateWindow: 5 * time.Minute}, bus.Workload{}, "--dedup-window to at least 10m0s"},
		{"retry delay counts", bus.Topology{DuplicateWindow: 10 * time.Minute}, bus.Workload{LongestDelay: time.Hour}, "--dedup-window"},
		{"replicas starve", bus.Topology{MaxAckPending: 100}, bus.Workload{Replicas: 2, Workers: 256}, "--max-ack-pending"},
		{"max deliver 1", bus.Topology{MaxDeliver: 1}, bus.Workload{}, "max deliver 1"},
		// Retries, holds and slow calls: the retry window enters the dedup
		// window.
		{"defaults with the default retry window", bus.Topology{}, bus.Workload{Replicas: 3, Workers: 256, LongestDelay: 5 * time.Minute}, ""},
		{"retry window beyond the dedup window", bus.Topology{}, bus.Workload{LongestDelay: 6 * time.Minute}, "--dedup-window to at least 11m0s"},
		{"outcomes gone before redeliveries end", bus.Topology{OutcomeMaxAge: 5 * time.Minute}, bus.Workload{}, "raise --outcome-max-age"},
		{"the reserve and more", bus.Topology{Partitions: 16}, bus.Workload{Workers: 4}, ""},
		{"too few workers", bus.Topology{}, bus.Workload{Workers: 3}, "raise --workers to at least 4"},
		{"too many partitions", bus.Topology{Partitions: 1000}, bus.Workload{}, "--partitions 1000"},
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

func TestEnsureCreatesAndUpdates(t *testing.T) {
	srv := bustest.Server(t)
	_, js := bustest.Connect(t, srv.ClientURL())
	ctx := context.Background()

	topo := bus.Topology{AckWait: 20 * time.Second}
	if _, err := topo.Ensure(ctx, js); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	s, err := js.Stream(ctx, bus.DefaultRequestStream)
	if err != nil {
		t.Fatal(err)
	}
	if s.CachedInfo().Config.Retention != jetstream.WorkQueuePolicy {
		t.Errorf("request stream retention = %v, want work queue", s.CachedInfo().Config.Retention)
	}
	// Running Ensure again with a changed setting updates the consumer.
	topo.AckWait = 45 * time.Second
	lanes, err := topo.Ensure(ctx, js)
	if err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	if len(lanes) != bus.DefaultPartitions+1 {
		t.Fatalf("%d lanes, want %d partitions and the lane of events stored before partitioning", len(lanes), bus.DefaultPartitions)
	}
	for _, c := range lanes {
		if got := c.CachedInfo().Config.AckWait; got != 45*time.Second {
			t.Errorf("%s: ack wait = %v, want 45s", c.CachedInfo().Name, got)
		}
	}
	for _, name := range []string{bus.DefaultOutcomeStream, bus.DefaultDeadLetterStream} {
		if _, err := js.Stream(ctx, name); err != nil {
			t.Errorf("stream %s: %v", name, err)
		}
	}
}
