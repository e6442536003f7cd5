package flowevent

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// This file walks the top level of a JSON object without decoding it, so
// that the per-event envelope costs one validation pass and no allocation
// per member: values come back as sub-slices of the input.

// errNotObject reports input that is not a JSON object.
var errNotObject = errors.New("payload is not a JSON object")

// forEachMember calls fn with the key (unescaped) and the raw value of each
// top-level member of the JSON object b, in order, stopping at fn's first
// error. b must be valid JSON (json.Valid); otherwise the walk may end
// early with errNotObject, but never reads out of bounds.
func forEachMember(b []byte, fn func(key string, value []byte) error) error {
	i := jsonwire.Space(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errNotObject
	}
	i = jsonwire.Space(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) && b[i] == '"' {
		keyEnd := jsonwire.String(b, i)
		key, err := memberKey(b[i:keyEnd])
		if err != nil {
			return err
		}
		i = jsonwire.Space(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			return errNotObject
		}
		i = jsonwire.Space(b, i+1)
		end := jsonwire.Value(b, i)
		if err := fn(key, b[i:end]); err != nil {
			return err
		}
		i = jsonwire.Space(b, end)
		if i < len(b) && b[i] == '}' {
			return nil
		}
		if i >= len(b) || b[i] != ',' {
			return errNotObject
		}
		i = jsonwire.Space(b, i+1)
	}
	return errNotObject
}

// memberKey unescapes a quoted key; keys without escapes are converted
// directly.
func memberKey(quoted []byte) (string, error) {
	if len(quoted) < 2 {
		return "", errNotObject
	}
	inner := quoted[1 : len(quoted)-1]
	if k := knownName(inner); k != "" {
		return k, nil
	}
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return "", errNotObject
	}
	return s, nil
}

// source is a payload and one string copy of it: strings taken from the
// payload are slices of the copy, so that decoding allocates the text
// once rather than once per key and value.
type source struct {
	b []byte
	s string
}

func newSource(b []byte) source { return source{b: b, s: string(b)} }

// str returns sub, a slice of src.b, as the same bytes of src.s; a slice
// of anything else is copied.
func (src source) str(sub []byte) string {
	if len(sub) == 0 {
		return ""
	}
	off := cap(src.b) - cap(sub)
	if off < 0 || off+len(sub) > len(src.s) || &src.b[off] != &sub[0] {
		return string(sub)
	}
	return src.s[off : off+len(sub)]
}

// knownName returns, without allocating, the constant for a member name
// or attribute value the decoders of this package read on every event;
// "" for any other.
func knownName(b []byte) string {
	switch string(b) {
	case "specversion":
		return "specversion"
	case "id":
		return "id"
	case "source":
		return "source"
	case "type":
		return "type"
	case "subject":
		return "subject"
	case "datacontenttype":
		return "datacontenttype"
	case "dataschema":
		return "dataschema"
	case "time":
		return "time"
	case "data":
		return "data"
	case "data_base64":
		return "data_base64"
	case "traceparent":
		return "traceparent"
	case "tracestate":
		return "tracestate"
	case "account":
		return "account"
	case "flow_id":
		return "flow_id"
	case "node_id":
		return "node_id"
	case "node":
		return "node"
	case "profile":
		return "profile"
	case "trigger":
		return "trigger"
	case "attributes":
		return "attributes"
	case "request_id":
		return "request_id"
	case "profile_id":
		return "profile_id"
	case "route":
		return "route"
	case "success":
		return "success"
	case "reason":
		return "reason"
	case "detail":
		return "detail"
	case "status":
		return "status"
	case "duration_ms":
		return "duration_ms"
	case "attempts":
		return "attempts"
	case "endpoint":
		return "endpoint"
	case "completed_at":
		return "completed_at"
	case "captured":
		return "captured"
	case "capture_missing":
		return "capture_missing"
	case "scheme":
		return "scheme"
	case "host":
		return "host"
	case "port":
		return "port"
	case SpecVersion:
		return SpecVersion
	case RequestType:
		return RequestType
	case OutcomeType:
		return OutcomeType
	case DeadLetterType:
		return DeadLetterType
	case ContentTypeJSON:
		return ContentTypeJSON
	case OutcomeSource:
		return OutcomeSource
	}
	return ""
}
