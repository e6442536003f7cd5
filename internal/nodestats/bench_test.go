package nodestats

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/bus/bustest"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// BenchmarkAggregate measures how fast stored outcomes are counted, for a
// few busy nodes and for many quiet ones (one KV write per node per batch).
func BenchmarkAggregate(b *testing.B) {
	for _, nodes := range []int{10, 1000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			srv := bustest.Server(b)
			_, js := bustest.Connect(b, srv.ClientURL())
			ctx := context.Background()
			if _, err := (bus.Topology{}).Ensure(ctx, js); err != nil {
				b.Fatal(err)
			}
			stats, lease, err := Ensure(ctx, js, Config{})
			if err != nil {
				b.Fatal(err)
			}
			const total = 20000
			var last uint64
			for i := range total {
				o := flowevent.Outcome{Account: "acme", FlowID: "f", NodeID: "n" + strconv.Itoa(i%nodes), Route: flowevent.RouteYes,
					Reason: flowevent.ReasonMatched, Success: true, Attempts: 1, DurationMS: 20, CompletedAt: time.Now()}
				m, _ := flowevent.NewOutcomeMsg(flowevent.Event{ID: "r" + strconv.Itoa(i)}, o)
				ack, err := js.PublishMsg(ctx, m)
				if err != nil {
					b.Fatal(err)
				}
				last = ack.Sequence
			}
			b.ResetTimer()
			for range b.N {
				_ = stats.Purge(ctx, checkpointKey)
				for i := range nodes {
					_ = stats.Purge(ctx, NodeKey("acme", "f", "n"+strconv.Itoa(i)))
				}
				start := time.Now()
				a := NewAggregator(Config{}, js, stats, lease, nil, zerolog.Nop())
				actx, cancel := context.WithCancel(ctx)
				go func() {
					_ = a.aggregate(actx)
				}()
				for {
					cp, _ := a.checkpoint(ctx)
					if cp >= last {
						break
					}
					time.Sleep(5 * time.Millisecond) // polling the checkpoint; a fixed cadence keeps the measure comparable
				}
				cancel()
				b.ReportMetric(float64(total)/time.Since(start).Seconds(), "outcomes/s")
			}
		})
	}
}
