package flowevent

import "time"

// RetryWindow is the longest retry deadline or hold limit o allows:
// MaxRetryWindow, or DefaultMaxRetryWindow when that is zero.
func (o ValidateOptions) RetryWindow() time.Duration { return o.withDefaults().MaxRetryWindow }

// checkPolicies checks the opt-in retry and hold policies of a node.
func checkPolicies(p *problems, n NodeConfig, o ValidateOptions) {
	if n.Retry != nil {
		checkRetry(p, *n.Retry, o.MaxRetryWindow)
	}
	if n.Hold != nil {
		checkWindow(p, "hold.max_wait_ms", n.Hold.MaxWaitMS, o.MaxRetryWindow)
	}
}

// checkRetry checks a retry policy against the operator's window.
func checkRetry(p *problems, r RetryPolicy, window time.Duration) {
	if r.MaxAttempts < 2 || r.MaxAttempts > MaxRetryAttempts {
		p.errorf("retry.max_attempts", "must be between 2 and %d (tries, the first one included)", MaxRetryAttempts)
	}
	if r.InitialDelayMS != 0 && r.InitialDelayMS < MinRetryDelayMS {
		p.errorf("retry.initial_delay_ms", "must be 0 (the default, %d) or at least %d", DefaultRetryInitialDelayMS, MinRetryDelayMS)
	}
	if r.Multiplier != 0 && (r.Multiplier < 1 || r.Multiplier > MaxRetryMultiplier) {
		p.errorf("retry.multiplier", "must be 0 (the default, %g) or between 1 and %g", DefaultRetryMultiplier, MaxRetryMultiplier)
	}
	if r.MaxDelayMS != 0 && r.MaxDelayMS < max(r.InitialDelayMS, MinRetryDelayMS) {
		p.errorf("retry.max_delay_ms", "must be 0 (the default, %d) or at least initial_delay_ms", DefaultRetryMaxDelayMS)
	}
	if r.Jitter < 0 || r.Jitter > 1 {
		p.errorf("retry.jitter", "must be between 0 and 1 (0: the default, %g)", DefaultRetryJitter)
	}
	if checkWindow(p, "retry.deadline_ms", r.DeadlineMS, window) && r.Deadline() < r.InitialDelay() {
		p.warnf("retry.deadline_ms", "shorter than the first delay: no retry can happen")
	}
}

// checkWindow checks a deadline in milliseconds: required, at least
// MinRetryDeadlineMS, at most window. It reports whether it is valid.
func checkWindow(p *problems, path string, v int, window time.Duration) bool {
	switch {
	case v == 0:
		p.errorf(path, "required")
	case v < MinRetryDeadlineMS:
		p.errorf(path, "must be at least %d", MinRetryDeadlineMS)
	case ms(v) > window:
		p.errorf(path, "exceeds the maximum retry window of %s that flowhook allows (--max-retry-window)", window)
	default:
		return true
	}
	return false
}
