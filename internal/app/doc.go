// Package app wires flowhook's parts into the running service: the NATS
// connection (or the embedded server), the streams and consumer, secrets,
// the outbound HTTP client, the circuit breakers, the dispatcher and the
// admin HTTP endpoints. cmd/flowhook parses flags into a Config and calls
// Run.
package app
