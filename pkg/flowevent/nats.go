package flowevent

import (
	"errors"
	"fmt"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/nats-io/nats.go"
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

// MsgOption adjusts an event built by NewRequestMsg.
type MsgOption func(*msgOptions)

type msgOptions struct {
	time        time.Time
	traceParent string
	traceState  string
}

// WithTime sets the event's time attribute; the default is time.Now().
func WithTime(t time.Time) MsgOption { return func(o *msgOptions) { o.time = t } }

// WithTraceParent sets the W3C traceparent (distributed tracing extension);
// NewRequestMsg refuses a malformed one.
func WithTraceParent(traceparent string) MsgOption {
	return func(o *msgOptions) { o.traceParent = traceparent }
}

// WithTraceState sets the W3C tracestate; it needs WithTraceParent.
func WithTraceState(tracestate string) MsgOption {
	return func(o *msgOptions) { o.traceState = tracestate }
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

// decodeTyped decodes an event, checks its type and that it has data.
func decodeTyped(header nats.Header, payload []byte, wantType string) (Event, error) {
	ev, err := DecodeMsg(header, payload)
	if err != nil {
		return ev, err
	}
	if ev.Type != wantType {
		return ev, stageErr(StageType, ev.ID, ErrWrongType, "type %q, want %s", truncate(ev.Type, 128), wantType)
	}
	if len(ev.Data) == 0 {
		return ev, stageErr(StageData, ev.ID, ErrBadData, "no data")
	}
	return ev, nil
}

// decodeTypedMsg is decodeTyped for a message, refusing nil.
func decodeTypedMsg(msg *nats.Msg, wantType string) (Event, error) {
	if msg == nil {
		return Event{}, stageErr(StageEnvelope, "", ErrNotCloudEvent, "no message")
	}
	return decodeTyped(msg.Header, msg.Data, wantType)
}

// noControl reports whether s is valid UTF-8 free of control characters,
// so that it can travel in a NATS header or a log line.
func noControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return false
		}
	}
	return true
}

// errEncode builds an encoding error.
func errEncode(what string, args ...any) error {
	return errors.New("flowevent: encode: " + fmt.Sprintf(what, args...))
}
