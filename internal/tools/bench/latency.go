package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// LatencyRun is publish -> outcome latency at one paced rate, as the driver
// sees it: from its publish call to the outcome's arrival on its
// subscription.
type LatencyRun struct {
	// Rate is the paced rate asked for, AchievedRate what the driver
	// managed to publish.
	Rate         int     `json:"rate"`
	AchievedRate float64 `json:"achieved_rate"`
	Events       int     `json:"events"`
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
	P999MS       float64 `json:"p999_ms"`
	MaxMS        float64 `json:"max_ms"`
	// Missing counts events whose outcome never came; Unmatched outcomes
	// whose route was not yes (the receiver always answers 200).
	Missing   int `json:"missing"`
	Unmatched int `json:"unmatched"`
}

// outcomeToken is the last subject token of the outcome of request id: the
// outcome key for flowhook, the id itself for the naive pipelines.
func outcomeToken(role string) func(id string) string {
	if role == roleFlowhook {
		return func(id string) string { return flowevent.OutcomeKey(benchAccount, id) }
	}
	return func(id string) string { return id }
}

// paced publishes rate events per second for dur and measures each one's
// latency to its outcome.
func (d *driver) paced(ctx context.Context, src eventSource, rate int, dur time.Duration, token func(string) string) (LatencyRun, error) {
	run, _, err := d.pacedEach(ctx, src, rate, dur, func(seq int) string { return token(src.id(seq)) })
	return run, err
}

// pacedEach is paced that also returns each event's latency in
// nanoseconds, by sequence number (0: no outcome came); token(seq) is the
// last subject token of event seq's outcome.
func (d *driver) pacedEach(ctx context.Context, src eventSource, rate int, dur time.Duration, token func(seq int) string) (LatencyRun, []int64, error) {
	count := max(int(float64(rate)*dur.Seconds()), 1)
	msgs := make([]*nats.Msg, count)
	index := make(map[string]int, count)
	for i := range msgs {
		m, err := src.msg(i)
		if err != nil {
			return LatencyRun{}, nil, err
		}
		msgs[i], index[token(i)] = m, i
	}
	send, recv := make([]int64, count), make([]atomic.Int64, count)
	var got, unmatched atomic.Int64
	all := make(chan struct{})
	onOutcome := func(m *nats.Msg) {
		now := time.Now().UnixNano()
		i, ok := index[m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]]
		if !ok || !recv[i].CompareAndSwap(0, now) {
			return
		}
		if !bytes.Contains(m.Data, []byte(`"route":"yes"`)) {
			unmatched.Add(1)
		}
		if got.Add(1) == int64(count) {
			close(all)
		}
	}
	// Only the source's accounts' outcomes: during a fairness run another
	// account's backlog drains at thousands of outcomes a second, and
	// receiving those too would cost the shared machine what the run
	// measures.
	for _, subject := range src.outcomeSubjects() {
		sub, err := d.bus.nc.Subscribe(subject, onOutcome)
		if err != nil {
			return LatencyRun{}, nil, err
		}
		defer func() { _ = sub.Unsubscribe() }()
		_ = sub.SetPendingLimits(-1, -1)
	}
	if err := d.bus.nc.Flush(); err != nil {
		return LatencyRun{}, nil, err
	}
	d.bus.failed.Store(0)
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i, m := range msgs {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		send[i] = time.Now().UnixNano()
		if _, err := d.bus.js.PublishMsgAsync(m); err != nil {
			return LatencyRun{}, nil, fmt.Errorf("bench: paced publish: %w", err)
		}
	}
	elapsed := time.Since(start)
	select {
	case <-all:
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
		return LatencyRun{}, nil, ctx.Err()
	}
	if err := d.bus.waitPublished(ctx); err != nil {
		return LatencyRun{}, nil, err
	}
	each := make([]int64, count)
	lat := make([]int64, 0, count)
	for i := range recv {
		if r := recv[i].Load(); r != 0 {
			each[i] = r - send[i]
			lat = append(lat, each[i])
		}
	}
	run := summarizeLatency(lat)
	run.Rate, run.Events, run.Missing, run.Unmatched = rate, count, count-len(lat), int(unmatched.Load())
	run.AchievedRate = float64(count) / max(elapsed.Seconds(), 1e-9)
	return run, each, nil
}

// summarizeLatency fills the percentiles of latencies in nanoseconds.
func summarizeLatency(lat []int64) LatencyRun {
	slices.Sort(lat)
	ms := func(ns int64) float64 { return float64(ns) / 1e6 }
	return LatencyRun{
		P50MS:  ms(percentile(lat, 0.50)),
		P99MS:  ms(percentile(lat, 0.99)),
		P999MS: ms(percentile(lat, 0.999)),
		MaxMS:  ms(percentile(lat, 1)),
	}
}

// percentile is the nearest-rank q-quantile of sorted values, 0 for none.
func percentile(sorted []int64, q float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
