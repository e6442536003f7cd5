package bench

import (
	"context"
	"io"
	"net/netip"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/app"
	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
)

// benchSecretEnv holds the secret the benchmark node's Authorization
// header refers to (secret name benchSecret), in the flowhook process's
// environment, where serve reads secrets from by default.
const (
	benchSecret    = "bench_token"
	benchSecretEnv = "FLOWHOOK_SECRET_BENCH_TOKEN"
)

// startFlowhook runs flowhook as `flowhook serve` would with its defaults
// (internal/app.Start), against the benchmark's NATS server, with the
// admin server off and the SSRF guard letting loopback through.
func startFlowhook(ctx context.Context, s childSpec, ctl *control, stderr io.Writer) (hello, func(), error) {
	log := zerolog.New(stderr).Level(zerolog.WarnLevel).With().Timestamp().Logger()
	cfg := app.Config{
		NATS:     bus.ConnectOptions{URL: s.NATSURL, Name: "flowhook-bench"},
		Dispatch: dispatch.Config{Workers: s.Workers, Prefetch: s.Prefetch},
		Egress: egress.Config{
			AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
			UserAgent:  "flowhook/1",
		},
	}
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
