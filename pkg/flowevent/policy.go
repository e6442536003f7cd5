package flowevent

import "time"

// RetryPolicy makes flowhook retry a failed request instead of taking the
// node's error action at once. It is opt-in per node (NodeConfig.Retry);
// without it a node keeps the baseline behaviour: one try.
//
// Only retryable failures are retried: a timeout, a connection error, an
// open circuit breaker, and the HTTP statuses 408, 425, 429 and 5xx other
// than 501 and 505. Any other response that does not match the node's
// check is final. A Retry-After header (seconds or an HTTP date) on a
// retryable response is honoured when it still falls inside the deadline.
//
// Retries wait on the bus, not in a process's memory, so a replica that
// stops loses none. Every field counts from the first try.
type RetryPolicy struct {
	// MaxAttempts is the number of tries, the first one included:
	// 2..MaxRetryAttempts.
	MaxAttempts int `json:"max_attempts"`
	// InitialDelayMS is the delay before the second try; 0 means
	// DefaultRetryInitialDelayMS; otherwise at least MinRetryDelayMS.
	InitialDelayMS int `json:"initial_delay_ms,omitempty"`
	// Multiplier grows the delay after every try; 0 means
	// DefaultRetryMultiplier; otherwise 1..MaxRetryMultiplier.
	Multiplier float64 `json:"multiplier,omitempty"`
	// MaxDelayMS caps one delay; 0 means DefaultRetryMaxDelayMS (or
	// InitialDelayMS when that is larger); otherwise at least
	// InitialDelayMS.
	MaxDelayMS int `json:"max_delay_ms,omitempty"`
	// Jitter is the fraction of each delay drawn at random, so that
	// retries of many profiles spread out: 0..1; 0 means
	// DefaultRetryJitter.
	Jitter float64 `json:"jitter,omitempty"`
	// DeadlineMS bounds the whole: no try starts later than DeadlineMS
	// after the first one; when it has passed, the node's error action
	// applies with the reason of the last failure. Required, at least
	// MinRetryDeadlineMS and at most the operator's maximum retry window
	// (ValidateOptions.MaxRetryWindow).
	DeadlineMS int `json:"deadline_ms"`
}

// HoldPolicy makes a request event wait while its endpoint's circuit
// breaker is open, instead of taking the node's error action at once. It is
// opt-in per node (NodeConfig.Hold). The event waits on the bus until about
// when the breaker lets a probe through; waiting does not use up the retry
// policy's attempts. Held events are released spread out over a few
// seconds, not all at once.
type HoldPolicy struct {
	// MaxWaitMS bounds the wait, counted from the first try; when it has
	// passed and the breaker is still open, the node's error action
	// applies with reason circuit_open. Required, at least
	// MinRetryDeadlineMS and at most ValidateOptions.MaxRetryWindow.
	MaxWaitMS int `json:"max_wait_ms"`
}

// Defaults and bounds of RetryPolicy and HoldPolicy.
const (
	MaxRetryAttempts           = 25
	MinRetryDelayMS            = 100
	DefaultRetryInitialDelayMS = 1_000
	DefaultRetryMaxDelayMS     = 60_000
	DefaultRetryMultiplier     = 2.0
	MaxRetryMultiplier         = 10.0
	DefaultRetryJitter         = 0.2
	MinRetryDeadlineMS         = 1_000
	// DefaultMaxRetryWindow is the longest retry deadline or hold a node
	// may ask for when ValidateOptions.MaxRetryWindow is zero. An operator
	// may allow more (flowhook serve --max-retry-window), at the price of
	// a longer outcome de-duplication window.
	DefaultMaxRetryWindow = 5 * time.Minute
)

// InitialDelay is the delay before the second try, defaults applied.
func (p RetryPolicy) InitialDelay() time.Duration {
	return ms(orDefault(p.InitialDelayMS, DefaultRetryInitialDelayMS))
}

// MaxDelay is the cap of one delay, defaults applied; never below
// InitialDelay.
func (p RetryPolicy) MaxDelay() time.Duration {
	return max(ms(orDefault(p.MaxDelayMS, DefaultRetryMaxDelayMS)), p.InitialDelay())
}

// Growth is the multiplier, default applied.
func (p RetryPolicy) Growth() float64 {
	if p.Multiplier <= 0 {
		return DefaultRetryMultiplier
	}
	return p.Multiplier
}

// JitterFraction is the jitter, default applied.
func (p RetryPolicy) JitterFraction() float64 {
	if p.Jitter <= 0 {
		return DefaultRetryJitter
	}
	return min(p.Jitter, 1)
}

// Deadline is DeadlineMS as a duration.
func (p RetryPolicy) Deadline() time.Duration { return ms(p.DeadlineMS) }

// MaxWait is MaxWaitMS as a duration.
func (h HoldPolicy) MaxWait() time.Duration { return ms(h.MaxWaitMS) }

// LongestWait is how long after its first try an event of this node may
// still be waiting on the bus: the longer of the retry deadline and the
// hold limit; 0 for a node with neither.
func (n NodeConfig) LongestWait() time.Duration {
	var d time.Duration
	if n.Retry != nil {
		d = n.Retry.Deadline()
	}
	if n.Hold != nil {
		d = max(d, n.Hold.MaxWait())
	}
	return d
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }
