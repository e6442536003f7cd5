// Package scaleout proves that flowhook scales out on a NATS cluster
// without losing anything, and that its replicas share endpoint breakers.
//
// Run starts a 3-node NATS JetStream cluster (in-process servers on
// loopback ports), has flowhook create its streams with 3 replicas, starts
// flowhook replica processes (the built binary) each connected to a
// different cluster node, publishes load evenly over a window, and in the
// middle of it SIGKILLs one replica and shuts one NATS node down (both
// come back after a pause, as an orchestrator would restart them). Then it
// classifies every request event:
//
//	ok          exactly one stored outcome, matched (the receiver answers 200)
//	lost        no stored outcome
//	duplicate   more than one stored outcome
//	unexpected  an outcome with another route or reason, or for an id that
//	            was never published
//
// and reports each replica's share of the HTTP requests (every replica
// sends its own User-Agent), and how many events the receiver got more
// than once (allowed: delivery is at least once; the outcome is not).
//
// RunBreaker runs replica processes against one dead endpoint and counts
// the requests it gets, with the fleet-wide breaker on or off.
//
// The package's tests are the bounded versions CI runs; cmd/flowhook-scaleout
// is the full version with parameters.
package scaleout
