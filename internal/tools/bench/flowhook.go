package bench

import (
	"context"
	"io"
	"net/netip"
	"os"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/secret"
)

// SecretName is the secret the benchmark node's Authorization header
// refers to.
const SecretName = "bench_token"

// benchSecretEnv holds SecretName, as the benchmark account's secret, in
// the flowhook process's environment, where serve reads secrets from by
// default.
var benchSecretEnv = secret.AccountEnvVar("", benchAccount, SecretName)

// startFlowhook runs flowhook as `flowhook serve` runs it — its garbage
// collector settings, then internal/app.Start with serve's configuration
// for the child's serve flags (see RunChild) — against the benchmark's
// NATS server, with the admin server off and the SSRF guard letting
// loopback through.
func startFlowhook(ctx context.Context, s childSpec, ctl *control, serveConfig ServeConfig, stderr io.Writer) (hello, func(), error) {
	log := zerolog.New(stderr).Level(zerolog.WarnLevel).With().Timestamp().Logger()
	cfg, err := flowhookConfig(s, serveConfig)
	if err != nil {
		return hello{}, func() {}, err
	}
	app.TuneGC(os.LookupEnv) // as serve does
	runCtx, cancel := context.WithCancel(ctx)
	a, err := app.Start(runCtx, cfg, log)
	if err != nil {
		cancel()
		return hello{}, func() {}, err
	}
	ctl.setBreakers(func() int { return len(a.Breakers().Snapshot()) })
	return hello{}, func() {
		cancel()
		_ = a.Wait()
	}, nil
}

// flowhookConfig is serve's configuration for the spec's serve flags, or
// internal/app's defaults without serveConfig.
func flowhookConfig(s childSpec, serveConfig ServeConfig) (app.Config, error) {
	if serveConfig != nil {
		return serveConfig(s.ServeArgs)
	}
	return app.Config{
		NATS:     bus.ConnectOptions{URL: s.NATSURL, Name: "flowhook-bench"},
		Dispatch: dispatch.Config{Workers: s.Workers, PullBatch: s.PullBatch},
		Egress: egress.Config{
			AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
			UserAgent:  "flowhook/1",
		},
		NodeStatsDisabled: s.NoNodeStats,
	}, nil
}
