package dispatch

import (
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Config tunes a Dispatcher. Zero values mean the documented defaults.
type Config struct {
	// Workers is the number of events handled at once; default 256.
	Workers int
	// PullBatch is how many workers must be idle before they are shared
	// out among the lanes with a backlog, in pull requests; default
	// Workers/8 (at least 1). A pull request asks for one message per
	// idle worker promised to it, never more, so a pulled message never
	// waits for a worker: larger batches mean fewer pull requests, smaller
	// ones keep fewer workers waiting for a batch to fill up under load.
	// Lanes without a backlog keep a request for one message each
	// regardless (see pull.go).
	PullBatch int
	// AckWait is the consumer's ack wait: long calls are marked in
	// progress every AckWait/3. Default 30s.
	AckWait time.Duration
	// MaxEventBytes caps a request event's size; larger inputs are
	// dead-lettered as event_too_large. Default 1 MiB.
	MaxEventBytes int
	// Validate are the validation options applied to every event.
	Validate flowevent.ValidateOptions
	// MaxTimeout caps any node's request timeout; default
	// flowevent.MaxTimeoutMS.
	MaxTimeout time.Duration
	// ShutdownGrace is how long in-flight work may finish after Run's
	// context ends; work still running then is handed back (Nak).
	// Default 20s.
	ShutdownGrace time.Duration
	// HoldSpread is the window over which events held while a breaker
	// was open wake up after its open period; default 5s.
	HoldSpread time.Duration
	// HoldProbeWait is how long a held event waits when the breaker is
	// half-open with its probe slots taken; default 1s.
	HoldProbeWait time.Duration
	// PoisonSweep is how often the request stream is swept for events
	// that exhausted MaxDeliver and whose advisory was missed; default 1m.
	PoisonSweep time.Duration
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = 256
	}
	if c.PullBatch <= 0 {
		c.PullBatch = max(1, c.Workers/8)
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxEventBytes <= 0 {
		c.MaxEventBytes = 1 << 20
	}
	if c.MaxTimeout <= 0 {
		c.MaxTimeout = flowevent.MaxTimeoutMS * time.Millisecond
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 20 * time.Second
	}
	if c.HoldSpread <= 0 {
		c.HoldSpread = 5 * time.Second
	}
	if c.HoldProbeWait <= 0 {
		c.HoldProbeWait = time.Second
	}
	if c.PoisonSweep <= 0 {
		c.PoisonSweep = time.Minute
	}
	return c
}

// Dispatcher consumes request events and publishes their outcomes. Create
// it with New; Run it once.
type Dispatcher struct {
	cfg      Config
	js       jetstream.JetStream
	lanes    []jetstream.Consumer
	outcomes jetstream.Stream
	attempt  *Attempter
	log      zerolog.Logger
	now      func() time.Time
	acks     chan pendingAck
	obs      Observer
	tracer   Tracer
	pending  PendingGauge // nil: the retries waiting on the bus are not counted
	faults   *faults      // inert but in the fault checker's build (fault.go)
	keeper   *keeper
	// decoder remembers node configurations: the events of one node
	// carry the same one.
	decoder *flowevent.RequestDecoder
}

// Deps are the parts a Dispatcher works with. JetStream, Lanes, Outcomes,
// Builder, Sender and Breakers are required.
type Deps struct {
	JetStream jetstream.JetStream
	// Lanes are the request stream's consumers, shared by every replica:
	// the lane of events stored before partitioning, then one per
	// partition (internal/bus.Topology.Ensure returns them in that order).
	Lanes []jetstream.Consumer
	// Outcomes is the outcome stream, read to recognise redeliveries whose
	// outcome is already stored.
	Outcomes jetstream.Stream
	Builder  Builder
	Sender   Sender
	Breakers Breakers
	// Tokens fetches OAuth 2.0 access tokens (through the same egress as
	// Sender); nil: nodes with auth kind oauth2 end in token_failed.
	Tokens Tokens
	// Limiter caps the requests per endpoint origin (the operator's
	// limits, shared by the accounts active at the origin) and per account
	// and origin (a node's own limits); nil sets no limit.
	Limiter Limiter
	// Accounts shares the workers among the accounts with work on this
	// replica (key "replica"): an account over its share waits briefly or
	// is parked on the bus, so that a slow account cannot hold every
	// worker. nil: no share.
	Accounts Limiter
	Log      zerolog.Logger
	// Observer is told what the dispatcher does (metrics, readiness);
	// nil observes nothing.
	Observer Observer
	// Pending is shown how many retries and holds wait on the bus,
	// fleet-wide (internal/metrics implements it); nil: they are not
	// counted.
	Pending PendingGauge
	// Tracer opens a span per event; nil opens none.
	Tracer Tracer
	// Now is the clock of outcomes, dead letters, delivery states, retry
	// and hold times, and the pauses of failing pulls; nil: time.Now.
	// Timers and tickers run on the runtime's clock.
	Now func() time.Time
}

// New returns a Dispatcher, or ErrMissingDependency. It does not start
// consuming.
func New(cfg Config, deps Deps) (*Dispatcher, error) {
	switch {
	case deps.JetStream == nil:
		return nil, missing("JetStream")
	case len(deps.Lanes) == 0:
		return nil, missing("Lanes")
	case deps.Outcomes == nil:
		return nil, missing("Outcomes")
	}
	cfg = cfg.withDefaults()
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	attempt, err := NewAttempter(AttemptConfig{Validate: cfg.Validate, MaxTimeout: cfg.MaxTimeout}, AttemptDeps{
		Builder: deps.Builder, Sender: deps.Sender, Breakers: deps.Breakers, Tokens: deps.Tokens,
		Limiter: deps.Limiter, Accounts: deps.Accounts, Now: now,
	})
	if err != nil {
		return nil, err
	}
	faults, err := loadFaults()
	if err != nil {
		return nil, err
	}
	return &Dispatcher{
		cfg:      cfg,
		js:       deps.JetStream,
		lanes:    deps.Lanes,
		outcomes: deps.Outcomes,
		attempt:  attempt,
		log:      deps.Log,
		now:      now,
		acks:     make(chan pendingAck, cfg.Workers*4),
		obs:      cmp.Or[Observer](deps.Observer, nopObserver{}),
		tracer:   cmp.Or[Tracer](deps.Tracer, nopTracer{}),
		pending:  deps.Pending,
		faults:   faults,
		keeper:   newKeeper(cfg.AckWait/3, now),
		decoder:  flowevent.NewRequestDecoder(0),
	}, nil
}

// Run consumes until ctx ends, then stops pulling, lets in-flight work
// finish within the shutdown grace (handing back what does not), waits for
// every outcome publish to be acknowledged and returns. It returns
// ErrConsumer when a lane cannot be pulled from at start, nil otherwise.
//
// Shutdown goes in stages, each waiting for the one before: the intake
// (pulling, poison capture, the pending count) stops with ctx; the workers
// finish what was handed to them (the work context ends only when the
// grace runs out); the acker settles every queued input; the keeper stops
// marking messages in progress last.
func (d *Dispatcher) Run(ctx context.Context) error {
	poison := d.watchPoison(ctx)
	jobs := make(chan job)
	pull, err := d.newPuller(ctx, jobs)
	if err != nil {
		if poison.sub != nil {
			_ = poison.sub.Unsubscribe()
		}
		if ctx.Err() != nil {
			return nil // stopped before it started: a clean stop
		}
		return err
	}
	// work is cancelled only when the grace period after ctx ends has run
	// out: in-flight calls are allowed to finish. keeping outlives it: the
	// inputs waiting for their PubAck stay in progress until settled.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	keeping, stopKeeping := context.WithCancel(context.WithoutCancel(ctx))
	var keeper sync.WaitGroup
	keeper.Go(func() { d.keeper.run(keeping) })
	defer func() { stopKeeping(); keeper.Wait() }()

	var acker, workers, intake sync.WaitGroup
	acker.Go(d.runAcker)
	for range d.cfg.Workers {
		workers.Go(func() { d.work(work, jobs, pull) })
	}
	intake.Go(func() { pull.run(ctx, work) })
	intake.Go(func() { d.capturePoison(ctx, poison) })
	if d.pending != nil {
		intake.Go(func() { d.countPending(ctx) })
	}

	d.obs.Consuming(true)
	<-ctx.Done()
	d.obs.Consuming(false)
	d.log.Info().Msg("dispatch: stopping: no new pulls, finishing in-flight work")
	grace := time.AfterFunc(d.cfg.ShutdownGrace, func() {
		d.log.Warn().Dur("grace", d.cfg.ShutdownGrace).Msg("dispatch: shutdown grace over: handing back in-flight work")
		cancelWork()
	})
	defer grace.Stop()
	intake.Wait()
	close(jobs)
	workers.Wait()
	close(d.acks)
	acker.Wait()
	select {
	case <-d.js.PublishAsyncComplete():
	case <-time.After(5 * time.Second):
		d.log.Warn().Msg("dispatch: outcome publishes still pending at exit: their inputs stay unacked and will be redelivered")
	}
	return nil
}

// work is one worker: it handles the jobs handed to it, and after each
// the probe's message that waited for a worker, if any, until jobs is
// closed.
func (d *Dispatcher) work(ctx context.Context, jobs <-chan job, pull *puller) {
	for j := range jobs {
		for more := true; more; {
			d.handle(ctx, j.msg)
			j, more = pull.done(j.lane)
		}
	}
}
