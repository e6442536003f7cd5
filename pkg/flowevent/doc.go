// Package flowevent is flowhook's public event contract: the CloudEvents a
// flow engine publishes when a profile reaches a Webhook node (request
// events), the routing events flowhook publishes back (outcome events), and
// the dead-letter records it keeps for input it could not process.
//
// A Go flow engine imports this package to build request events and to read
// outcome events; flowhook itself uses the same types, so the two sides
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
// NewRequestMsg, NewOutcomeMsg and NewDeadLetterMsg build the messages;
// DecodeMsg, DecodeRequest, DecodeOutcome and DecodeDeadLetter read them.
// Decoding errors are *DecodeError values wrapping ErrNotCloudEvent,
// ErrWrongType, ErrBadData or ErrInconsistent; DecodeRequest's error still
// carries the ids it could read, so that a profile is never left at a node
// without an outcome. A RequestDecoder decodes many events of few nodes
// cheaply: it keeps each node's decoded (and validated) configuration, and
// its DecodeReferenced builds only the profile attributes and trigger
// fields the node's parameters read. NodeConfig.Validate and Request.Validate report every
// problem of a configuration at once, without echoing values.
//
// Beyond the baseline a node may opt in to credentials (Auth: Basic or
// OAuth 2.0 client credentials; TLS: a client certificate, private CAs;
// AuthFailedStatuses) and to conditional parameters (Param.OmitEmpty,
// Param.When). Whatever its options, a response with status 401 or 403
// that does not match the node's check ends as ReasonAuthFailed.
package flowevent
