// Package breaker keeps one circuit breaker per account and endpoint
// origin (a Key: account, scheme://host:port), so that an endpoint that
// keeps failing stops receiving an account's requests for a while instead
// of tying up workers. Accounts never share a breaker: a large origin is
// called by many accounts, and one account's failing node (a wrong path,
// an expired key, a timeout it chose) must not refuse the others' calls.
// The Registry's memory is bounded (Settings.IdleEvict, MaxBreakers).
//
// Each key has a gobreaker v2 TwoStepCircuitBreaker. gobreaker reads the
// system clock itself, so the open period is kept here, driven by the
// injected Clock: gobreaker is given a 1ns timeout, and when it reports a
// transition to open, the Registry records open-until = now + OpenTimeout.
// Until then Allow refuses without asking gobreaker; afterwards gobreaker's
// own (long expired) timeout moves it to half-open and it admits
// HalfOpenProbes probes. A failed probe re-opens the breaker for another
// OpenTimeout; when every probe succeeds it closes. The closed-state count
// window (Interval) is driven by the same clock: when it ends, the origin
// gets a fresh gobreaker, which is how gobreaker itself clears its counts.
//
// What counts as a fault is the caller's decision (a transport error, a
// timeout, a 5xx or a 429 usually are; a 4xx or a response that does not
// match the node's check usually are not): it passes a Result to the done
// function Allow returns. Ignored results (a call cancelled by shutdown) do
// not count either way.
//
// State changes are logged (account and origin only: scheme, host and
// port are not personal data) and reported to the OnStateChange and OnTransition hooks,
// outside every lock and in the order they happened.
//
// A fleet of replicas shares its breakers through three calls made on
// another replica's behalf: ForceOpen (the fleet opened the origin),
// Close (the fleet's probe found it healthy) and Record (a result another
// replica observed for the same account and origin, so that the fleet
// trips after about one replica's threshold). internal/fleetbreaker makes
// them.
package breaker
