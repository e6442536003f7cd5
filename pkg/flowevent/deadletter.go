package flowevent

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

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

// NewDeadLetterMsg builds a dead-letter record that fits in maxBytes (the
// NATS connection's max payload; 0 sets no bound): structured mode,
// subject DeadLetterSubject(d.Account), source OutcomeSource, type
// DeadLetterType, subject attribute d.RequestID, time d.DeadLetteredAt
// (now when zero). d.Reason must be set.
//
// When the whole record would not fit, Original is cut to the first bytes
// that fit, and OriginalTruncated and OriginalBytes say so, so that the
// record is stored rather than refused.
//
// Its id (and Nats-Msg-Id) derives from d's stream sequence and request id
// when d names either, so that dead-lettering the same input twice is
// de-duplicated, and is random otherwise.
func NewDeadLetterMsg(d DeadLetter, maxBytes int) (*nats.Msg, error) {
	msg, err := newDeadLetterMsg(d)
	if err != nil || maxBytes <= 0 || msgSize(msg) <= maxBytes {
		return msg, err
	}
	// Original travels base64-encoded: every 3 bytes cut save 4.
	over := msgSize(msg) - maxBytes + deadLetterSlack
	keep := max(len(d.Original)-(over+3)/4*3, 0)
	d.OriginalBytes, d.OriginalTruncated = len(d.Original), true
	d.Original = d.Original[:keep]
	return newDeadLetterMsg(d)
}

// newDeadLetterMsg is NewDeadLetterMsg without a bound.
func newDeadLetterMsg(d DeadLetter) (*nats.Msg, error) {
	if d.Reason == "" {
		return nil, errEncode("dead letter: reason missing")
	}
	if d.RequestID != "" && !noControl(d.RequestID) {
		return nil, errEncode("dead letter: request id must be printable text")
	}
	if d.DeadLetteredAt.IsZero() {
		d.DeadLetteredAt = time.Now()
	}
	id := deadLetterKey(d)
	if id == "" {
		id = randomID()
	}
	env := envelope.Structured{
		SpecVersion: SpecVersion, ID: id, Source: OutcomeSource, Type: DeadLetterType,
		Subject: d.RequestID, DataContentType: ContentTypeJSON,
		Time: envelope.FormatTime(d.DeadLetteredAt), Data: &d,
	}
	return structuredMsg(DeadLetterSubject(d.Account), &env)
}

// deadLetterSlack is room left in a cut record for the fields that say it
// was cut and for the protocol's own framing.
const deadLetterSlack = 1024

// msgSize is the size NATS counts for msg: payload and headers.
func msgSize(msg *nats.Msg) int {
	n := len(msg.Data)
	for k, vs := range msg.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n + 16
}

// deadLetterKey derives a dead-letter record's id from the input it
// records: the first 32 hex digits of SHA-256 over its stream sequence and
// request id, or "" when d has neither.
func deadLetterKey(d DeadLetter) string {
	if d.StreamSeq == 0 && d.RequestID == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("flowhook-deadletter:" + strconv.FormatUint(d.StreamSeq, 10) + ":" + d.RequestID))
	return hex.EncodeToString(sum[:16])
}

// randomID returns 32 random hex digits.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// DecodeDeadLetter decodes a dead-letter record: type DeadLetterType, data
// a DeadLetter with a reason.
func DecodeDeadLetter(msg *nats.Msg) (Event, DeadLetter, error) {
	ev, err := decodeTypedMsg(msg, DeadLetterType)
	if err != nil {
		return ev, DeadLetter{}, err
	}
	var d DeadLetter
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return ev, DeadLetter{}, stageErr(stageData, ev.ID, ErrBadData, "%s", jsoncodec.SafeError(err))
	}
	if d.Reason == "" {
		return ev, d, stageErr(stageData, ev.ID, ErrBadData, "reason missing")
	}
	return ev, d, nil
}
