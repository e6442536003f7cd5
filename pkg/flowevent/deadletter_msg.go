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

// NewDeadLetterMsg builds a dead-letter record: structured mode, subject
// DeadLetterSubject(d.Account), source OutcomeSource, type DeadLetterType,
// subject attribute d.RequestID, time d.DeadLetteredAt (now when zero).
//
// Its id (and Nats-Msg-Id) is DeadLetterKey(d) when d names a stream
// position or a request, so that dead-lettering the same input twice is
// de-duplicated, and random otherwise. d.Reason must be set.
func NewDeadLetterMsg(d DeadLetter) (*nats.Msg, error) {
	if d.Reason == "" {
		return nil, errEncode("dead letter: reason missing")
	}
	if d.RequestID != "" && !noControl(d.RequestID) {
		return nil, errEncode("dead letter: request id must be printable text")
	}
	if d.DeadLetteredAt.IsZero() {
		d.DeadLetteredAt = time.Now()
	}
	id := DeadLetterKey(d)
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

// NewDeadLetterMsgWithin is NewDeadLetterMsg for a record that must fit in
// maxBytes (the NATS connection's max payload): when the whole record
// would not, Original is cut to the first bytes that fit, and
// OriginalTruncated and OriginalBytes say so, so that the record is
// stored rather than refused. maxBytes 0 sets no bound.
func NewDeadLetterMsgWithin(d DeadLetter, maxBytes int) (*nats.Msg, error) {
	msg, err := NewDeadLetterMsg(d)
	if err != nil || maxBytes <= 0 || msgSize(msg) <= maxBytes {
		return msg, err
	}
	// Original travels base64-encoded: every 3 bytes cut save 4.
	over := msgSize(msg) - maxBytes + deadLetterSlack
	keep := max(len(d.Original)-(over+3)/4*3, 0)
	d.OriginalBytes, d.OriginalTruncated = len(d.Original), true
	d.Original = d.Original[:keep]
	return NewDeadLetterMsg(d)
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

// DeadLetterKey derives a dead-letter record's id from the input it
// records: the first 32 hex digits of SHA-256 over its stream sequence and
// request id, or "" when d has neither.
func DeadLetterKey(d DeadLetter) string {
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
		return ev, DeadLetter{}, stageErr(StageData, ev.ID, ErrBadData, "%s", jsoncodec.SafeError(err))
	}
	if d.Reason == "" {
		return ev, d, stageErr(StageData, ev.ID, ErrBadData, "reason missing")
	}
	return ev, d, nil
}
