package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// serviceFlags binds the service configuration's flags to cfg.
type serviceFlags struct {
	cfg                   app.Config
	allowCIDRs, denyCIDRs prefixList
	allowHosts            stringList
	allowPorts            intList
	logFormat, logLevel   string
	nodeStats             bool
	endpointConcurrency   int
	grants                grantList
}

func init() { register("serve", "run the dispatcher", runServe) }

func bindServiceFlags(fs *flag.FlagSet) *serviceFlags {
	f := &serviceFlags{}
	c := &f.cfg
	// NATS
	fs.Var(newJoinedList(&c.NATS.URL, "", ","), "nats-url", "NATS server URL(s); none starts an embedded NATS JetStream server"+listUsage)
	fs.StringVar(&c.NATS.CredsFile, "nats-creds", "", "NATS credentials file (JWT + NKey seed)")
	fs.StringVar(&c.NATS.NKeyFile, "nats-nkey", "", "NATS NKey seed file")
	fs.StringVar(&c.NATS.User, "nats-user", "", "NATS user name")
	fs.StringVar(&c.NATS.Password, "nats-password", "", "NATS password (prefer the FLOWHOOK_NATS_PASSWORD environment variable)")
	fs.StringVar(&c.NATS.Token, "nats-token", "", "NATS token (prefer the FLOWHOOK_NATS_TOKEN environment variable)")
	fs.StringVar(&c.NATS.TLSCA, "nats-tls-ca", "", "CA file to verify the NATS server")
	fs.StringVar(&c.NATS.TLSCert, "nats-tls-cert", "", "client certificate file for mutual TLS")
	fs.StringVar(&c.NATS.TLSKey, "nats-tls-key", "", "client key file for mutual TLS")
	fs.StringVar(&c.DataDir, "data-dir", ".flowhook", "embedded server: JetStream storage directory")
	fs.IntVar(&c.EmbeddedPort, "embedded-port", 4222, "embedded server: client port (-1 picks a free one)")
	fs.BoolVar(&c.EmbeddedSyncAlways, "embedded-sync-always", false, "embedded server: fsync every write (sync_interval: always)")
	// Topology
	fs.StringVar(&c.Topology.Consumer, "consumer", "flowhook", "durable consumer name shared by every replica (the partitions' consumers are <name>-p0, <name>-p1, ...)")
	fs.IntVar(&c.Topology.Partitions, "partitions", bus.DefaultPartitions, "partitions of the request stream, by a hash of the account, pulled from in turn so that one account's backlog delays only its own partition; fixed while the stream holds request events")
	fs.IntVar(&c.Topology.Replicas, "stream-replicas", 1, "stream replication factor (3 on a NATS cluster)")
	fs.DurationVar(&c.Topology.AckWait, "ack-wait", 30*time.Second, "consumer ack wait; long calls are marked in progress every ack-wait/3")
	fs.IntVar(&c.Topology.MaxDeliver, "max-deliver", 10, "deliveries of one message before it counts as poison")
	fs.IntVar(&c.Topology.MaxAckPending, "max-ack-pending", 8192, "unacknowledged messages across all replicas")
	fs.DurationVar(&c.Topology.DuplicateWindow, "dedup-window", 10*time.Minute, "outcome stream dedup window; must exceed ack-wait x max-deliver + max-retry-window")
	fs.DurationVar(&c.Topology.OutcomeMaxAge, "outcome-max-age", bus.DefaultOutcomeMaxAge, "how long outcome events are kept; NATS holds about 250 bytes of memory per outcome kept (at least --dedup-window)")
	fs.IntVar(&c.Replicas, "replicas", 1, "flowhook replicas sharing the consumer (checked against max-ack-pending)")
	// Dispatch
	fs.IntVar(&c.Dispatch.Workers, "workers", 256, "events handled at once per replica")
	fs.IntVar(&c.Dispatch.PullBatch, "pull-batch", 0, "idle workers that make a pull request; each request asks for one message per idle worker (0: workers/8)")
	fs.IntVar(&c.Dispatch.MaxEventBytes, "max-event-bytes", 1<<20, "request events larger than this are dead-lettered")
	fs.DurationVar(&c.Dispatch.MaxTimeout, "max-timeout", 120*time.Second, "cap on any node's request timeout")
	fs.DurationVar(&c.Dispatch.ShutdownGrace, "shutdown-grace", 20*time.Second, "time in-flight work may finish after SIGTERM")
	fs.BoolVar(&c.Dispatch.Validate.HTTPSOnly, "https-only", false, "refuse nodes whose URL is not https")
	// Retries, holds, poison
	fs.DurationVar(&c.Dispatch.Validate.MaxRetryWindow, "max-retry-window", flowevent.DefaultMaxRetryWindow, "longest retry deadline or hold a node may ask for; dedup-window must exceed ack-wait x max-deliver + this")
	fs.DurationVar(&c.Dispatch.HoldSpread, "hold-spread", 5*time.Second, "window over which events held by an open breaker are released when it may probe again")
	fs.DurationVar(&c.Dispatch.PoisonSweep, "poison-sweep", time.Minute, "how often the request stream is swept for events that exhausted max-deliver")
	// Egress
	fs.Var(&f.allowCIDRs, "allow-cidrs", "CIDRs the SSRF guard lets through although denied by default (e.g. 10.20.0.0/16)"+listUsage)
	fs.Var(&f.denyCIDRs, "deny-cidrs", "CIDRs denied on top of the built-in list"+listUsage)
	fs.Var(&f.allowHosts, "allow-hosts", "host names let through whatever they resolve to (exact, or *.suffix)"+listUsage)
	fs.Var(&f.allowPorts, "allow-ports", "destination ports allowed (empty: any)"+listUsage)
	fs.IntVar(&c.Egress.FollowRedirects, "follow-redirects", 0, "redirect hops followed (0: a 3xx is judged as the response)")
	fs.Int64Var(&c.Egress.MaxResponseBytes, "max-response-bytes", 64<<10, "response body bytes read (after decompression) and searched")
	fs.DurationVar(&c.Egress.ConnectTimeout, "connect-timeout", 5*time.Second, "TCP connect deadline")
	fs.DurationVar(&c.Egress.TLSHandshakeTimeout, "tls-timeout", 5*time.Second, "TLS handshake deadline")
	fs.DurationVar(&c.Egress.ResponseHeaderTimeout, "header-timeout", 10*time.Second, "deadline for response headers")
	fs.IntVar(&c.Egress.MaxIdleConnsPerHost, "max-idle-conns-per-host", 256, "idle keep-alive connections per endpoint")
	fs.StringVar(&c.Egress.UserAgent, "user-agent", egress.DefaultUserAgent, "User-Agent of outbound requests")
	// Breaker
	fs.Func("breaker-failures", "consecutive endpoint faults that open an endpoint's breaker (default 5)", func(s string) error {
		_, err := fmt.Sscan(s, &c.Breaker.FailureThreshold)
		return err
	})
	fs.DurationVar(&c.Breaker.OpenTimeout, "breaker-open", 30*time.Second, "how long an open breaker refuses requests before a probe")
	fs.Func("breaker-probes", "requests let through while half-open (default 1)", func(s string) error {
		_, err := fmt.Sscan(s, &c.Breaker.HalfOpenProbes)
		return err
	})
	fs.DurationVar(&c.Breaker.Interval, "breaker-interval", 60*time.Second, "period after which a closed breaker's counts reset")
	fs.BoolVar(&c.Fleet.Enabled, "fleet-breaker", true, "share breakers with the other replicas through NATS (faults, open periods, one probe per period)")
	fs.StringVar(&c.Fleet.Replica, "replica-id", "", "this replica's name in the fleet (default: host name and process id)")
	fs.DurationVar(&c.Fleet.ProbeLease, "fleet-probe-lease", 0, "how long one replica holds an open breaker's probe (0: --max-timeout + 10s)")
	// Endpoint limits
	fs.IntVar(&f.endpointConcurrency, "endpoint-max-concurrency", 0, "requests in flight per endpoint origin on this replica (0: half of --workers; -1: no cap), shared equally by the accounts calling it; a node's max_concurrency bounds its own account on top")
	fs.DurationVar(&c.EndpointWait, "endpoint-max-wait", 50*time.Millisecond, "how long a worker may wait for room at an endpoint at its limit when room is expected by then; longer waits park the event on the bus (0: always park)")
	fs.Float64Var(&c.EndpointLimits.RatePerSecond, "endpoint-rate", 0, "requests started per second per endpoint origin on this replica (0: no limit); shared by the accounts calling it")
	fs.IntVar(&c.AccountMinWorkers, "account-min-workers", 0, "the least number of workers an account keeps when many accounts have work: each may hold workers / (accounts with work), never fewer than this (0: workers/8; -1: no per-account share)")
	// Secrets
	fs.StringVar(&c.Secrets.Dir, "secrets-dir", "", "directory of secret files: <dir>/<account>/<name> for an account's secrets, <dir>/<name> for shared ones (as mounted Kubernetes secrets)")
	fs.StringVar(&c.Secrets.EnvPrefix, "secrets-env-prefix", "FLOWHOOK_SECRET_", "environment variable prefix of secrets (<prefix><ACCOUNT>__<NAME> for an account's, <prefix><NAME> for shared ones)")
	fs.Var(&f.grants, "grant-secret", "let an account use a shared secret: ACCOUNT:NAME (ACCOUNT * for every account)"+listUsage)
	// Operations
	fs.StringVar(&c.AdminAddr, "admin-addr", "127.0.0.1:8081", "admin HTTP address (/healthz, /readyz, /metrics, /v1/breakers, /v1/stats, the node stats page /stats/); empty disables")
	fs.BoolVar(&f.nodeStats, "node-stats", true, "aggregate node stats in this replica when it holds the lease (false: only serve them)")
	fs.StringVar(&c.Tracing.Endpoint, "otel-endpoint", "", "OTLP/HTTP traces URL (e.g. http://otel-collector:4318/v1/traces); empty: no spans")
	fs.Float64Var(&c.Tracing.SampleRatio, "otel-sample-ratio", 1, "share of new traces recorded; events with a sampled traceparent are always recorded")
	fs.StringVar(&f.logFormat, "log-format", "json", "log format: json or console")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return f
}

// config returns the parsed configuration.
func (f *serviceFlags) config() app.Config {
	c := f.cfg
	c.Egress.AllowCIDRs = f.allowCIDRs
	c.Egress.DenyCIDRs = f.denyCIDRs
	c.Egress.AllowHosts = f.allowHosts
	c.Egress.AllowPorts = f.allowPorts
	c.Secrets.Grants = f.grants
	c.NodeStatsDisabled = !f.nodeStats
	c.EndpointLimits.MaxConcurrency = endpointCap(f.endpointConcurrency, c.Dispatch.Workers)
	return c
}

func (f *serviceFlags) logger(w io.Writer) (zerolog.Logger, error) {
	return newLogger(w, f.logFormat, f.logLevel)
}

func newLogger(w io.Writer, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil {
		return zerolog.Nop(), fmt.Errorf("--log-level: %w", err)
	}
	switch format {
	case "json":
	case "console":
		// Colours only on a terminal: escape codes in a file or a pipe
		// are noise.
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: !isTerminal(w)}
	default:
		return zerolog.Nop(), fmt.Errorf("--log-format: want json or console, got %q", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) int {
	fs := newFlagSet("serve", "serve [flags]",
		"flowhook serve --nats-url nats://127.0.0.1:4222 --secrets-dir /var/run/secrets/flowhook", stderr)
	f := bindServiceFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook serve:", err)
		return exitUsage
	}
	log, err := f.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "flowhook serve:", err)
		return exitUsage
	}
	gcPercent, memoryLimit := app.TuneGC(os.LookupEnv)
	log.Info().Int("gc_percent", gcPercent).Int64("memory_limit", memoryLimit).Msg("garbage collector (GOGC, GOMEMLIMIT)")
	cfg := f.config()
	a, err := app.Start(ctx, cfg, log)
	if err != nil {
		log.Error().Err(startHint(err, cfg)).Msg("flowhook could not start")
		return exitFailure
	}
	if err := a.Wait(); err != nil {
		log.Error().Err(err).Msg("flowhook stopped with an error")
		return exitFailure
	}
	log.Info().Msg("flowhook stopped")
	return exitOK
}

// startHint adds to a start-up error the flags that fix it.
func startHint(err error, cfg app.Config) error {
	if errors.Is(err, bus.ErrPortInUse) && cfg.NATS.URL == "" {
		return fmt.Errorf("%w: start the embedded server on another port with --embedded-port (-1 picks a free one), "+
			"or use the server already listening there with --nats-url nats://127.0.0.1:%d", err, cfg.EmbeddedPort)
	}
	return err
}

// endpointCap is the per-origin cap of --endpoint-max-concurrency: 0
// means half of the workers, so that no endpoint can hold every worker;
// a negative value means no cap.
func endpointCap(flagValue, workers int) int {
	switch {
	case flagValue < 0:
		return 0
	case flagValue == 0:
		return max(1, workers/2)
	}
	return flagValue
}
