package breaker

import (
	"github.com/rs/zerolog"
	"github.com/sony/gobreaker/v2"
)

// announce logs e's recorded transitions and runs the hook, in order and
// outside e.mu and gobreaker's lock.
func (r *Registry) announce(e *entry) {
	r.notifyMu.Lock()
	defer r.notifyMu.Unlock()
	e.mu.Lock()
	changes := e.changes
	e.changes = nil
	e.hasPending.Store(false)
	e.mu.Unlock()
	for _, c := range changes {
		r.logChange(e.key, c)
		t := Transition{Key: e.key, From: c.from, To: c.to, External: c.forced}
		if c.to == gobreaker.StateOpen {
			t.OpenUntil = c.openUntil
		}
		for _, h := range r.hooks {
			h(t)
		}
	}
}

// logChange logs one transition: opening at warn, the rest at info.
func (r *Registry) logChange(key Key, c change) {
	var ev *zerolog.Event
	if c.to == gobreaker.StateOpen {
		ev = r.log.Warn().Time("open_until", c.openUntil).Bool("forced", c.forced)
	} else {
		ev = r.log.Info()
	}
	ev.Str("account", key.Account).Str("origin", key.Origin).Str("from", c.from.String()).Str("to", c.to.String()).Msg("circuit breaker state changed")
}
