package flowevent

import (
	"bytes"
	"encoding/json"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
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
	jsoncodec.Decoder
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
	d := dataDecoder{Decoder: jsoncodec.NewDecoder(data), nodes: nodes}
	ok = true
	nodeSeen := false
	type later struct {
		profile bool
		v       []byte
	}
	var deferred []later
	_ = jsoncodec.ForEachMember(data, func(key string, v []byte) error {
		switch requestField(key) {
		case "account":
			ok = d.SetString(&req.Account, v)
		case "flow_id":
			ok = d.SetString(&req.FlowID, v)
		case "node_id":
			ok = d.SetString(&req.NodeID, v)
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
			return jsoncodec.ErrNotObject // stops the walk
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
	return jsoncodec.MatchField(key, "account", "flow_id", "node_id", "node", "profile", "trigger")
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
	_ = jsoncodec.ForEachMember(v, func(key string, v []byte) error {
		switch jsoncodec.MatchField(key, "id", "attributes") {
		case "id":
			ok = d.SetString(&p.ID, v)
		case "attributes":
			ok = d.SetMap(&p.Attributes, v, d.profileRefs())
		}
		if !ok {
			return jsoncodec.ErrNotObject
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
	_ = jsoncodec.ForEachMember(v, func(key string, v []byte) error {
		switch jsoncodec.MatchField(key, "type", "data") {
		case "type":
			ok = d.SetString(&(*t).Type, v)
		case "data":
			ok = d.SetMap(&(*t).Data, v, d.eventRefs())
		}
		if !ok {
			return jsoncodec.ErrNotObject
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
