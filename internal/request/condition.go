package request

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/flowhook/flowhook/internal/judge"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Inclusion says whether one parameter is sent for one request, and why.
type Inclusion struct {
	// Included reports whether the parameter is sent.
	Included bool
	// Why explains the decision of a conditional parameter (omit_empty,
	// when) for people; it names paths and the node's own condition
	// values, never a profile or event value. "" for a parameter without
	// condition, which is always sent.
	Why string
}

// Inclusions decides, for every parameter of req's node in order, whether
// it is sent, as Outbound does (flowhook render shows it).
func Inclusions(req *flowevent.Request) []Inclusion {
	out := make([]Inclusion, len(req.Node.Params))
	for i := range req.Node.Params {
		out[i] = decide(&req.Node.Params[i], req)
	}
	return out
}

// leftOut returns nil when every parameter of req's node is sent (always
// for a node without conditional parameters), else which are left out;
// all reports that none is sent.
func leftOut(req *flowevent.Request) (skip []bool, all bool) {
	params := req.Node.Params
	for i := range params {
		if !params[i].Conditional() || decide(&params[i], req).Included {
			continue
		}
		if skip == nil {
			skip = make([]bool, len(params))
		}
		skip[i] = true
	}
	if skip == nil {
		return nil, false
	}
	for _, s := range skip {
		if !s {
			return skip, false
		}
	}
	return skip, true
}

// decide applies a parameter's when, then its omit_empty.
func decide(p *flowevent.Param, req *flowevent.Request) Inclusion {
	if !p.Conditional() {
		return Inclusion{Included: true}
	}
	why := ""
	if c := p.When; c != nil {
		if !holds(c, req) {
			return Inclusion{Why: "left out: " + c.String() + " does not hold"}
		}
		why = "sent: " + c.String() + " holds"
	}
	if p.OmitEmpty && (p.From == flowevent.FromProfile || p.From == flowevent.FromEvent) {
		v, found := lookup(p.From, p.Path, req)
		if state := valueState(v, found); state != "" {
			return Inclusion{Why: "left out (omit_empty): " + string(p.From) + " " + strconv.Quote(p.Path) + " " + state}
		}
		if why == "" {
			why = "sent: " + string(p.From) + " " + strconv.Quote(p.Path) + " has a value"
		}
	}
	if why == "" {
		why = "sent"
	}
	return Inclusion{Included: true, Why: why}
}

// lookup finds a profile attribute or event field as parameters do.
func lookup(from flowevent.ParamSource, path string, req *flowevent.Request) (any, bool) {
	switch from {
	case flowevent.FromProfile:
		return lookupProfile(req.Profile.Attributes, path)
	case flowevent.FromEvent:
		if req.Trigger == nil {
			return nil, false
		}
		return lookupEvent(req.Trigger.Data, path)
	}
	return nil, false
}

// valueState is "" for a value, else why there is none: "is missing",
// "is null" or "is empty".
func valueState(v any, found bool) string {
	switch {
	case !found:
		return "is missing"
	case v == nil:
		return "is null"
	case v == "":
		return "is empty"
	}
	return ""
}

// holds evaluates a condition on req.
func holds(c *flowevent.Condition, req *flowevent.Request) bool {
	v, found := lookup(c.From, c.Path, req)
	has := valueState(v, found) == ""
	switch {
	case c.Exists != nil:
		return has == *c.Exists
	case !has:
		return false
	case c.Equals != nil:
		return equalsJSON(v, c.Equals)
	}
	for _, want := range c.OneOf {
		if equalsJSON(v, want) {
			return true
		}
	}
	return false
}

// equalsJSON compares a decoded profile or event value with a JSON string,
// number or boolean, as JSON values: a number equals a number of the same
// value (1.0 equals 1), never a string ("5" is not 5).
func equalsJSON(v any, raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case '"':
		s, ok := v.(string)
		if !ok {
			return false
		}
		if bytes.IndexByte(raw, '\\') < 0 {
			return len(raw) == len(s)+2 && string(raw[1:len(raw)-1]) == s
		}
		var want string
		return json.Unmarshal(raw, &want) == nil && want == s
	case 't', 'f':
		b, ok := v.(bool)
		return ok && b == (raw[0] == 't')
	}
	var scratch [32]byte
	var text []byte
	switch n := v.(type) {
	case json.Number:
		text = []byte(n)
	case float64, float32, int, int64, int32, uint, uint64, uint32:
		text, _ = appendText(scratch[:0], n)
	default:
		return false
	}
	return judge.EqualNumbers(string(text), string(raw))
}
