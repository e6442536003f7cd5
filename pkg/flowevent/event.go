package flowevent

import (
	"encoding/json"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/nats-io/nats.go"
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
	Data json.RawMessage
}

// DecodeMsg decodes a CloudEvent carried by a NATS message, in structured
// mode when the Content-Type header starts with application/cloudevents
// (case-insensitively; only the JSON format is supported) and in binary
// mode otherwise (ce-* headers read case-insensitively and percent-decoded,
// the payload is the data).
//
// The required attributes (specversion 1.0, id, source, type) and the
// optional ones present are checked; the data, when present, must be JSON
// (datacontenttype absent or a JSON media type). Unknown extensions are
// checked and dropped; a malformed traceparent or tracestate is dropped.
//
// On failure the error is a *DecodeError and the returned Event holds the
// attributes read so far. Event.Data shares payload's memory (except when
// decoded from data_base64): do not modify payload while using it.
func DecodeMsg(header nats.Header, payload []byte) (Event, error) {
	e, err := envelope.Decode(header, payload)
	ev := Event(e)
	if err != nil {
		return ev, envelopeError(ev.ID, err)
	}
	return ev, nil
}
