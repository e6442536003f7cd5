package dispatch_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/internal/tools/bench"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// benchSecrets resolves the one secret the benchmark node refers to.
type benchSecrets struct{}

func (benchSecrets) Secret(_, name string) (string, bool) {
	return "token-" + name, name == bench.SecretName
}

// BenchmarkAttempt is the dispatcher's per-event work between decoding and
// publishing, the Attempter — validate, build the request, ask the
// limits and the breaker, send it over
// a kept-alive loopback connection, read and judge the response — for a
// node with 6 parameters and 2 headers (one a secret): go test -bench
// Attempt -benchmem ./internal/dispatch/
func BenchmarkAttempt(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	defer srv.Close()
	client, err := egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	a, err := dispatch.NewAttempter(dispatch.AttemptConfig{}, dispatch.AttemptDeps{
		Builder:  request.NewBuilder(benchSecrets{}, "flowhook/1"),
		Sender:   client,
		Breakers: breaker.NewRegistry(breaker.Settings{}, nil, zerolog.Nop()),
	})
	if err != nil {
		b.Fatal(err)
	}
	msg, err := flowevent.NewRequestMsg("evt-1", bench.Request(1, srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	ev, req, err := flowevent.NewRequestDecoder(0).Decode(msg.Header, msg.Data)
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B) {
		if out, err := a.Attempt(context.Background(), ev, &req); err != nil || !out.Success {
			b.Fatalf("outcome %s: %s (%v)", out.Reason, out.Detail, err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			run(b)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				run(b)
			}
		})
	})
}

// BenchmarkDecode is the dispatcher's first step on flowhook bench's own
// event (a dozen profile attributes, a trigger with nested data, 6
// parameters): Decode builds every attribute; DecodeReferenced, which the
// dispatcher uses, only those the node's parameters read.
func BenchmarkDecode(b *testing.B) {
	msg, err := flowevent.NewRequestMsg("evt-1", bench.Request(1, "http://127.0.0.1:9"))
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name   string
		decode func(*flowevent.RequestDecoder) error
	}{
		{"Decode", func(d *flowevent.RequestDecoder) error { _, _, err := d.Decode(msg.Header, msg.Data); return err }},
		{"DecodeReferenced", func(d *flowevent.RequestDecoder) error {
			_, _, err := d.DecodeReferenced(msg.Header, msg.Data)
			return err
		}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			d := flowevent.NewRequestDecoder(0)
			b.ReportAllocs()
			for b.Loop() {
				if err := mode.decode(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
