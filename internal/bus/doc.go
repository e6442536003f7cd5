// Package bus is flowhook's NATS JetStream plumbing: the embedded server
// used when no NATS URL is given, the client connection, and the streams
// and durable consumer flowhook works on, with the invariants their
// settings must keep.
package bus
