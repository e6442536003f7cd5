// Package endpointlimit caps the requests a replica sends to each endpoint
// origin: how many may be in flight at once, and optionally how many may
// start per second. It protects slow or rate-limited receivers (a CRM with
// an API quota) from being flooded, and the other endpoints from a slow
// one: no origin can hold more workers than its cap.
//
// # Two kinds of limits, and many accounts
//
// The operator's limits (Config.Default) are the origin's: they bound what
// every account together sends to it. Accounts active at an origin (with a
// request in flight or waiting, or refused within the last second) share
// its cap equally: each may hold at most ceil(cap / active accounts), and
// no fewer than Config.MinShare, so one account's backlog to a popular
// origin takes its share, not the whole cap, and another account's
// requests get a slot as soon as one frees. An account alone at an origin
// may use all of it.
//
// A node's own limits (max_concurrency, rate_per_second: an API quota) are
// its account's: they bound that account's requests to the origin, on top
// of the origin's limits, and never touch another account's.
//
// # Waiting and refusing
//
// Acquire never blocks. When a request may not go it says no, with a time
// to come back: the dispatcher then parks the event on the bus (a
// JetStream message schedule, like a retry) and the worker moves on to
// other work. Take, which the dispatcher uses, first waits a bounded time
// (Config.MaxWait) when the origin is expected to have room by then — a
// fast endpoint taking a burst at its cap — because a wait of a few
// milliseconds costs far less than a round trip through the bus; a slot
// freed while others wait goes to the first waiter whose account is within
// its share. Refused requests reserve places in a virtual queue of their
// own account at that origin, so that the times handed out are spread at
// the pace the origin accepts (the cap over the average request duration,
// or the rate) instead of all pointing at the same instant, and so that no
// account's refusals queue behind another's.
//
// Limits are per replica: with N replicas an origin sees at most N times
// the cap and the rate.
package endpointlimit
