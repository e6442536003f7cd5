package breaker

import "time"

// Clock is the time a Registry judges open periods and count windows by,
// with the contract of clock.Clock: Now is safe for concurrent use.
type Clock interface {
	Now() time.Time
}

// Settings configures every breaker of a Registry. A zero field takes its
// default.
type Settings struct {
	// FailureThreshold is how many consecutive endpoint faults trip a
	// closed breaker; default 5.
	FailureThreshold uint32
	// OpenTimeout is how long a breaker stays open before a half-open
	// probe; default 30s.
	OpenTimeout time.Duration
	// HalfOpenProbes is how many requests a half-open breaker admits; all
	// of them must succeed to close it. Default 1.
	HalfOpenProbes uint32
	// Interval is how often a closed breaker's counts reset, so that
	// faults spread thinner than FailureThreshold per Interval never trip
	// it; default 60s.
	Interval time.Duration
	// IdleEvict drops closed breakers with no call in flight that have not
	// been used for this long, which bounds memory when flows call many
	// endpoints; open and half-open breakers are never dropped. Idle
	// breakers are looked for every IdleEvict/4 (during Allow), so one goes
	// within 1.25 IdleEvict. An open breaker whose open period ended
	// IdleEvict ago without a probe goes too. Default 10m.
	IdleEvict time.Duration
	// MaxBreakers bounds how many breakers are kept (about 660 bytes
	// each); past it, closed breakers with no call in flight are dropped,
	// those without faults first, then the least recently used, until
	// 9/10 of it are left. Open and half-open breakers are never dropped.
	// Default 20,000.
	MaxBreakers int
}

// Defaults.
const (
	DefaultFailureThreshold = 5
	DefaultOpenTimeout      = 30 * time.Second
	DefaultHalfOpenProbes   = 1
	DefaultInterval         = 60 * time.Second
	DefaultIdleEvict        = 10 * time.Minute
	DefaultMaxBreakers      = 20000
)

// withDefaults fills zero (or negative) fields with their defaults.
func (s Settings) withDefaults() Settings {
	if s.FailureThreshold == 0 {
		s.FailureThreshold = DefaultFailureThreshold
	}
	if s.OpenTimeout <= 0 {
		s.OpenTimeout = DefaultOpenTimeout
	}
	if s.HalfOpenProbes == 0 {
		s.HalfOpenProbes = DefaultHalfOpenProbes
	}
	if s.Interval <= 0 {
		s.Interval = DefaultInterval
	}
	if s.IdleEvict <= 0 {
		s.IdleEvict = DefaultIdleEvict
	}
	if s.MaxBreakers <= 0 {
		s.MaxBreakers = DefaultMaxBreakers
	}
	return s
}
