package flowevent

import (
	"encoding/json"
	"strings"
)

// This file reads, leniently, the ids of a request event that did not
// decode, so that its profile can still be answered for at its node.

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
