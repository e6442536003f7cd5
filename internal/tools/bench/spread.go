package bench

import (
	"context"
	"fmt"
)

// Spread is flowhook's run over many distinct endpoints: every request
// event goes to the next endpoint in turn, so flowhook holds a breaker
// and a connection pool per endpoint, within its bounds.
type Spread struct {
	Endpoints int `json:"endpoints"`
	// How the receiver made its endpoints distinct origins.
	Note         string  `json:"note"`
	Events       int     `json:"events"`
	EventsPerSec float64 `json:"events_per_sec"`
	// FlowhookCPU is flowhook's own CPU per event during the drain.
	FlowhookCPU float64 `json:"flowhook_cpu_us_per_event"`
	// RSSPeakMB is flowhook's peak resident set over the drain and the
	// paced run; RSSEndMB at the end of the paced run (steady state).
	RSSPeakMB float64    `json:"rss_peak_mb"`
	RSSEndMB  float64    `json:"rss_end_mb"`
	Breakers  int        `json:"breakers"`
	Paced     LatencyRun `json:"paced"`
}

// spreadRate is the paced rate of the spread run: well below what
// flowhook drains when nearly every request opens a new connection, so
// that the run shows memory in a steady state rather than a queue.
func (d *driver) spreadRate() int {
	if d.opts.Quick {
		return 500
	}
	return 2000
}

// spread runs flowhook over Options.Endpoints distinct endpoints: a drain
// of three events per endpoint, then a paced run, sampling its memory.
func (d *driver) spread(ctx context.Context) (*Spread, error) {
	e := d.opts.Endpoints
	recv, err := d.spawn(ctx, "receiver-spread", childSpec{Role: roleReceiver, Endpoints: e})
	if err != nil {
		return nil, err
	}
	defer recv.stop()
	if len(recv.hello.Endpoints) != e {
		return nil, fmt.Errorf("bench: receiver serves %d endpoints, want %d", len(recv.hello.Endpoints), e)
	}
	if err := d.bus.reset(ctx, topologyFor(roleFlowhook, d.opts.ServeFlags)); err != nil {
		return nil, err
	}
	n := max(3*e, d.opts.Events/5)
	src := eventSource{prefix: "sp", endpoints: recv.hello.Endpoints}
	if err := d.bus.preload(ctx, src, n); err != nil {
		return nil, err
	}
	fh, err := d.spawn(ctx, roleFlowhook, d.spec(roleFlowhook), d.sutEnv(roleFlowhook)...)
	if err != nil {
		return nil, err
	}
	defer fh.stop()
	procs := append(d.base(), recv, fh)
	profile := d.opts.ProfileDir != ""
	if profile {
		if err := d.startProfiles(ctx, "spread-", []*proc{fh}); err != nil {
			return nil, err
		}
	}
	rss := sampleRSS(ctx, []*proc{fh})
	w, err := d.drain(ctx, n, procs, fh)
	if err != nil {
		rss.finish()
		return nil, err
	}
	lsrc := src
	lsrc.prefix = "spl"
	paced, err := d.paced(ctx, lsrc, d.spreadRate(), d.opts.RateDuration, outcomeToken(roleFlowhook))
	peak, last := rss.finish()
	if err != nil {
		return nil, err
	}
	if profile {
		if err := d.stopProfiles(ctx, "spread-", []*proc{fh}); err != nil {
			return nil, err
		}
	}
	st, err := fh.stats(ctx)
	if err != nil {
		return nil, err
	}
	var run Rep
	if err := d.verify(ctx, &run, n+paced.Events); err != nil {
		return nil, err
	}
	return &Spread{
		Endpoints: e, Note: recv.hello.Note, Events: w.events,
		EventsPerSec: float64(w.events) / w.seconds,
		FlowhookCPU:  w.cpuPerEvent()[roleFlowhook],
		RSSPeakMB:    peak[roleFlowhook], RSSEndMB: last[roleFlowhook],
		Breakers: st.Breakers, Paced: paced,
	}, nil
}
