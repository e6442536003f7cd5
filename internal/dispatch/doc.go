// Package dispatch is flowhook's main path: it pulls request events from
// the shared durable consumer, turns each into exactly one outcome event (or
// a dead-letter record) and acknowledges the input only after JetStream has
// acknowledged what was stored for it.
//
// One event's way through the dispatcher:
//
//	pull -> decode -> validate -> build request -> breaker -> send -> judge
//	     -> publish outcome (Nats-Msg-Id = outcome id) -> PubAck -> Ack
//
// Input that cannot be decoded is dead-lettered and terminated; whenever it
// still names a profile at a node, an outcome is published for it too, so
// no profile is left waiting in its flow.
package dispatch
