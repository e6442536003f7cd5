package flowevent

import "time"

// DeadLetter is the data of a dead-letter record: an input flowhook could
// not process, with the reason and the original bytes, kept on the
// dead-letter stream for inspection and replay.
//
// Original holds the input exactly as received (JSON encodes it as base64);
// it is as sensitive as the request stream itself. Every field flowhook
// derives (Reason, Detail) is free of personal data and secrets.
type DeadLetter struct {
	// Reason is machine-readable, e.g. invalid_event, invalid_config,
	// event_too_large, max_deliveries.
	Reason Reason `json:"reason"`
	// Detail explains Reason for people.
	Detail string `json:"detail,omitempty"`
	// Subject is the subject the input was published on.
	Subject string `json:"subject"`
	// Headers are the input's NATS headers.
	Headers map[string][]string `json:"headers,omitempty"`
	// Original is the input's payload, byte for byte, or its first bytes
	// when the whole would not fit a NATS message (OriginalTruncated).
	Original []byte `json:"original"`
	// OriginalTruncated reports that Original holds only the first bytes
	// of the input, which was OriginalBytes long: the record had to fit
	// the NATS server's max_payload. Such a record cannot be replayed.
	OriginalTruncated bool `json:"original_truncated,omitempty"`
	OriginalBytes     int  `json:"original_bytes,omitempty"`
	// StreamSeq and Deliveries locate the input on the request stream.
	StreamSeq  uint64 `json:"stream_seq,omitempty"`
	Deliveries uint64 `json:"deliveries,omitempty"`
	// The ids below are set when they could be read from the input.
	RequestID string `json:"request_id,omitempty"`
	Account   string `json:"account,omitempty"`
	FlowID    string `json:"flow_id,omitempty"`
	NodeID    string `json:"node_id,omitempty"`
	ProfileID string `json:"profile_id,omitempty"`
	// OutcomePublished reports whether an outcome was published for the
	// input as well (it is whenever the input names a profile at a node).
	OutcomePublished bool `json:"outcome_published"`
	// DeadLetteredAt is when the record was written.
	DeadLetteredAt time.Time `json:"dead_lettered_at"`
}

// ReasonEventTooLarge is the dead-letter reason of an input larger than the
// configured cap.
const ReasonEventTooLarge Reason = "event_too_large"
