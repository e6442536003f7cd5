// Package nodestats keeps "node stats" in the flow's own terms: for every
// (account, flow, node), how many profiles passed through, how many went
// down each route (yes / no / exit) and why, the retries, the request
// latency percentiles, the last error and when, and the error count per
// minute over the last hour, so that a sudden spike of errors on a node is
// easy to see; and whether the node's credentials are being rejected
// ("credentials rejected since <time>, N times": auth_failed outcomes, or
// token_failed refused by the token endpoint, with no accepted response
// since), so that an expired key is named rather than noticed weeks later.
//
// The stats are aggregated from the outcome stream into a JetStream
// key-value bucket, one key per node, and are read back by the admin HTTP
// API (Handler), the node stats page on the admin port (Page) and by
// `flowhook stats` (Reader).
//
// # Exactly once
//
// Each node's value records AppliedSeq, the outcome stream sequence of the
// last outcome counted into it. The Aggregator reads the outcome stream in
// stream order (an ordered consumer starting after a checkpoint kept in the
// bucket), groups a batch by node, skips every outcome whose sequence is
// not above the node's AppliedSeq, and writes the node's new value with
// optimistic concurrency (KV Update with the revision it read). Only then
// does the checkpoint advance. A crash anywhere re-reads outcomes from the
// last checkpoint, and the per-node sequence makes re-counting them a no-op;
// a second aggregator racing the first loses the revision check, re-reads
// and skips what the winner counted. Reading in stream order is what makes
// one sequence per node enough: a shared durable consumer would redeliver
// out of order after a crash, and a later outcome counted first would hide
// an earlier one.
//
// One replica aggregates at a time: the one holding a lease key in a
// second bucket whose entries expire (TTL), refreshed with the same
// revision check. The lease only saves work; correctness never depends on it.
package nodestats
