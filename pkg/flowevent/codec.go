package flowevent

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
)

// envelope is the JSON event format of a CloudEvent with JSON data.
// Encoding one is a single json.Marshal; Data is either a json.RawMessage
// or the data value itself (a *Outcome, a *Request, ...).
type envelope struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Source          string `json:"source"`
	Type            string `json:"type"`
	Subject         string `json:"subject,omitempty"`
	DataContentType string `json:"datacontenttype,omitempty"`
	DataSchema      string `json:"dataschema,omitempty"`
	Time            string `json:"time,omitempty"`
	TraceParent     string `json:"traceparent,omitempty"`
	TraceState      string `json:"tracestate,omitempty"`
	Data            any    `json:"data,omitempty"`
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
// attributes read so far. In binary mode Event.Data shares payload's memory.
func DecodeMsg(header nats.Header, payload []byte) (Event, error) {
	ct := headerValue(header, "Content-Type")
	if len(ct) >= len(structuredPrefix) && strings.EqualFold(ct[:len(structuredPrefix)], structuredPrefix) {
		return decodeStructured(ct, payload)
	}
	return decodeBinary(header, ct, payload)
}

// structuredPrefix starts the Content-Type of every structured-mode event.
const structuredPrefix = "application/cloudevents"

// decodeStructured decodes the JSON event format.
func decodeStructured(contentType string, payload []byte) (Event, error) {
	if !isStructuredJSON(contentType) {
		return Event{}, stageErr(StageEnvelope, "", ErrNotCloudEvent, "unsupported event format (only %s)", ContentTypeStructured)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(payload, &members); err != nil || members == nil {
		msg := "payload is not a JSON object"
		if err != nil {
			msg = safeJSONError(err)
		}
		return Event{}, stageErr(StageEnvelope, "", ErrNotCloudEvent, "%s", msg)
	}
	var ev Event
	id, _, idErr := attrString(members["id"])
	ev.ID = id
	if idErr != nil {
		return ev, stageErr(StageEnvelope, "", ErrNotCloudEvent, "id: %v", idErr)
	}
	if d := members["data"]; !isNull(d) {
		ev.Data = d
	}
	if err := readStructuredAttributes(&ev, members); err != nil {
		return ev, stageErr(StageEnvelope, ev.ID, ErrNotCloudEvent, "%v", err)
	}
	if err := validateAttributes(ev); err != nil {
		return ev, stageErr(StageEnvelope, ev.ID, ErrNotCloudEvent, "%v", err)
	}
	if err := readStructuredData(&ev, members); err != nil {
		return ev, stageErr(StageData, ev.ID, ErrBadData, "%v", err)
	}
	return ev, nil
}

// isStructuredJSON reports whether contentType is the JSON event format.
func isStructuredJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), ContentTypeStructured)
}

// stringAttrs are the string-valued attributes of the JSON event format,
// with where each goes in an Event.
var stringAttrs = []struct {
	name string
	dst  func(*Event) *string
}{
	{"specversion", func(e *Event) *string { return &e.SpecVersion }},
	{"source", func(e *Event) *string { return &e.Source }},
	{"type", func(e *Event) *string { return &e.Type }},
	{"subject", func(e *Event) *string { return &e.Subject }},
	{"datacontenttype", func(e *Event) *string { return &e.DataContentType }},
	{"dataschema", func(e *Event) *string { return &e.DataSchema }},
}

// readStructuredAttributes fills ev from the members of a JSON event and
// checks every extension member. A null member counts as absent; an
// optional attribute that is present must not be empty.
func readStructuredAttributes(ev *Event, members map[string]json.RawMessage) error {
	for _, a := range stringAttrs {
		s, present, err := attrString(members[a.name])
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		if present && s == "" {
			return fmt.Errorf("%s is empty", a.name)
		}
		*a.dst(ev) = s
	}
	ts, present, err := attrString(members["time"])
	if err != nil {
		return fmt.Errorf("time: %w", err)
	}
	if present {
		if ev.Time, err = parseTime(ts); err != nil {
			return err
		}
	}
	return readExtensions(ev, members)
}

// coreMembers are the members of a JSON event that are not extensions.
var coreMembers = map[string]bool{
	"specversion": true, "id": true, "source": true, "type": true, "subject": true,
	"datacontenttype": true, "dataschema": true, "time": true, "data": true, "data_base64": true,
}

// readExtensions checks the extension members (names of [a-z0-9], scalar
// values) and keeps the trace context.
func readExtensions(ev *Event, members map[string]json.RawMessage) error {
	for name, v := range members {
		if coreMembers[name] {
			continue
		}
		if !validAttributeName(name) {
			return errors.New("extension attribute name is not lowercase alphanumeric")
		}
		if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
			return fmt.Errorf("extension %s is not a scalar", name)
		}
	}
	parent, _, _ := attrString(members["traceparent"])
	state, _, _ := attrString(members["tracestate"])
	ev.TraceParent, ev.TraceState = cleanTraceContext(parent, state)
	return nil
}

// readStructuredData checks the data members: data (JSON) or data_base64
// (decoded, must then be JSON), never both, and a JSON datacontenttype.
func readStructuredData(ev *Event, members map[string]json.RawMessage) error {
	b64, hasB64, err := attrString(members["data_base64"])
	if err != nil {
		return fmt.Errorf("data_base64: %w", err)
	}
	if ev.DataContentType != "" && !isJSONMediaType(ev.DataContentType) {
		return errors.New("datacontenttype is not JSON")
	}
	if !hasB64 {
		return nil
	}
	if ev.Data != nil {
		return errors.New("both data and data_base64 present")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return errors.New("data_base64 is not base64")
	}
	if !json.Valid(raw) {
		return errors.New("data_base64 does not hold JSON")
	}
	ev.Data = raw
	return nil
}

// attrString reads a JSON string member: absent or null gives ("", false).
func attrString(raw json.RawMessage) (s string, present bool, err error) {
	if isNull(raw) {
		return "", false, nil
	}
	if raw[0] != '"' {
		return "", true, errors.New("not a string")
	}
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, errors.New("not a string")
	}
	return s, true, nil
}

// isNull reports whether a member is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// headerValue reads the first value of a NATS header case-insensitively
// (nats.Header.Get is case-sensitive).
func headerValue(h nats.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, key) {
			return v[0]
		}
	}
	return ""
}

// EncodeStructured renders ev in the JSON event format. An empty
// SpecVersion means SpecVersion; the attributes must be valid (see
// DecodeMsg), the trace context well formed, and Data, when set, valid JSON
// with a JSON datacontenttype (or none).
func EncodeStructured(ev Event) ([]byte, error) {
	if ev.SpecVersion == "" {
		ev.SpecVersion = SpecVersion
	}
	if err := checkEncodable(ev); err != nil {
		return nil, err
	}
	env := envelopeOf(ev)
	if len(ev.Data) > 0 {
		env.Data = ev.Data
	}
	return marshalEnvelope(env)
}

// checkEncodable checks what EncodeStructured requires of ev.
func checkEncodable(ev Event) error {
	if err := validateAttributes(ev); err != nil {
		return fmt.Errorf("flowevent: encode: %w", err)
	}
	if (ev.TraceParent != "" || ev.TraceState != "") && !ValidTraceParent(ev.TraceParent) {
		return errors.New("flowevent: encode: malformed traceparent")
	}
	if !ValidTraceState(ev.TraceState) {
		return errors.New("flowevent: encode: malformed tracestate")
	}
	if len(ev.Data) == 0 {
		return nil
	}
	if ev.DataContentType != "" && !isJSONMediaType(ev.DataContentType) {
		return errors.New("flowevent: encode: datacontenttype is not JSON")
	}
	if !json.Valid(ev.Data) {
		return errors.New("flowevent: encode: data is not valid JSON")
	}
	return nil
}

// envelopeOf copies ev's attributes into an envelope, without data.
func envelopeOf(ev Event) envelope {
	return envelope{
		SpecVersion: ev.SpecVersion, ID: ev.ID, Source: ev.Source, Type: ev.Type,
		Subject: ev.Subject, DataContentType: ev.DataContentType, DataSchema: ev.DataSchema,
		Time: formatTime(ev.Time), TraceParent: ev.TraceParent, TraceState: ev.TraceState,
	}
}

// marshalEnvelope is the one json.Marshal of an event; its errors never
// quote the data.
func marshalEnvelope(env envelope) ([]byte, error) {
	b, err := json.Marshal(env)
	if err != nil {
		return nil, errors.New("flowevent: encode: data cannot be rendered as JSON")
	}
	return b, nil
}
