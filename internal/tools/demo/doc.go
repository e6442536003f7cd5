// Package demo runs flowhook end to end on one machine for a newcomer: an
// embedded NATS JetStream server, the dispatcher, three local receiving
// endpoints (one that accepts, one that answers with a status the node does
// not expect, one that is down so its breaker opens), a batch of sample
// profile events, and a readable summary with personal data masked.
package demo
