package flowevent

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/flowhook/flowhook/pkg/jsonwire"
)

// This file decodes a request event's data in one walk over the (already
// validated) JSON, building the profile's and the trigger's attribute maps
// directly: encoding/json scanned the data twice and went through
// reflection for every attribute, which made it the largest cost of
// handling an event. Every string it returns is a slice of one copy of the
// data, so that the text of an event is allocated once rather than per
// key and value. The node configuration, small and still growing, is left
// to encoding/json. The walk yields exactly what json.Decoder with
// UseNumber yields, or gives up (a value of the wrong type, whose error
// encoding/json words); FuzzDecodeRequestData holds the two together.

// dataDecoder decodes one request's data.
type dataDecoder struct {
	src   source
	nodes *nodeCache
	// refs, when set, limits the profile's attributes and the trigger's
	// data to the members the node references (RequestDecoder.
	// DecodeReferenced).
	refs *references
}

// decodeRequestFast decodes data, a valid JSON object, into a Request as
// json.Decoder with UseNumber would. With nodes, the node configuration
// comes from (and goes into) that cache. ok is false when the caller must
// decode with encoding/json instead: for its error, or for a node given
// twice with a cache (encoding/json merges the two into one value, which
// must not be a shared one). Invalid JSON, which callers never pass, also
// gives ok false.
//
// With referenced (and nodes), the profile and the trigger are decoded
// after the walk, once the node is known, keeping only the members its
// parameters reference.
func decodeRequestFast(data []byte, nodes *nodeCache, referenced bool) (req Request, ok bool) {
	defer func() {
		if recover() != nil { // out of bounds on invalid JSON
			req, ok = Request{}, false
		}
	}()
	d := dataDecoder{src: newSource(data), nodes: nodes}
	ok = true
	nodeSeen := false
	type later struct {
		profile bool
		v       []byte
	}
	var deferred []later
	_ = forEachMember(data, func(key string, v []byte) error {
		switch requestField(key) {
		case "account":
			ok = d.setString(&req.Account, v)
		case "flow_id":
			ok = d.setString(&req.FlowID, v)
		case "node_id":
			ok = d.setString(&req.NodeID, v)
		case "node":
			switch {
			case nodes == nil || v[0] != '{':
				ok = decodeNode(&req.Node, v)
			case nodeSeen:
				ok = false
			default:
				ok = nodes.decode(&req, v)
			}
			nodeSeen = true
		case "profile":
			if referenced && nodes != nil {
				deferred = append(deferred, later{true, v})
				return nil
			}
			ok = d.decodeProfile(&req.Profile, v)
		case "trigger":
			if referenced && nodes != nil {
				deferred = append(deferred, later{false, v})
				return nil
			}
			ok = d.decodeTrigger(&req.Trigger, v)
		}
		if !ok {
			return errNotObject // stops the walk
		}
		return nil
	})
	if !ok || len(deferred) == 0 {
		return req, ok
	}
	if e := req.shared; e != nil {
		d.refs = &e.refs
	}
	for _, l := range deferred {
		if l.profile {
			ok = d.decodeProfile(&req.Profile, l.v)
		} else {
			ok = d.decodeTrigger(&req.Trigger, l.v)
		}
		if !ok {
			break
		}
	}
	return req, ok
}

// requestField maps a member name to the Request field it sets, as
// encoding/json matches them: the exact name, else any name equal under
// Unicode case folding. "" means no field.
func requestField(key string) string {
	return matchField(key, "account", "flow_id", "node_id", "node", "profile", "trigger")
}

func matchField(key string, names ...string) string {
	for _, n := range names {
		if key == n {
			return n
		}
	}
	for _, n := range names {
		if strings.EqualFold(key, n) {
			return n
		}
	}
	return ""
}

// setString sets a string field: a JSON null leaves it as it is.
func (d *dataDecoder) setString(dst *string, v []byte) bool {
	switch v[0] {
	case 'n':
		return true
	case '"':
		*dst = d.str(v)
		return true
	}
	return false
}

// str unquotes a valid JSON string as encoding/json does (invalid UTF-8
// becomes U+FFFD), slicing the data's copy when it can.
func (d *dataDecoder) str(quoted []byte) string {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return d.src.str(inner)
	}
	var s string
	_ = json.Unmarshal(quoted, &s)
	return s
}

// decodeNode decodes the node configuration with encoding/json, numbers
// kept as json.Number, into n (merging, as encoding/json does when a
// member repeats).
func decodeNode(n *NodeConfig, v []byte) bool {
	switch v[0] {
	case 'n':
		return true
	case '{':
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		return dec.Decode(n) == nil
	}
	return false
}

func (d *dataDecoder) decodeProfile(p *Profile, v []byte) bool {
	switch v[0] {
	case 'n':
		return true
	case '{':
	default:
		return false
	}
	ok := true
	_ = forEachMember(v, func(key string, v []byte) error {
		switch matchField(key, "id", "attributes") {
		case "id":
			ok = d.setString(&p.ID, v)
		case "attributes":
			ok = d.setMapOf(&p.Attributes, v, d.profileRefs())
		}
		if !ok {
			return errNotObject
		}
		return nil
	})
	return ok
}

func (d *dataDecoder) decodeTrigger(t **Trigger, v []byte) bool {
	switch v[0] {
	case 'n':
		*t = nil
		return true
	case '{':
	default:
		return false
	}
	if *t == nil {
		*t = new(Trigger)
	}
	ok := true
	_ = forEachMember(v, func(key string, v []byte) error {
		switch matchField(key, "type", "data") {
		case "type":
			ok = d.setString(&(*t).Type, v)
		case "data":
			ok = d.setMapOf(&(*t).Data, v, d.eventRefs())
		}
		if !ok {
			return errNotObject
		}
		return nil
	})
	return ok
}

func (d *dataDecoder) profileRefs() map[string]struct{} {
	if d.refs == nil {
		return nil
	}
	return d.refs.profile
}

func (d *dataDecoder) eventRefs() map[string]struct{} {
	if d.refs == nil {
		return nil
	}
	return d.refs.event
}

// setMapOf decodes an object into *m, adding to the map already there (as
// encoding/json does); null sets it to nil. With only, members whose
// names are not in it are skipped.
func (d *dataDecoder) setMapOf(m *map[string]any, v []byte, only map[string]struct{}) bool {
	switch v[0] {
	case 'n':
		*m = nil
		return true
	case '{':
		if only != nil {
			if *m == nil {
				*m = make(map[string]any, len(only))
			}
			d.fillOnly(*m, v, only)
			return true
		}
		if *m == nil {
			*m = make(map[string]any, countMembers(v))
		}
		d.fillObject(*m, v, 0)
		return true
	}
	return false
}

// value decodes the valid JSON value at b[i] as encoding/json decodes
// into an interface with UseNumber, and returns the index past it.
func (d *dataDecoder) value(b []byte, i int) (any, int) {
	switch b[i] {
	case '{':
		obj := b[i:jsonwire.Nested(b, i)]
		m := make(map[string]any, countMembers(obj))
		d.fillObject(m, obj, 0)
		return m, i + len(obj)
	case '[':
		return d.array(b, i)
	case '"':
		end := jsonwire.String(b, i)
		return d.str(b[i:end]), end
	case 't':
		return true, i + 4
	case 'f':
		return false, i + 5
	case 'n':
		return nil, i + 4
	}
	end := i
	for end < len(b) && !jsonwire.Delimiter(b[end]) {
		end++
	}
	return json.Number(d.src.str(b[i:end])), end
}

// fillObject decodes the members of the object at b[i] into m (a repeated
// key's last value wins) and returns the index past the object.
func (d *dataDecoder) fillObject(m map[string]any, b []byte, i int) int {
	i = jsonwire.Space(b, i+1)
	if b[i] == '}' {
		return i + 1
	}
	for {
		end := jsonwire.String(b, i)
		key := d.str(b[i:end])
		i = jsonwire.Space(b, jsonwire.Space(b, end)+1) // past ':'
		var v any
		v, i = d.value(b, i)
		m[key] = v
		i = jsonwire.Space(b, i)
		if b[i] == '}' {
			return i + 1
		}
		i = jsonwire.Space(b, i+1) // past ','
	}
}

// fillOnly is fillObject for the members named in only; the values of
// the others are skipped, not decoded.
func (d *dataDecoder) fillOnly(m map[string]any, b []byte, only map[string]struct{}) {
	i := jsonwire.Space(b, 1)
	if b[i] == '}' {
		return
	}
	for {
		end := jsonwire.String(b, i)
		key := d.str(b[i:end])
		i = jsonwire.Space(b, jsonwire.Space(b, end)+1) // past ':'
		if _, ok := only[key]; ok {
			var v any
			v, i = d.value(b, i)
			m[key] = v
		} else {
			i = jsonwire.Value(b, i)
		}
		i = jsonwire.Space(b, i)
		if b[i] == '}' {
			return
		}
		i = jsonwire.Space(b, i+1) // past ','
	}
}

// array decodes the array at b[i] (never nil, as encoding/json).
func (d *dataDecoder) array(b []byte, i int) ([]any, int) {
	arr := make([]any, 0)
	i = jsonwire.Space(b, i+1)
	if b[i] == ']' {
		return arr, i + 1
	}
	for {
		var v any
		v, i = d.value(b, i)
		arr = append(arr, v)
		i = jsonwire.Space(b, i)
		if b[i] == ']' {
			return arr, i + 1
		}
		i = jsonwire.Space(b, i+1)
	}
}

// countMembers counts the members of the valid JSON object obj (its
// top-level commas), to size a map once.
func countMembers(obj []byte) int {
	n, depth := 0, 0
	for i := 0; i < len(obj); i++ {
		switch obj[i] {
		case '"':
			i = jsonwire.String(obj, i) - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 1 {
				n++
			}
		case ':':
			if depth == 1 && n == 0 {
				n = 1
			}
		}
	}
	return n
}
