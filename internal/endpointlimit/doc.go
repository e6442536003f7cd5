// Package endpointlimit caps the requests a replica sends to each endpoint
// origin: how many may be in flight at once, and optionally how many may
// start per second. It protects slow or rate-limited receivers (a CRM with
// an API quota) from being flooded, and the other endpoints from a slow
// one: no origin can hold more workers than its cap.
//
// Acquire never blocks. When an origin is at its limit it says no, with a
// time to come back: the dispatcher then parks the event on the bus
// (a JetStream message schedule, like a retry) and the worker moves on to
// other work. Take, which the dispatcher uses, first waits a bounded time
// (Config.MaxWait) when the origin is expected to have room by then — a
// fast endpoint taking a burst at its cap — because a wait of a few
// milliseconds costs far less than a round trip through the bus. Refused requests reserve places in a per-origin virtual
// queue, so that the times handed out are spread at the pace the origin
// accepts (the cap over the average request duration, or the rate)
// instead of all pointing at the same instant.
//
// Limits are per replica: with N replicas an origin sees at most N times
// the cap and the rate.
package endpointlimit
