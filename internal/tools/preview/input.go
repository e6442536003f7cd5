package preview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Kind says what a document is.
type Kind string

// Document kinds.
const (
	// KindEvent is a structured-mode request event (a CloudEvent with
	// specversion).
	KindEvent Kind = "request event"
	// KindRequest is a request event's data (it has a "node" member).
	KindRequest Kind = "request data"
	// KindNode is a node configuration.
	KindNode Kind = "node configuration"
)

// Sample is one request event to try: its envelope and its data.
type Sample struct {
	Event   flowevent.Event
	Request flowevent.Request
}

// Defaults names the request a node configuration is tried with, when the
// document does not say.
type Defaults struct {
	Account, FlowID, NodeID string
	Profile                 flowevent.Profile
	Trigger                 *flowevent.Trigger
}

// Default ids of a sample built from a node configuration.
const (
	DefaultAccount   = "demo"
	DefaultFlowID    = "try"
	DefaultNodeID    = "webhook"
	DefaultProfileID = "sample-profile"
)

// ParseSample reads a document — a structured request event, a request
// event's data, or a node configuration — into a Sample. A node
// configuration is completed with d (profile, trigger, ids); in request
// data the profile and trigger given in d replace the document's own when
// set. Unknown members are refused. The event id is left empty unless the
// document is an event. Errors name the member at fault, never its value.
func ParseSample(data []byte, d Defaults) (Sample, Kind, error) {
	kind, err := sniff(data)
	if err != nil {
		return Sample{}, "", err
	}
	var s Sample
	switch kind {
	case KindEvent:
		h := nats.Header{}
		h.Set(flowevent.HeaderContentType, flowevent.ContentTypeStructured)
		ev, req, err := flowevent.DecodeRequest(h, data)
		if err != nil {
			return Sample{}, kind, err
		}
		s = Sample{Event: ev, Request: req}
	case KindRequest:
		if err := strictDecode(data, &s.Request); err != nil {
			return Sample{}, kind, err
		}
	default:
		if err := strictDecode(data, &s.Request.Node); err != nil {
			return Sample{}, kind, err
		}
	}
	applyDefaults(&s.Request, d, kind)
	return s, kind, nil
}

// applyDefaults fills in the ids, profile and trigger a document left out.
func applyDefaults(r *flowevent.Request, d Defaults, kind Kind) {
	if kind == KindEvent {
		return
	}
	setIfEmpty(&r.Account, d.Account, DefaultAccount)
	setIfEmpty(&r.FlowID, d.FlowID, DefaultFlowID)
	setIfEmpty(&r.NodeID, d.NodeID, DefaultNodeID)
	if d.Profile.ID != "" || d.Profile.Attributes != nil {
		r.Profile = d.Profile
	}
	if r.Profile.ID == "" {
		r.Profile.ID = DefaultProfileID
	}
	if d.Trigger != nil {
		r.Trigger = d.Trigger
	}
}

func setIfEmpty(p *string, vals ...string) {
	for _, v := range vals {
		if *p != "" {
			return
		}
		*p = v
	}
}

// sniff tells the kind of a JSON object document.
func sniff(data []byte) (Kind, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return "", fmt.Errorf("preview: not a JSON object: %s", jsonError(err))
	}
	switch {
	case probe["specversion"] != nil:
		return KindEvent, nil
	case probe["node"] != nil:
		return KindRequest, nil
	}
	return KindNode, nil
}

// ParseProfile reads a sample profile: an object with "id" is a profile,
// {"id": ..., "attributes": {...}} (attributes optional), and may hold
// nothing else; an object without "id" is the profile's attributes alone
// (then the id is DefaultProfileID). An attribute named "id" therefore goes
// under "attributes". Numbers keep their literal text, as in request
// events.
func ParseProfile(data []byte) (flowevent.Profile, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return flowevent.Profile{}, fmt.Errorf("preview: profile: %w", err)
	}
	if _, hasID := obj["id"]; hasID && !onlyKeys(obj, "id", "attributes") {
		return flowevent.Profile{}, fmt.Errorf(`preview: profile: an object with "id" is a profile, {"id": ..., "attributes": {...}}: put %s under "attributes"`,
			strings.Join(otherKeys(obj, "id", "attributes"), ", "))
	}
	if _, hasID := obj["id"]; hasID || onlyKeys(obj, "attributes") && obj["attributes"] != nil {
		var p flowevent.Profile
		if err := strictDecode(data, &p); err != nil {
			return flowevent.Profile{}, fmt.Errorf("preview: profile: %w", err)
		}
		if p.ID == "" {
			p.ID = DefaultProfileID
		}
		return p, nil
	}
	return flowevent.Profile{ID: DefaultProfileID, Attributes: obj}, nil
}

// ParseTrigger reads a sample triggering event: {"type": ..., "data":
// {...}}, or a bare object of data (then the type is "sample").
func ParseTrigger(data []byte) (*flowevent.Trigger, error) {
	obj, err := decodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("preview: trigger: %w", err)
	}
	if onlyKeys(obj, "type", "data") && obj["type"] != nil {
		var t flowevent.Trigger
		if err := strictDecode(data, &t); err != nil {
			return nil, fmt.Errorf("preview: trigger: %w", err)
		}
		return &t, nil
	}
	return &flowevent.Trigger{Type: "sample", Data: obj}, nil
}

// decodeObject decodes a JSON object with numbers as json.Number.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, errors.New(jsonError(err))
	}
	if obj == nil {
		return nil, errors.New("not a JSON object")
	}
	if err := trailing(dec); err != nil {
		return nil, err
	}
	return obj, nil
}

// otherKeys returns obj's keys other than keys, sorted and quoted.
func otherKeys(obj map[string]any, keys ...string) []string {
	var out []string
	for k := range obj {
		if !slices.Contains(keys, k) {
			out = append(out, strconv.Quote(k))
		}
	}
	slices.Sort(out)
	return out
}

func onlyKeys(obj map[string]any, keys ...string) bool {
	for k := range obj {
		found := false
		for _, want := range keys {
			found = found || k == want
		}
		if !found {
			return false
		}
	}
	return true
}

// strictDecode decodes one JSON value into v, refusing unknown members and
// trailing data; numbers in maps become json.Number.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return errors.New(jsonError(err))
	}
	return trailing(dec)
}

func trailing(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// jsonKind names the JSON value a Go type is read from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// jsonError describes an encoding/json error by position and field,
// without quoting the input's values.
func jsonError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ")
		return fmt.Sprintf("field %q: JSON %s where %s expected", typ.Field, kind, jsonKind(typ.Type))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "incomplete JSON"
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + name
	}
	return "invalid JSON"
}
