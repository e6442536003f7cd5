// Package faultcheck is flowhook's fault-injection checker: the proof of
// its delivery guarantees. It runs real flowhook processes (the built
// binary, as separate OS processes) against an in-process NATS JetStream
// server and a real HTTP receiver, publishes request events with known
// ids, injects one fault per scenario, and then classifies every id:
//
//	ok          exactly one stored outcome, with the expected route and reason
//	lost        no stored outcome
//	duplicate   more than one stored outcome
//	unexpected  an outcome with another route or reason than the scenario
//	            expects, or for an id that was never published
//
// It also counts duplicate HTTP deliveries per id (allowed under
// at-least-once delivery) and checks that every request for an id carried
// that id's idempotency key, in Idempotency-Key and webhook-id alike.
//
// Scenarios: SIGKILL after the receiver answered but before the outcome was
// published, and after the publish but before the ack (the process kills
// itself at the window through FLOWHOOK_FAULT_POINT); a NATS server restart
// under load (file storage, same port and store); a flapping receiver, with
// retries and with hold-while-open; a receiver slower than half the ack
// wait; a poison event that kills every process that takes it until
// MaxDeliver; SIGTERM under load, then a restart.
//
// Only a build with fault injection reads FLOWHOOK_FAULT_POINT: Build
// compiles flowhook with -tags faultinject, and a scenario that injects a
// fault refuses a binary without it (FaultCode). The default build has
// none of that code.
//
// Run drives the scenarios; cmd/flowhook-check is the full version with
// parameters, and this package's test is the bounded version CI runs.
package faultcheck
