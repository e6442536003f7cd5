package fleetbreaker

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/bus/bustest"
)

// BenchmarkAllowHealthy measures the fleet's cost on the hot path: a call
// to a healthy origin through the Registry alone, and through the Fleet.
func BenchmarkAllowHealthy(b *testing.B) {
	srv := bustest.Server(b)
	nc, js := bustest.Connect(b, srv.ClientURL())
	reg := breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop())
	ctx, cancel := context.WithCancel(context.Background())
	f, err := New(ctx, Config{Replica: "bench", MemoryStorage: true}, Deps{Conn: nc, JetStream: js, Registry: reg, Log: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- f.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-ran })
	for name, allow := range map[string]func(breaker.Key) (func(breaker.Result), error){"registry": reg.Allow, "fleet": f.Allow} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				done, err := allow(origin)
				if err != nil {
					b.Fatal(err)
				}
				done(breaker.Success)
			}
		})
	}
}
