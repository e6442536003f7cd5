// Package metrics exposes flowhook's Prometheus metrics: events consumed,
// outcomes by route and reason, request latency, in-flight work, retries
// pending, circuit breaker states and changes, dead letters, the NATS
// connection, consumer lag and the node-stats aggregator.
//
// Every collector is registered on a Registerer the caller injects; the
// package keeps no global state. Labels are bounded by construction: route,
// reason and state only, with values from flowhook's own vocabularies
// (anything else is reported as "other"). Accounts, flows, nodes and
// endpoints never become labels, however many exist: per-node detail lives
// in node stats (internal/nodestats), not here.
//
// Names lists every metric family, so that alert rules and dashboards can
// be checked against what is registered.
package metrics
