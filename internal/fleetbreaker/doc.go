// Package fleetbreaker shares the endpoint circuit breakers of every
// flowhook replica through NATS, so that N replicas protect a failing
// endpoint about as well as one: the fleet trips after about one
// replica's failure threshold, and probes a dead endpoint about once per
// open period instead of once per replica. Breakers are per account and
// origin (breaker.Key), in every replica and in the fleet's records alike:
// one account's failing calls never open another account's breaker for the
// same origin.
//
// Three mechanisms, none of them on the path of a healthy request:
//
//   - Results. While a breaker is closed, every endpoint fault a
//     replica sees is broadcast on a core NATS subject, and so is the first
//     success after faults (which ends the run of consecutive faults). Each
//     replica records the others' results in its own breaker
//     (breaker.Registry.Record), so every replica counts the fleet's run of
//     consecutive faults. Successes on a healthy endpoint cost nothing.
//   - Open state. When a replica's breaker opens on its own (not forced by
//     the fleet), the replica writes {state open, open_until, generation}
//     to a JetStream key-value bucket (one key per account and origin, a
//     hash of them, since origins hold characters keys may not) with a compare-and-set
//     on the key's revision. If another replica opened it first for this
//     period, it adopts that period instead. Every replica watches the
//     bucket and forces its own breaker open until open_until.
//   - Probe lease. When open_until has passed, a replica with a request
//     for the account and origin tries to take the probe lease of that period: a
//     compare-and-set writing itself as prober, valid for ProbeLease. Only
//     the lease holder lets a request through (its own breaker is
//     half-open and admits the configured probes); the others refuse as
//     if half-open. The probe's result is written back: success closes
//     the record (every replica closes its breaker, breaker.Registry.Close),
//     failure opens a new period. A lease whose holder died expires and
//     the next replica with traffic takes it.
//
// Nothing holds a lock around a request: the bucket is written a few times
// per open period, and a replica reads only its in-memory copy of it.
// Open periods are absolute times, so replicas' clocks should agree to
// well under a second (NTP). If NATS is unreachable, every replica falls
// back to its own breaker.
package fleetbreaker
