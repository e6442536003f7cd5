package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/clock"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/fleetbreaker"
	"github.com/flowhook/flowhook/internal/oauth"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/internal/secret"
)

// App is a running flowhook service. Create it with Start; it runs until
// the context given to Start ends, then Wait returns.
type App struct {
	cfg      Config
	log      zerolog.Logger
	embedded *bus.Embedded
	nc       *nats.Conn
	breakers *breaker.Registry
	fleet    *fleetbreaker.Fleet // nil unless Config.Fleet.Enabled
	admin    *http.Server
	adminLn  net.Listener
	ready    atomic.Bool
	done     chan error
	ops      operations
}

// Start connects to NATS (starting the embedded server when no URL is
// configured), ensures the streams and the consumer, checks the topology's
// invariants and starts the dispatcher. The service stops when ctx ends;
// call Wait for the result.
func Start(ctx context.Context, cfg Config, log zerolog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, done: make(chan error, 1)}
	if err := a.start(ctx); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

func (a *App) start(ctx context.Context) error {
	cfg := a.cfg
	startTimeout := cfg.StartTimeout
	if startTimeout <= 0 {
		startTimeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()

	topo := cfg.Topology.WithDefaults()
	dcfg := cfg.Dispatch
	dcfg.AckWait = topo.AckWait
	// Retries and holds wait on the bus up to the retry window.
	eff := dcfg.WithDefaults()
	load := bus.Workload{Replicas: max(cfg.Replicas, 1), Workers: eff.Workers, LongestDelay: dcfg.Validate.RetryWindow()}
	if err := topo.Check(load); err != nil {
		return err
	}
	if cfg.NATS.URL == "" {
		emb, err := bus.StartEmbedded(bus.EmbeddedOptions{
			StoreDir:   filepath.Join(cfg.DataDir, "jetstream"),
			Port:       cfg.EmbeddedPort,
			SyncAlways: cfg.EmbeddedSyncAlways,
		})
		if err != nil {
			return err
		}
		a.embedded = emb
		cfg.NATS.URL = emb.ClientURL()
		a.log.Info().Str("url", cfg.NATS.URL).Str("data_dir", cfg.DataDir).Msg("embedded NATS JetStream server started")
	}
	if cfg.NATS.Name == "" {
		cfg.NATS.Name = "flowhook"
	}
	nc, err := bus.Connect(cfg.NATS, a.log)
	if err != nil {
		return err
	}
	a.nc = nc
	checkMaxPayload(a.log, nc.MaxPayload(), eff.MaxEventBytes)
	// A PubAck that never comes must not hold the in-order acker (and so
	// every later ack) forever: it times out and its input is handed back.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096), jetstream.WithPublishAsyncTimeout(10*time.Second))
	if err != nil {
		return fmt.Errorf("app: jetstream: %w", err)
	}
	lanes, err := topo.Ensure(sctx, js)
	if err != nil {
		return err
	}
	outcomes, err := js.Stream(sctx, topo.OutcomeStream)
	if err != nil {
		return fmt.Errorf("app: outcome stream: %w", err)
	}
	secrets, err := secret.New(cfg.Secrets, a.log)
	if err != nil {
		return err
	}
	client, err := egress.New(cfg.Egress)
	if err != nil {
		return err
	}
	a.breakers = breaker.NewRegistry(cfg.Breaker, clock.System{}, a.log)
	obs, tracer, err := a.setupOperations(sctx, js, topo)
	if err != nil {
		return err
	}
	breakers, err := a.newFleet(sctx, js, topo, dcfg)
	if err != nil {
		return err
	}
	d, err := dispatch.New(dcfg, dispatch.Deps{
		JetStream: js,
		Lanes:     lanes,
		Outcomes:  outcomes,
		Builder:   request.NewBuilder(secrets, cfg.Egress.UserAgent),
		Sender:    client,
		Breakers:  breakers,
		Tokens:    oauth.New(client, secrets, cfg.OAuth),
		Limiter:   a.limiter(),
		Accounts:  a.accountShare(eff.Workers),
		Log:       a.log,
		Observer:  obs,
		Pending:   a.ops.metrics,
		Tracer:    tracer,
	})
	if err != nil {
		return err
	}
	if err := a.startAdmin(); err != nil {
		return err
	}
	go func() { _ = secrets.Run(ctx) }()
	a.startOperations(ctx, lanes)
	a.runFleet(ctx)
	go func() {
		a.ready.Store(true)
		a.log.Info().Str("nats_url", nc.ConnectedUrlRedacted()).Str("admin_addr", a.adminURL()).
			Str("consumer", topo.Consumer).Int("partitions", topo.Partitions).Int("workers", dcfg.Workers).Msg("flowhook dispatching")
		err := d.Run(ctx)
		a.ready.Store(false)
		a.waitOperations(ctx)
		client.Close()
		a.close()
		a.done <- err
	}()
	return nil
}

// Wait blocks until the service has stopped and returns why.
func (a *App) Wait() error { return <-a.done }

// NATSURL is the URL of the NATS server the service uses.
func (a *App) NATSURL() string { return a.nc.ConnectedUrl() }

// AdminAddr is the admin listener's address, empty when disabled.
func (a *App) AdminAddr() string {
	if a.adminLn == nil {
		return ""
	}
	return a.adminLn.Addr().String()
}

// adminURL is the admin listener's base URL, or "(disabled)".
func (a *App) adminURL() string {
	if addr := a.AdminAddr(); addr != "" {
		return "http://" + addr
	}
	return "(disabled)"
}

// Breakers exposes the circuit breakers' registry (for status queries).
func (a *App) Breakers() *breaker.Registry { return a.breakers }

func (a *App) close() {
	if a.admin != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = a.admin.Shutdown(ctx)
		cancel()
	}
	if a.nc != nil {
		if err := a.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			a.log.Warn().Err(err).Msg("nats drain")
		}
		for i := 0; i < 100 && !a.nc.IsClosed(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if a.embedded != nil {
		a.embedded.Shutdown()
	}
}
