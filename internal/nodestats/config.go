package nodestats

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
)

// Defaults of Config.
const (
	DefaultBucket      = "flowhook_nodestats"
	DefaultLeaseBucket = "flowhook_nodestats_lease"
	DefaultLease       = 15 * time.Second
	DefaultBatch       = 4096
	DefaultLinger      = 250 * time.Millisecond
	DefaultParallel    = 8
)

// Config says where node stats live and how the Aggregator works. Zero
// values mean the defaults.
type Config struct {
	// Bucket is the key-value bucket of node stats; default
	// flowhook_nodestats.
	Bucket string
	// LeaseBucket holds the aggregator lease; default
	// flowhook_nodestats_lease.
	LeaseBucket string
	// OutcomeStream is the stream aggregated; default FLOWHOOK_OUTCOMES.
	OutcomeStream string
	// Replicas is the buckets' replication factor (3 on a cluster); default 1.
	Replicas int
	// MemoryStorage keeps the buckets in memory (tests only).
	MemoryStorage bool
	// Lease is how long the aggregator lease lasts unless refreshed (it is
	// refreshed every Lease/3); default 15s.
	Lease time.Duration
	// Batch is the most outcomes applied at once; default 4096.
	Batch int
	// Linger is how long a batch may gather outcomes after its first,
	// unless it fills up first; default 250ms. Every batch writes each of
	// its nodes' values and the checkpoint: applying whatever was ready
	// (small batches when keeping up) made a handful of key-value writes
	// per few outcomes, the largest cost of node stats at high rates.
	// Stats lag the outcomes by about this much.
	Linger time.Duration
	// Parallel is how many nodes' values are written at once; default 8.
	Parallel int
	// ID names this replica in the lease; default host name and process id.
	ID string
}

func (c Config) withDefaults() Config {
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.LeaseBucket == "" {
		c.LeaseBucket = DefaultLeaseBucket
	}
	if c.OutcomeStream == "" {
		c.OutcomeStream = bus.DefaultOutcomeStream
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.Linger <= 0 {
		c.Linger = DefaultLinger
	}
	if c.Parallel <= 0 {
		c.Parallel = DefaultParallel
	}
	if c.ID == "" {
		host, _ := os.Hostname()
		c.ID = host + "-" + strconv.Itoa(os.Getpid())
	}
	return c
}

// Ensure creates the stats and lease buckets if they are missing (and
// updates their settings otherwise) and returns them.
func Ensure(ctx context.Context, js jetstream.JetStream, c Config) (stats, lease jetstream.KeyValue, err error) {
	c = c.withDefaults()
	storage := jetstream.FileStorage
	if c.MemoryStorage {
		storage = jetstream.MemoryStorage
	}
	stats, err = bus.Create(ctx, func(ctx context.Context) (jetstream.KeyValue, error) {
		return js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      c.Bucket,
			Description: "flowhook node stats: one key per (account, flow, node), counted from the outcome stream",
			History:     1,
			Storage:     storage,
			Replicas:    c.Replicas,
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("nodestats: bucket %s: %w", c.Bucket, err)
	}
	lease, err = bus.Create(ctx, func(ctx context.Context) (jetstream.KeyValue, error) {
		return js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      c.LeaseBucket,
			Description: "flowhook node stats aggregator lease",
			History:     1,
			TTL:         c.Lease,
			Storage:     storage,
			Replicas:    c.Replicas,
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("nodestats: bucket %s: %w", c.LeaseBucket, err)
	}
	return stats, lease, nil
}
