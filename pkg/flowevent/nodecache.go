package flowevent

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"
)

// defaultDecoderNodes is how many node configurations a RequestDecoder
// keeps by default.
const defaultDecoderNodes = 1024

// RequestDecoder decodes request events exactly as DecodeRequest does, and
// keeps the node configurations it decoded: every profile that reaches a
// node carries the same configuration, so a flow sending a million
// profiles through one node has its configuration decoded, and validated
// (see Request.Validate), once rather than a million times.
//
// The Node of the requests it returns is shared with every other request
// decoded from identical node configuration bytes: its slices, maps and
// pointers must not be modified. It is safe for concurrent use by multiple
// goroutines; memory is bounded by the number of configurations kept.
type RequestDecoder struct {
	nodes nodeCache
}

// NewRequestDecoder returns a RequestDecoder keeping at most maxNodes node
// configurations (1024 when maxNodes <= 0).
func NewRequestDecoder(maxNodes int) *RequestDecoder {
	if maxNodes <= 0 {
		maxNodes = defaultDecoderNodes
	}
	return &RequestDecoder{nodes: nodeCache{max: maxNodes, entries: make(map[string]*nodeEntry)}}
}

// Decode decodes a request event like DecodeRequest.
func (d *RequestDecoder) Decode(header nats.Header, payload []byte) (Event, Request, error) {
	return d.decode(header, payload, false)
}

// DecodeReferenced is Decode, except that the profile's attributes and
// the trigger's data hold only the top-level members the node's
// parameters reference (their paths, and their conditions' paths): for a
// profile parameter with path "a.b", the attributes "a.b" and "a"; for an
// event parameter, the data's member "a". Every parameter therefore resolves to the same value as with
// Decode, while the attributes nobody sends (most of a profile) are
// skipped over instead of built into maps. The dispatcher uses it: a
// request is decoded to be sent, not to be shown.
func (d *RequestDecoder) DecodeReferenced(header nats.Header, payload []byte) (Event, Request, error) {
	return d.decode(header, payload, true)
}

func (d *RequestDecoder) decode(header nats.Header, payload []byte, referenced bool) (Event, Request, error) {
	ev, err := decodeTyped(header, payload, RequestType)
	if err != nil {
		return ev, Request{}, withPartial(err, ev)
	}
	req, err := decodeRequestData(ev, &d.nodes, referenced)
	if err != nil {
		return ev, Request{}, withPartial(err, ev)
	}
	return ev, req, nil
}

// nodeCache holds decoded node configurations by their JSON text.
type nodeCache struct {
	max     int
	mu      sync.RWMutex
	entries map[string]*nodeEntry
}

// nodeEntry is one decoded node configuration and its last validation.
type nodeEntry struct {
	node    NodeConfig
	refs    references
	checked atomic.Pointer[nodeCheck]
}

// references are the top-level members of the profile's attributes and
// of the trigger's data that a node's parameters can reach.
type references struct {
	profile, event map[string]struct{}
}

func referencesOf(n *NodeConfig) references {
	r := references{profile: map[string]struct{}{}, event: map[string]struct{}{}}
	for _, p := range n.Params {
		r.add(p.From, p.Path)
		if p.When != nil {
			r.add(p.When.From, p.When.Path)
		}
	}
	return r
}

// add records the members a profile or event path reaches.
func (r references) add(from ParamSource, path string) {
	first, _, _ := strings.Cut(path, ".")
	switch from {
	case FromProfile:
		r.profile[path] = struct{}{}
		r.profile[first] = struct{}{}
	case FromEvent:
		r.event[first] = struct{}{}
	}
}

// nodeCheck is a node's problems under one set of options, with paths
// under "node." as Request.Problems reports them.
type nodeCheck struct {
	opts     ValidateOptions
	problems []Problem
}

// decode sets req.Node from the cached decoding of raw, decoding and
// keeping it on a miss. It is false when raw does not decode.
func (c *nodeCache) decode(req *Request, raw []byte) bool {
	c.mu.RLock()
	e := c.entries[string(raw)]
	c.mu.RUnlock()
	if e == nil {
		e = &nodeEntry{}
		if !decodeNode(&e.node, raw) {
			return false
		}
		e.refs = referencesOf(&e.node)
		c.add(string(raw), e)
	}
	req.Node, req.shared = e.node, e
	return true
}

// add keeps e under key, first dropping an eighth of the entries (any)
// when the cache is full.
func (c *nodeCache) add(key string, e *nodeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		drop := max(c.max/8, 1)
		for k := range c.entries {
			delete(c.entries, k)
			if drop--; drop == 0 {
				break
			}
		}
	}
	c.entries[key] = e
}

// problems returns the node's problems under opts, checking it only when
// the options differ from the last check. The slice is shared: callers
// copy it before handing it out.
func (e *nodeEntry) problems(opts ValidateOptions) []Problem {
	if c := e.checked.Load(); c != nil && c.opts == opts {
		return c.problems
	}
	p := &problems{prefix: "node."}
	checkNode(p, e.node, opts.withDefaults())
	e.checked.Store(&nodeCheck{opts: opts, problems: p.list})
	return p.list
}

// describes reports whether n is still the entry's node as decoded: the
// same slices and the same top-level values a caller could have
// reassigned. A request whose node was replaced or edited is validated
// afresh.
func (e *nodeEntry) describes(n *NodeConfig) bool {
	m := &e.node
	return n.Method == m.Method && n.URL == m.URL && n.OnError == m.OnError && n.TimeoutMS == m.TimeoutMS &&
		n.Response.Kind == m.Response.Kind && n.Response.Status == m.Response.Status &&
		sameSlice(n.Params, m.Params) && sameSlice(n.Headers, m.Headers) &&
		n.Retry == m.Retry && n.Hold == m.Hold && n.Auth == m.Auth && n.TLS == m.TLS &&
		sameSlice(n.AuthFailedStatuses, m.AuthFailedStatuses)
}

// sameSlice reports whether a and b are the same slice (not merely equal).
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
