// Package dispatch is flowhook's main path: it pulls request events from
// the shared durable consumer, turns each into exactly one outcome event (or
// a dead-letter record) and acknowledges the input only after JetStream has
// acknowledged what was stored for it.
//
// One event's way through the dispatcher:
//
//	pull -> decode -> validate -> (OAuth 2.0 token) -> build request -> limits -> breaker -> send
//	     -> judge -> publish outcome (Nats-Msg-Id = outcome id) -> PubAck -> Ack
//
// The steps from validate to judge are one try, the Attempter's (attempt.go):
// it decides nothing about what follows and publishes nothing, so that
// tools (flowhook send) run a node down the same path. The Dispatcher
// around it pulls (pull.go), keeps long work in progress (keeper.go),
// plans retries and holds (retry.go, hold.go, schedule.go, throttle.go),
// publishes and acks (outcome.go), dead-letters (deadletter.go) and
// captures poison (poison.go).
//
// A node with auth kind oauth2 gets its access token (Tokens, per account,
// fetched once for concurrent workers) before the request is built; when
// the endpoint answers 401, one new token is fetched and the request sent
// once more within the same try (the outcome's attempts count both). A
// response that does not match and whose status rejects the credentials
// (401, 403, the node's auth_failed_statuses) ends as auth_failed; a
// token that cannot be had, as token_failed, retried by a retry policy
// only when the token endpoint's failure may pass.
//
// Pull requests ask for one message per idle worker and never more, so a
// pulled message starts at once and never waits in a client buffer while
// its ack wait runs; a long call (or a long wait for a PubAck) is kept in
// progress by one shared keeper. An endpoint at its limit (endpoint caps,
// node max_concurrency and rate_per_second) makes a worker wait only when
// room is expected within a bounded wait (a fast endpoint taking a burst);
// otherwise the event waits on the bus, like a retry, and the worker moves
// on: a slow endpoint holds at most its cap of workers.
//
// Input that cannot be decoded is dead-lettered and terminated; whenever it
// still names a profile at a node, an outcome is published for it too, so
// no profile is left waiting in its flow.
//
// Nodes may opt in to retries and to holding while their endpoint's
// breaker is open (flowevent.RetryPolicy, flowevent.HoldPolicy). A try that
// is not the last is not kept in memory: the event is scheduled again on
// the request stream (a JetStream message schedule under
// flowhook.schedule.>, which the consumer does not see), carrying its
// attempt count and first-try time in Flowhook-* headers, and the input is
// acked only after the schedule's PubAck. So a pending retry survives any
// replica, uses no MaxAckPending slot, and MaxDeliver stays a poison guard.
//
// Poison: an event delivered MaxDeliver times without finishing (it crashes
// or stalls every replica) is captured from JetStream's advisory, or by a
// periodic sweep when the advisory was missed: it gets a terminal outcome
// (reason max_deliveries) and a dead letter, then leaves the stream.
//
// Fault injection, with which the fault checker (internal/tools/faultcheck)
// kills a process at the windows these guarantees depend on, is compiled
// only with the build tag faultinject (fault.go); the default build has
// inert stand-ins (nofault.go) that compile to nothing.
package dispatch
