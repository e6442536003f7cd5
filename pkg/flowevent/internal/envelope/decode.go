package envelope

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

// Decode decodes a CloudEvent carried by a NATS message, in structured
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
// On failure the returned Event holds the attributes read so far, its ID
// the event's id when it could be read; the error is a *DataError when the
// attributes are fine but the data is not. Its messages never quote
// attribute values other than specversion's. Event.Data shares payload's
// memory (except when decoded from data_base64): do not modify payload
// while using it.
func Decode(header nats.Header, payload []byte) (Event, error) {
	ct := headerValue(header, "Content-Type")
	if len(ct) >= len(structuredPrefix) && strings.EqualFold(ct[:len(structuredPrefix)], structuredPrefix) {
		return decodeStructured(ct, payload)
	}
	return decodeBinary(header, ct, payload)
}

// structuredPrefix starts the Content-Type of every structured-mode event.
const structuredPrefix = "application/cloudevents"

// decodeStructured decodes the JSON event format: one validation pass over
// the payload, then a walk over its top-level members. Event.Data shares
// payload's memory.
func decodeStructured(contentType string, payload []byte) (Event, error) {
	if !isStructuredJSON(contentType) {
		return Event{}, fmt.Errorf("unsupported event format (only %s)", contentTypeStructured)
	}
	if err := checkJSON(payload); err != nil {
		return Event{}, errors.New(jsoncodec.SafeError(err))
	}
	var m members
	walkErr := jsoncodec.ForEachMember(payload, m.set)
	if walkErr == nil {
		walkErr = m.err
	}
	var ev Event
	id, _, idErr := attrString(m.id)
	ev.ID = id
	if !isNull(m.data) {
		ev.Data = m.data
	}
	switch {
	case walkErr != nil:
		return ev, walkErr
	case idErr != nil:
		return ev, fmt.Errorf("id: %v", idErr)
	}
	if err := readStructuredAttributes(&ev, &m); err != nil {
		return ev, err
	}
	if err := validateAttributes(ev); err != nil {
		return ev, err
	}
	if err := readStructuredData(&ev, &m); err != nil {
		return ev, &DataError{Err: err}
	}
	return ev, nil
}

// checkJSON validates b like json.Unmarshal would, returning its error.
func checkJSON(b []byte) error {
	if jsoncodec.Valid(b) {
		return nil
	}
	var v struct{}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return jsoncodec.ErrNotObject
}

// isStructuredJSON reports whether contentType is the JSON event format.
func isStructuredJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), contentTypeStructured)
}

// members are the raw top-level members of a JSON event that flowhook
// reads; nil when absent.
type members struct {
	specversion, id, source, typ, subject, datacontenttype, dataschema, time,
	data, dataBase64, traceparent, tracestate []byte
	// err is the first problem found among the members; the walk goes on
	// so that the id is read in any case.
	err error
}

// set records one member. Keys are case-sensitive, as the format says; a
// key given twice is refused, and an extension must have a valid name and
// a scalar value. Problems are kept in m.err, never returned.
func (m *members) set(key string, value []byte) error {
	slot := m.slot(key)
	var err error
	switch {
	case slot == nil:
		err = checkExtension(key, value)
	case *slot != nil:
		err = errors.New("member given more than once")
	default:
		*slot = value
	}
	if m.err == nil {
		m.err = err
	}
	return nil
}

// slot returns where the member named key is kept, nil for an extension
// flowhook does not keep.
func (m *members) slot(key string) *[]byte {
	switch key {
	case "specversion":
		return &m.specversion
	case "id":
		return &m.id
	case "source":
		return &m.source
	case "type":
		return &m.typ
	case "subject":
		return &m.subject
	case "datacontenttype":
		return &m.datacontenttype
	case "dataschema":
		return &m.dataschema
	case "time":
		return &m.time
	case "data":
		return &m.data
	case "data_base64":
		return &m.dataBase64
	case "traceparent":
		return &m.traceparent
	case "tracestate":
		return &m.tracestate
	}
	return nil
}

// checkExtension checks an extension member: a lowercase alphanumeric name
// and a scalar value.
func checkExtension(name string, value []byte) error {
	if !validAttributeName(name) {
		return errors.New("extension attribute name is not lowercase alphanumeric")
	}
	if len(value) > 0 && (value[0] == '{' || value[0] == '[') {
		return fmt.Errorf("extension %s is not a scalar", name)
	}
	return nil
}

// readStructuredAttributes fills ev from the members of a JSON event. A
// null member counts as absent; an optional attribute that is present must
// not be empty. The trace context is kept only when well formed.
func readStructuredAttributes(ev *Event, m *members) error {
	attrs := []struct {
		name string
		raw  []byte
		dst  *string
	}{
		{"specversion", m.specversion, &ev.SpecVersion},
		{"source", m.source, &ev.Source},
		{"type", m.typ, &ev.Type},
		{"subject", m.subject, &ev.Subject},
		{"datacontenttype", m.datacontenttype, &ev.DataContentType},
		{"dataschema", m.dataschema, &ev.DataSchema},
	}
	for _, a := range attrs {
		s, present, err := attrString(a.raw)
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		if present && s == "" && a.name != "source" && a.name != "type" && a.name != "specversion" {
			return fmt.Errorf("%s is empty", a.name)
		}
		*a.dst = s
	}
	if err := readTime(ev, m.time); err != nil {
		return err
	}
	parent, _, _ := attrString(m.traceparent)
	state, _, _ := attrString(m.tracestate)
	ev.TraceParent, ev.TraceState = CleanTraceContext(parent, state)
	return nil
}

// readTime sets ev.Time from the time member, when present.
func readTime(ev *Event, raw []byte) error {
	ts, present, err := attrString(raw)
	if err != nil {
		return fmt.Errorf("time: %w", err)
	}
	if present {
		ev.Time, err = ParseTime(ts)
	}
	return err
}

// readStructuredData checks the data members: data (JSON) or data_base64
// (decoded, must then be JSON), never both, and a JSON datacontenttype.
func readStructuredData(ev *Event, m *members) error {
	b64, hasB64, err := attrString(m.dataBase64)
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
	if !jsoncodec.Valid(raw) {
		return errors.New("data_base64 does not hold JSON")
	}
	ev.Data = raw
	return nil
}

// attrString reads a JSON string member: absent or null gives ("", false).
func attrString(raw []byte) (s string, present bool, err error) {
	if isNull(raw) {
		return "", false, nil
	}
	if raw[0] != '"' {
		return "", true, errors.New("not a string")
	}
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		if k := jsoncodec.Known(inner); k != "" {
			return k, true, nil
		}
		return string(inner), true, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, errors.New("not a string")
	}
	return s, true, nil
}

// isNull reports whether a member is absent or JSON null.
func isNull(raw []byte) bool {
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
