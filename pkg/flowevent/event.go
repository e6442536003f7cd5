package flowevent

import (
	"encoding/json"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/nats-io/nats.go"
)

// CloudEvents attributes of the events in this contract.
const (
	// SpecVersion is the CloudEvents specification version used.
	SpecVersion = "1.0"
	// RequestType is the type of a request event (flow engine -> flowhook).
	RequestType = "io.flowhook.webhook.request.v1"
	// OutcomeType is the type of an outcome (routing) event (flowhook -> flow engine).
	OutcomeType = "io.flowhook.webhook.outcome.v1"
	// DeadLetterType is the type of a dead-letter record.
	DeadLetterType = "io.flowhook.webhook.deadletter.v1"
	// ContentTypeJSON is the datacontenttype of every event's data.
	ContentTypeJSON = "application/json"
	// ContentTypeStructured is the Content-Type of a structured-mode CloudEvent.
	ContentTypeStructured = "application/cloudevents+json"
	// OutcomeSource is the source attribute of outcome events and dead letters.
	OutcomeSource = "flowhook"
)

// NATS headers of the messages flowhook and flow engines publish.
const (
	// HeaderContentType is the Content-Type header: ContentTypeStructured on
	// every structured-mode event.
	HeaderContentType = "Content-Type"
	// HeaderMsgID is JetStream's de-duplication header (jetstream.WithMsgID).
	HeaderMsgID = nats.MsgIdHdr
	// HeaderRoute carries an outcome event's route (yes, no, exit) so that
	// subscribers can filter without decoding the data.
	HeaderRoute = "Flowhook-Route"
)

// Event is a decoded CloudEvent whose data is JSON. Only the attributes of
// this contract are kept: the core attributes and the distributed tracing
// extension; other extensions are checked and dropped.
//
// An empty string means an attribute is absent; a zero Time means no time.
// TraceParent and TraceState are only ever set to well-formed values (see
// ValidTraceParent): a decoder drops malformed ones.
type Event struct {
	SpecVersion     string
	ID              string
	Source          string
	Type            string
	Subject         string
	DataContentType string
	DataSchema      string
	Time            time.Time
	TraceParent     string
	TraceState      string
	// Data is the event's data as JSON text; nil when the event has none.
	// A decoder's Data shares the payload's memory (except when decoded
	// from data_base64): do not modify the payload while using it.
	Data json.RawMessage
}

// W3C Trace Context (the CloudEvents distributed tracing extension) values
// are carried from a request event to its outcome event and to the
// outbound HTTP request, so they are checked strictly: a traceparent that
// is not well formed is dropped together with its tracestate, as the W3C
// recommendation prescribes, and can never smuggle a line break into a
// header.

// ValidTraceParent reports whether s is a well-formed W3C traceparent:
// version-traceid-parentid-flags in lowercase hex, trace and parent ids not
// all zero, version not ff; versions above 00 may append fields.
func ValidTraceParent(s string) bool { return envelope.ValidTraceParent(s) }

// ValidTraceState reports whether s can be carried as a tracestate header:
// at most 512 printable ASCII characters.
func ValidTraceState(s string) bool { return envelope.ValidTraceState(s) }

// decodeMsg decodes the CloudEvent of a NATS message as the package
// documentation describes (see envelope.Decode). On failure the error is a
// *DecodeError and the returned Event holds the attributes read so far.
func decodeMsg(header nats.Header, payload []byte) (Event, error) {
	e, err := envelope.Decode(header, payload)
	ev := Event(e)
	if err != nil {
		return ev, envelopeError(ev.ID, err)
	}
	return ev, nil
}

// decodeTyped decodes an event, checks its type and that it has data.
func decodeTyped(header nats.Header, payload []byte, wantType string) (Event, error) {
	ev, err := decodeMsg(header, payload)
	if err != nil {
		return ev, err
	}
	if ev.Type != wantType {
		return ev, stageErr(stageType, ev.ID, ErrWrongType, "type %q, want %s", truncate(ev.Type, 128), wantType)
	}
	if len(ev.Data) == 0 {
		return ev, stageErr(stageData, ev.ID, ErrBadData, "no data")
	}
	return ev, nil
}

// decodeTypedMsg is decodeTyped for a message, refusing nil.
func decodeTypedMsg(msg *nats.Msg, wantType string) (Event, error) {
	if msg == nil {
		return Event{}, stageErr(stageEnvelope, "", ErrNotCloudEvent, "no message")
	}
	return decodeTyped(msg.Header, msg.Data, wantType)
}

// structuredMsg builds a structured-mode message carrying one event.
func structuredMsg(subject string, s *envelope.Structured) (*nats.Msg, error) {
	payload, err := envelope.Marshal(s)
	if err != nil {
		return nil, err
	}
	return newStructuredMsg(subject, s.ID, payload), nil
}

// newStructuredMsg is a structured-mode message of an encoded event.
func newStructuredMsg(subject, id string, payload []byte) *nats.Msg {
	msg := nats.NewMsg(subject)
	msg.Header[HeaderContentType] = []string{ContentTypeStructured}
	msg.Header[HeaderMsgID] = []string{id}
	msg.Data = payload
	return msg
}
