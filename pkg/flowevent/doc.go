// Package flowevent is flowhook's public event contract: the CloudEvents a
// flow engine publishes when a profile reaches a Webhook node (request
// events), the routing events flowhook publishes back (outcome events), and
// the dead-letter records it keeps for input it could not process.
//
// A Go flow engine imports this package to build request events, to read
// outcome events and dead letters, and to validate a node's configuration
// when it is saved; flowhook itself uses the same types, so the two sides
// cannot drift apart. The JSON Schemas and the AsyncAPI document in the
// repository's schemas/ folder describe the same contract for other
// languages.
//
// Events travel on NATS JetStream. Request events are accepted in structured
// mode (Content-Type application/cloudevents+json) and in binary mode (ce-*
// headers), as the CloudEvents NATS protocol binding describes; flowhook
// publishes in structured mode.
//
// Accounts are isolated from each other: every id derives from the account
// and the request event's id (RequestMsgID, the request's Nats-Msg-Id;
// OutcomeKey, the outcome's id and Nats-Msg-Id; IdempotencyKey, the key the
// receiver sees), so two accounts may use the same request id. A flow engine
// publishing request events without NewRequestMsg must set Nats-Msg-Id to
// RequestMsgID(account, id) itself.
//
// # Building and reading events
//
// NewRequestMsg, NewOutcomeMsg and NewDeadLetterMsg build the messages;
// DecodeRequest, DecodeOutcome and DecodeDeadLetter read them. A decoder
// reads the CloudEvent in structured mode when the Content-Type header
// starts with application/cloudevents (case-insensitively; only the JSON
// format is supported) and in binary mode otherwise (ce-* headers read
// case-insensitively and percent-decoded, the payload is the data). The
// required attributes (specversion 1.0, id, source, type) and the optional
// ones present are checked; the data must be JSON (datacontenttype absent
// or a JSON media type). Unknown extensions are checked and dropped; a
// malformed traceparent or tracestate is dropped.
//
// Decoding errors are *DecodeError values wrapping ErrNotCloudEvent,
// ErrWrongType, ErrBadData or ErrInconsistent; DecodeRequest's error still
// carries the ids it could read, so that a profile is never left at a node
// without an outcome. A RequestDecoder decodes many events of few nodes
// cheaply: it keeps each node's decoded (and validated) configuration, and
// its DecodeReferenced builds only the profile attributes and trigger
// fields the node's parameters read.
//
// # Validating a node
//
// NodeConfig.Validate and Request.Validate report every problem of a
// configuration at once, without echoing values; NodeConfig.Problems also
// lists the warnings of a valid one. Beyond the baseline a node may opt in
// to retries and holding (Retry, Hold), request bodies, captures and
// signing (Body, Capture, Signing), endpoint limits (MaxConcurrency,
// RatePerSecond), credentials (Auth: Basic or OAuth 2.0 client
// credentials; TLS: a client certificate, private CAs; AuthFailedStatuses)
// and conditional parameters (Param.OmitEmpty, Param.When). Whatever its
// options, a response with status 401 or 403 that does not match the
// node's check ends as ReasonAuthFailed.
//
// # Why the codec is hand-written
//
// The CloudEvents codec behind these functions (internal/envelope and
// internal/jsoncodec under this package) is written by hand rather than
// built on the CloudEvents SDK, github.com/cloudevents/sdk-go/v2, which the
// tests hold it to in both directions (sdk_test.go): flowhook decodes every
// request event and encodes every outcome, and the SDK's generic event
// costs several times as much. BenchmarkSDKDecodeRequest and
// BenchmarkSDKEncodeOutcome run both on the same events. On a shared
// 2-core machine, where absolute figures swing up to 3x between runs so
// that only ratios measured in one run mean anything (two runs of 8 and 10
// repetitions, ratios the medians of per-repetition ratios): decoding the
// benchmark's request event with the SDK (format.JSON.Unmarshal, Validate,
// DataAs) took 4.1-4.7x the time of the dispatcher's
// RequestDecoder.DecodeReferenced (about 20 µs), with 211 allocations
// against 41, and 1.5-1.9x the time of DecodeRequest, which decodes every
// node anew (95 allocations); encoding an outcome with the SDK (the same
// attributes, SetData, format.JSON.Marshal) took 3.8-4.9x the time of
// NewOutcomeMsg (about 6 µs), with 22 allocations against 14, although
// NewOutcomeMsg also builds the NATS message and its headers. Counted in
// instructions instead (valgrind, one thread, the garbage collector off,
// so that allocations weigh less) the three ratios are 3.7x, 1.7x and
// 3.6x.
package flowevent
