package fleetbreaker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/clock"
)

// Config configures a Fleet. Zero fields take their defaults, except
// Replica.
type Config struct {
	// Replica names this replica; unique within the fleet. Required.
	Replica string
	// Bucket is the key-value bucket of open states; default
	// DefaultBucket.
	Bucket string
	// Subject carries the results broadcast while breakers are closed;
	// default DefaultSubject.
	Subject string
	// StreamReplicas is the bucket's replication factor (3 on a NATS
	// cluster); default 1.
	StreamReplicas int
	// MemoryStorage keeps the bucket in memory (tests).
	MemoryStorage bool
	// ProbeLease is how long a replica holds the probe of an open period:
	// it must outlast the longest request (node timeouts are capped by
	// serve's --max-timeout). If the holder dies, the fleet waits this
	// long before another replica probes. Default DefaultProbeLease.
	ProbeLease time.Duration
	// TTL drops records not written for this long; default DefaultTTL.
	TTL time.Duration
}

// Defaults of Config.
const (
	DefaultBucket     = "FLOWHOOK_BREAKERS"
	DefaultSubject    = "flowhook.fleet.breaker"
	DefaultProbeLease = 2 * time.Minute
	DefaultTTL        = 24 * time.Hour
)

func (c Config) withDefaults() Config {
	if c.Bucket == "" {
		c.Bucket = DefaultBucket
	}
	if c.Subject == "" {
		c.Subject = DefaultSubject
	}
	if c.StreamReplicas <= 0 {
		c.StreamReplicas = 1
	}
	if c.ProbeLease <= 0 {
		c.ProbeLease = DefaultProbeLease
	}
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	return c
}

// Deps are what a Fleet works with.
type Deps struct {
	Conn      *nats.Conn
	JetStream jetstream.JetStream
	// Registry is this replica's breakers; the Fleet adds a transition
	// hook to it, so New must run before its first Allow.
	Registry *breaker.Registry
	// Clock tells the time (the Registry's clock); nil is the system clock
	// (clock.System).
	Clock breaker.Clock
	Log   zerolog.Logger
}

// Fleet stands in front of a replica's breaker.Registry and shares its
// state with the other replicas. Create it with New and Run it. Its
// methods are safe for concurrent use by multiple goroutines.
type Fleet struct {
	cfg   Config
	nc    *nats.Conn
	kv    jetstream.KeyValue
	reg   *breaker.Registry
	clock breaker.Clock
	log   zerolog.Logger
	sub   *nats.Subscription
	jobs  chan func(context.Context)
	done  chan struct{} // closed when Run returns

	// applyMu serialises applying records to the Registry, so that the
	// Registry's breakers follow the records in revision order.
	applyMu sync.Mutex

	mu       sync.RWMutex
	known    map[breaker.Key]*known // values are never modified
	pending  map[breaker.Key]int    // own openings not yet written
	claiming map[breaker.Key]bool
	nOpen    atomic.Int64 // open records in known: the fast path of Allow

	failing  sync.Map // breaker.Key -> time.Time of the last fault seen; see results.go
	nFailing atomic.Int64
}

// known is the last record applied for an origin.
type known struct {
	rev  uint64
	rec  Record
	seen time.Time
}

// New creates (or updates) the bucket, loads the fleet's current state
// into the Registry, subscribes to the other replicas' results and hooks
// into the Registry to share its own; ctx bounds this set-up. Run then
// follows the fleet until its context ends. Allow may be called as soon as
// New returns.
func New(ctx context.Context, cfg Config, deps Deps) (*Fleet, error) {
	cfg = cfg.withDefaults()
	if cfg.Replica == "" {
		return nil, errors.New("fleetbreaker: the replica needs a name")
	}
	if deps.Conn == nil || deps.JetStream == nil || deps.Registry == nil {
		return nil, errors.New("fleetbreaker: missing dependency")
	}
	f := &Fleet{
		cfg: cfg, nc: deps.Conn, reg: deps.Registry, clock: deps.Clock, log: deps.Log,
		jobs: make(chan func(context.Context), 1024), done: make(chan struct{}),
		known: map[breaker.Key]*known{}, pending: map[breaker.Key]int{}, claiming: map[breaker.Key]bool{},
	}
	if f.clock == nil {
		f.clock = clock.System{}
	}
	kv, err := f.ensureBucket(ctx, deps.JetStream)
	if err != nil {
		return nil, fmt.Errorf("fleetbreaker: bucket %s: %w", cfg.Bucket, err)
	}
	f.kv = kv
	if err := f.loadState(ctx); err != nil {
		return nil, err
	}
	f.sub, err = f.nc.Subscribe(cfg.Subject, f.received)
	if err == nil {
		err = f.nc.FlushTimeout(opTimeout) // the server knows of the subscription
	}
	if err != nil {
		return nil, fmt.Errorf("fleetbreaker: subscribe %s: %w", cfg.Subject, err)
	}
	f.reg.OnTransition(f.transitioned)
	return f, nil
}

// ensureBucket creates or updates the bucket (see bus.Create for why it
// retries).
func (f *Fleet) ensureBucket(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	return bus.Create(ctx, func(ctx context.Context) (jetstream.KeyValue, error) {
		return js.CreateOrUpdateKeyValue(ctx, f.bucketConfig())
	})
}

func (f *Fleet) bucketConfig() jetstream.KeyValueConfig {
	storage := jetstream.FileStorage
	if f.cfg.MemoryStorage {
		storage = jetstream.MemoryStorage
	}
	return jetstream.KeyValueConfig{
		Bucket:      f.cfg.Bucket,
		Description: "flowhook: fleet-wide endpoint circuit breaker states",
		History:     1,
		TTL:         f.cfg.TTL,
		Storage:     storage,
		Replicas:    f.cfg.StreamReplicas,
	}
}

// Run follows the fleet until ctx ends: it applies the records other
// replicas write and writes this replica's. It returns ctx's error, or an
// error if the bucket cannot be watched (breakers then stay local).
func (f *Fleet) Run(ctx context.Context) error {
	defer close(f.done)
	defer func() { _ = f.sub.Unsubscribe() }()
	// The watch starts with the current records again: those written
	// since New are not missed, and those already applied are skipped.
	w, err := f.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("fleetbreaker: watch %s: %w", f.cfg.Bucket, err)
	}
	defer func() { _ = w.Stop() }()
	writes := make(chan struct{})
	go func() {
		defer close(writes)
		for {
			select {
			case <-ctx.Done():
				return
			case job := <-f.jobs:
				job(ctx)
			}
		}
	}()
	f.watch(ctx, w)
	<-writes
	return ctx.Err()
}

// Allow asks the fleet, then the local breaker, for permission to send
// one request of key's account to its origin. It has the contract of breaker.Registry.Allow:
// on refusal (a *breaker.OpenError) nothing may be sent; otherwise done
// must be called once with the call's result. It does not touch the
// network unless the breaker's open period has just ended and this replica
// tries to take the probe; then it waits at most ClaimWait.
func (f *Fleet) Allow(key breaker.Key) (done func(breaker.Result), err error) {
	probing := false
	if f.nOpen.Load() > 0 {
		if probing, err = f.gate(key); err != nil {
			return nil, err
		}
	}
	local, err := f.reg.Allow(key)
	if err != nil || probing {
		return local, err // a probe's result travels as a transition
	}
	return func(res breaker.Result) {
		local(res)
		f.counted(key, res)
	}, nil
}

// ClaimWait bounds how long Allow waits to take a probe lease.
const ClaimWait = 2 * time.Second

// gate applies key's record to one request: probing reports that this
// replica holds the probe lease.
func (f *Fleet) gate(key breaker.Key) (probing bool, err error) {
	f.mu.RLock()
	k := f.known[key]
	f.mu.RUnlock()
	if k == nil {
		return false, nil
	}
	switch d, until := k.rec.decide(f.cfg.Replica, f.clock.Now()); d {
	case pass:
		return false, nil
	case probe:
		return true, nil
	case wait:
		return false, breaker.Refusal(key, until)
	}
	if f.claim(key) {
		return true, nil
	}
	return false, breaker.Refusal(key, time.Time{})
}

// claim tries to take key's probe lease, waiting at most ClaimWait. At
// most one claim per key runs at a time; others are refused at once.
func (f *Fleet) claim(key breaker.Key) bool {
	f.mu.Lock()
	if f.claiming[key] {
		f.mu.Unlock()
		return false
	}
	f.claiming[key] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.claiming, key)
		f.mu.Unlock()
	}()
	won := make(chan bool, 1)
	if !f.enqueue(func(ctx context.Context) { won <- f.takeLease(ctx, key) }) {
		return false
	}
	timer := time.NewTimer(ClaimWait)
	defer timer.Stop()
	select {
	case ok := <-won:
		return ok
	case <-timer.C:
		return false
	}
}

// enqueue hands a bucket write to the writer without blocking; false when
// its queue is full or the Fleet has stopped.
func (f *Fleet) enqueue(job func(context.Context)) bool {
	select {
	case <-f.done:
		return false
	default:
	}
	select {
	case f.jobs <- job:
		return true
	default:
		f.log.Warn().Msg("fleetbreaker: write queue full; a breaker change stays local")
		return false
	}
}
