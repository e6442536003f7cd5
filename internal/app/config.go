package app

import (
	"errors"
	"time"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/endpointlimit"
	"github.com/flowhook/flowhook/internal/nodestats"
	"github.com/flowhook/flowhook/internal/oauth"
	"github.com/flowhook/flowhook/internal/secret"
	"github.com/flowhook/flowhook/internal/tracing"
)

// Config is the whole service configuration. cmd/flowhook fills it from
// flags and FLOWHOOK_* environment variables; the README's configuration
// reference lists every field.
type Config struct {
	// NATS says how to reach NATS. An empty URL starts the embedded server.
	NATS bus.ConnectOptions
	// DataDir holds the embedded server's JetStream files.
	DataDir string
	// EmbeddedPort is the embedded server's client port (-1: any free port).
	EmbeddedPort int
	// EmbeddedSyncAlways makes the embedded server fsync every write.
	EmbeddedSyncAlways bool
	// Topology names and sizes the streams and the consumer.
	Topology bus.Topology
	// Replicas is how many flowhook processes will share the consumer; it is
	// used to check MaxAckPending at start-up.
	Replicas int
	Dispatch dispatch.Config
	Egress   egress.Config
	Breaker  breaker.Settings
	Secrets  secret.Config
	// OAuth tunes the OAuth 2.0 token cache of nodes with auth kind
	// oauth2; zero values take its defaults.
	OAuth oauth.Config
	// NodeStats places the node-stats buckets; zero values take the
	// topology's replicas and outcome stream.
	NodeStats nodestats.Config
	// NodeStatsDisabled keeps this replica from aggregating node stats (it
	// still serves them from the bucket).
	NodeStatsDisabled bool
	// Tracing exports a span per event when its Endpoint is set.
	Tracing tracing.Config
	// Fleet shares the endpoint breakers with the other replicas.
	Fleet FleetConfig
	// EndpointLimits are the per-origin defaults of the endpoint limits
	// (nodes may set their own); zero sets no limit.
	EndpointLimits endpointlimit.Limits
	// EndpointWait is how long a worker may wait for room at an origin at
	// its limit (or for its account's share of the workers) that is
	// expected by then, before the event is parked on the bus instead;
	// zero parks at once.
	EndpointWait time.Duration
	// AccountMinWorkers is the least number of workers an account keeps
	// when many accounts have work on this replica: each may hold workers
	// / (accounts with work), never fewer than this. 0: workers/8;
	// negative: no share (an account may hold every worker).
	AccountMinWorkers int
	// AdminAddr serves /healthz, /readyz, /metrics, /v1/breakers and
	// /v1/stats; empty disables.
	AdminAddr string
	// StartTimeout bounds connecting and creating streams at start-up.
	StartTimeout time.Duration
}

// Validate checks the configuration's own consistency (the topology's
// invariants are checked by Run against the server).
func (c Config) Validate() error {
	var errs []error
	if c.NATS.URL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("app: the embedded NATS server needs --data-dir"))
	}
	if c.Replicas < 0 {
		errs = append(errs, errors.New("app: --replicas must be >= 0"))
	}
	if c.EndpointLimits.MaxConcurrency < 0 || !(c.EndpointLimits.RatePerSecond >= 0) || c.EndpointWait < 0 {
		errs = append(errs, errors.New("app: endpoint limits must not be negative"))
	}
	return errors.Join(errs...)
}
