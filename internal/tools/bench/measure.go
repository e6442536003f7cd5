package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// window is what the processes of a run did between two moments.
type window struct {
	events  int
	seconds float64
	before  map[string]Stats
	after   map[string]Stats
}

// snapshot reads every process's Stats at once.
func snapshot(ctx context.Context, procs []*proc) (map[string]Stats, error) {
	out := make(map[string]Stats, len(procs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for _, p := range procs {
		wg.Go(func() {
			s, err := p.stats(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out[p.name] = s
		})
	}
	wg.Wait()
	return out, firstErr
}

// cpuPerEvent is each process's CPU time per event in core-µs.
func (w window) cpuPerEvent() map[string]float64 {
	out := make(map[string]float64, len(w.after))
	for name, a := range w.after {
		out[name] = float64(a.CPUMicros-w.before[name].CPUMicros) / float64(w.events)
	}
	return out
}

// allocs is the allocations and bytes per event of process name.
func (w window) allocs(name string) (perEvent, bytesPerEvent float64, gcs int) {
	a, b := w.after[name], w.before[name]
	n := float64(w.events)
	return float64(a.Mallocs-b.Mallocs) / n, float64(a.TotalAlloc-b.TotalAlloc) / n, int(a.NumGC - b.NumGC)
}

// rssSampler records the peak and the last resident set of processes,
// sampled every 100ms until stopped.
type rssSampler struct {
	mu   sync.Mutex
	peak map[string]int64
	last map[string]int64
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(ctx context.Context, procs []*proc) *rssSampler {
	s := &rssSampler{peak: map[string]int64{}, last: map[string]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample(ctx, procs)
			select {
			case <-s.stop:
				s.sample(ctx, procs)
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) sample(ctx context.Context, procs []*proc) {
	for _, p := range procs {
		kb := p.rss(ctx)
		s.mu.Lock()
		s.last[p.name] = kb
		s.peak[p.name] = max(s.peak[p.name], kb)
		s.mu.Unlock()
	}
}

// finish stops sampling and returns peak and last RSS in MiB.
func (s *rssSampler) finish() (peak, last map[string]float64) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	peak, last = map[string]float64{}, map[string]float64{}
	for k, v := range s.peak {
		peak[k] = float64(v) / 1024
	}
	for k, v := range s.last {
		last[k] = float64(v) / 1024
	}
	return peak, last
}

// drain times the system draining a backlog of n events: from the first
// outcome stored to the last input acknowledged (every outcome stored and
// the request stream empty). It fails when nothing progresses for 60s or
// the system exits.
func (d *driver) drain(ctx context.Context, n int, procs []*proc, sut *proc) (window, error) {
	var w window
	var t0 time.Time
	var c0 uint64
	lastProgress, lastCount := time.Now(), uint64(0)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return w, ctx.Err()
		case <-tick.C:
		}
		now := time.Now()
		req, out, err := d.bus.counts(ctx)
		if err != nil {
			return w, err
		}
		if t0.IsZero() && out > 0 {
			t0, c0 = now, out
			if w.before, err = snapshot(ctx, procs); err != nil {
				return w, err
			}
		}
		if out >= uint64(n) && req == 0 {
			w.events, w.seconds = n-int(c0), now.Sub(t0).Seconds()
			w.after, err = snapshot(ctx, procs)
			if w.events <= 0 {
				return w, fmt.Errorf("bench: %s drained %d events before the first look; raise --events", sut.name, n)
			}
			return w, err
		}
		if out+uint64(n)-req != lastCount {
			lastProgress, lastCount = now, out+uint64(n)-req
		}
		if now.Sub(lastProgress) > 60*time.Second || sut.exited() {
			return w, fmt.Errorf("bench: %s stalled at %d of %d outcomes, %d inputs unacked: %s", sut.name, out, n, req, sut.stderr.String())
		}
	}
}
