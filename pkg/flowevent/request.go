package flowevent

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

// Request is the data of a request event: one profile's visit of one Webhook
// node. The event's id is unique per visit and is the idempotency key of
// everything downstream; its source names the flow and node
// ("flows/<flow>/nodes/<node>", see RequestSource); its subject is the
// profile id.
type Request struct {
	// Account is the tenant. It is also the last token of the subject the
	// event is published on (see RequestSubject) and must match it.
	Account string `json:"account"`
	// FlowID and NodeID name the flow and the Webhook node within it.
	FlowID string `json:"flow_id"`
	NodeID string `json:"node_id"`
	// Node is the node's configuration as the flow engine holds it; flowhook
	// keeps no configuration store.
	Node NodeConfig `json:"node"`
	// Profile is the profile that reached the node.
	Profile Profile `json:"profile"`
	// Trigger is the real-time event that started the flow for this profile,
	// when there was one.
	Trigger *Trigger `json:"trigger,omitempty"`

	// shared is the RequestDecoder's entry Node came from, which remembers
	// the node's validation; nil otherwise.
	shared *nodeEntry
}

// Profile is a profile's id and attributes. Attribute values are any JSON
// value; see the package documentation of the request builder for how each
// type is turned into text.
type Profile struct {
	ID         string         `json:"id"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Trigger is the triggering event of the flow: its type and its data.
type Trigger struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data,omitempty"`
}

// RequestSource is the CloudEvents source of a request event for a node.
func RequestSource(flowID, nodeID string) string {
	return "flows/" + flowID + "/nodes/" + nodeID
}

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

// NewRequestMsg builds the request event a flow engine publishes when a
// profile reaches a Webhook node: structured mode, subject
// RequestSubject(req.Account), id id (unique per visit within the account),
// Nats-Msg-Id RequestMsgID(req.Account, id), source RequestSource(req.FlowID, req.NodeID), subject attribute
// the profile id, time now unless WithTime.
//
// It checks what the envelope needs (id, account, flow, node and profile
// ids); the node configuration is flowhook's to judge (see Request.Validate,
// which a flow engine should also run when a node is saved).
func NewRequestMsg(id string, req Request, opts ...MsgOption) (*nats.Msg, error) {
	o := msgOptions{}
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkRequestEnvelope(id, req, o); err != nil {
		return nil, err
	}
	if o.time.IsZero() {
		o.time = time.Now()
	}
	env := envelope.Structured{
		SpecVersion: SpecVersion, ID: id, Source: RequestSource(req.FlowID, req.NodeID),
		Type: RequestType, Subject: req.Profile.ID, DataContentType: ContentTypeJSON,
		Time: envelope.FormatTime(o.time), TraceParent: o.traceParent, TraceState: o.traceState,
		Data: &req,
	}
	msg, err := structuredMsg(RequestSubject(req.Account), &env)
	if err != nil {
		return nil, err
	}
	msg.Header[HeaderMsgID] = []string{RequestMsgID(req.Account, id)}
	return msg, nil
}

// checkRequestEnvelope checks what NewRequestMsg needs of its arguments.
func checkRequestEnvelope(id string, req Request, o msgOptions) error {
	switch {
	case id == "" || !noControl(id):
		return errEncode("request id must be non-empty printable text")
	case !ValidAccount(req.Account):
		return errEncode("invalid account")
	case !validID(req.FlowID) || !validID(req.NodeID) || !validID(req.Profile.ID):
		return errEncode("flow, node and profile ids must be non-empty printable text of at most %d bytes", maxIDLen)
	case o.traceParent != "" && !ValidTraceParent(o.traceParent):
		return errEncode("malformed traceparent")
	case o.traceState != "" && (o.traceParent == "" || !ValidTraceState(o.traceState)):
		return errEncode("malformed tracestate, or tracestate without traceparent")
	}
	return nil
}

// DecodeRequest decodes a request event, in structured or binary mode
// (the package documentation says how the envelope is read): its type
// must be RequestType and its data a JSON object decoding into a
// Request, numbers kept as json.Number so their literal text survives. The
// source must be RequestSource(FlowID, NodeID) and the subject, when
// present, the profile id.
//
// It does not validate the request (see Request.Validate) nor compare the
// account with the NATS subject (see AccountOfRequestSubject).
//
// On failure the error is a *DecodeError whose EventID and Partial hold
// every id that could be read, from the data or else from the source and
// subject attributes, so that an outcome can still be published for the
// profile at the node.
//
// The strings of the Request and Event share one copy of the payload: a
// caller that keeps one of them beyond the event (a map key, a cache)
// keeps a strings.Clone of it, or it keeps the whole event in memory.
func DecodeRequest(header nats.Header, payload []byte) (Event, Request, error) {
	ev, err := decodeTyped(header, payload, RequestType)
	if err != nil {
		return ev, Request{}, withPartial(err, ev)
	}
	req, err := decodeRequestData(ev, nil, false)
	if err != nil {
		return ev, Request{}, withPartial(err, ev)
	}
	return ev, req, nil
}

// decodeRequestData decodes and cross-checks a request event's data, with
// the node configuration cached in nodes when it is not nil.
func decodeRequestData(ev Event, nodes *nodeCache, referenced bool) (Request, error) {
	data := bytes.TrimLeft(ev.Data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return Request{}, stageErr(stageData, ev.ID, ErrBadData, "data is not a JSON object")
	}
	req, ok := decodeRequestFast(data, nodes, referenced)
	if !ok {
		req = Request{}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil {
			return Request{}, stageErr(stageData, ev.ID, ErrBadData, "%s", jsoncodec.SafeError(err))
		}
	}
	if ev.Source != RequestSource(req.FlowID, req.NodeID) {
		return req, stageErr(stageData, ev.ID, ErrInconsistent, "source does not name the data's flow and node")
	}
	if ev.Subject != "" && ev.Subject != req.Profile.ID {
		return req, stageErr(stageData, ev.ID, ErrInconsistent, "subject is not the data's profile id")
	}
	return req, nil
}
