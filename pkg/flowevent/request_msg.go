package flowevent

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

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

// DecodeRequest decodes a request event (see DecodeMsg for the envelope):
// its type must be RequestType and its data a JSON object decoding into a
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
		return Request{}, stageErr(StageData, ev.ID, ErrBadData, "data is not a JSON object")
	}
	req, ok := decodeRequestFast(data, nodes, referenced)
	if !ok {
		req = Request{}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil {
			return Request{}, stageErr(StageData, ev.ID, ErrBadData, "%s", jsoncodec.SafeError(err))
		}
	}
	if ev.Source != RequestSource(req.FlowID, req.NodeID) {
		return req, stageErr(StageData, ev.ID, ErrInconsistent, "source does not name the data's flow and node")
	}
	if ev.Subject != "" && ev.Subject != req.Profile.ID {
		return req, stageErr(StageData, ev.ID, ErrInconsistent, "subject is not the data's profile id")
	}
	return req, nil
}

// withPartial attaches to a *DecodeError the request ids readable from ev.
func withPartial(err error, ev Event) error {
	if de, ok := err.(*DecodeError); ok {
		de.Partial = probeRequest(ev)
	}
	return err
}

// probeRequest reads whatever request ids it can from ev, leniently: each
// id from the data when it is there and valid, flow and node from the
// source, the profile from the subject. Account and Node.OnError are kept
// only when valid.
func probeRequest(ev Event) Request {
	var p Request
	var top map[string]json.RawMessage
	if json.Unmarshal(ev.Data, &top) == nil {
		p.Account = probeString(top["account"])
		p.FlowID = probeString(top["flow_id"])
		p.NodeID = probeString(top["node_id"])
		p.Profile.ID = probeString(probeMember(top["profile"], "id"))
		p.Node.OnError = Route(probeString(probeMember(top["node"], "on_error")))
	}
	if !ValidAccount(p.Account) {
		p.Account = ""
	}
	if !p.Node.OnError.Valid() {
		p.Node.OnError = ""
	}
	if flow, node, ok := parseRequestSource(ev.Source); ok && p.FlowID == "" && p.NodeID == "" {
		p.FlowID, p.NodeID = flow, node
	}
	if p.Profile.ID == "" && validID(ev.Subject) {
		p.Profile.ID = ev.Subject
	}
	return p
}

// probeMember reads one member of a JSON object, nil when there is none.
func probeMember(raw json.RawMessage, name string) json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	return obj[name]
}

// probeString reads a JSON string that is a valid id, "" otherwise.
func probeString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil || !validID(s) {
		return ""
	}
	return s
}

// parseRequestSource splits a source "flows/<flow>/nodes/<node>".
func parseRequestSource(source string) (flow, node string, ok bool) {
	rest, ok := strings.CutPrefix(source, "flows/")
	if !ok {
		return "", "", false
	}
	flow, node, ok = strings.Cut(rest, "/nodes/")
	if !ok || !validID(flow) || !validID(node) {
		return "", "", false
	}
	return flow, node, true
}
