package preview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/internal/tools/jsonshape"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Outgoing is one request event ready to publish.
type Outgoing struct {
	// ID is the event's id.
	ID string
	// Msg is the NATS message: subject flowhook.request.<account>,
	// structured mode, Nats-Msg-Id the event id.
	Msg *nats.Msg
	// Problems are the request's validation problems: the dispatcher will
	// answer one with errors with an invalid_config outcome.
	Problems []flowevent.Problem
}

// ParseEvents reads a JSON file of request events: one value or an array
// of them, each a structured request event (published as written, after
// checking it decodes) or a request event's data (wrapped into an event
// whose id is idPrefix-<position from 1>). Errors name the element
// ("events[3]") and the field.
func ParseEvents(data []byte, idPrefix string) ([]Outgoing, error) {
	elems, err := splitElements(data)
	if err != nil {
		return nil, err
	}
	out := make([]Outgoing, 0, len(elems))
	for i, raw := range elems {
		o, err := outgoing(raw, idPrefix+"-"+strconv.Itoa(i+1))
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// splitElements returns the elements of a JSON array, or the one value.
// A syntax error is located by line and column and, in an array, by the
// element it is in.
func splitElements(data []byte) ([]json.RawMessage, error) {
	if err := jsonshape.Syntax(data); err != nil {
		var se *jsonshape.SyntaxError
		if errors.As(err, &se) {
			if i, ok := elementAt(data, se.Offset); ok {
				return nil, fmt.Errorf("events[%d]: %w", i, err)
			}
		}
		return nil, err
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return nil, fmt.Errorf("preview: events: %s", jsonError(err))
		}
		if len(elems) == 0 {
			return nil, errors.New("preview: events: the array is empty")
		}
		return elems, nil
	}
	return []json.RawMessage{data}, nil
}

// elementAt returns the index of the array element holding byte offset off
// of data, when data starts as an array.
func elementAt(data []byte, off int64) (int, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return 0, false
	}
	i := 0
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil || dec.InputOffset() > off {
			return i, true
		}
		i++
	}
	return i, true
}

// outgoing turns one document into a message.
func outgoing(raw []byte, id string) (Outgoing, error) {
	kind, err := sniff(raw)
	if err != nil {
		return Outgoing{}, err
	}
	switch kind {
	case KindEvent:
		return structuredOutgoing(raw)
	case KindRequest:
		var req flowevent.Request
		if err := strictDecode(raw, &req); err != nil {
			return Outgoing{}, err
		}
		return wrapOutgoing(id, req)
	}
	return Outgoing{}, errors.New("a node configuration, not a request event: generate events from it with --node and --profile")
}

// structuredOutgoing checks a structured event and keeps its bytes.
func structuredOutgoing(raw []byte) (Outgoing, error) {
	h := nats.Header{}
	h.Set(flowevent.HeaderContentType, flowevent.ContentTypeStructured)
	ev, req, err := flowevent.DecodeRequest(h, raw)
	if err != nil {
		return Outgoing{}, err
	}
	if !flowevent.ValidAccount(req.Account) {
		return Outgoing{}, errors.New("data.account: must be 1 to 64 characters from [A-Za-z0-9_-]")
	}
	msg := nats.NewMsg(flowevent.RequestSubject(req.Account))
	msg.Header.Set(flowevent.HeaderContentType, flowevent.ContentTypeStructured)
	msg.Header.Set(flowevent.HeaderMsgID, ev.ID)
	msg.Data = bytes.TrimSpace(raw)
	return Outgoing{ID: ev.ID, Msg: msg, Problems: req.Problems(flowevent.ValidateOptions{})}, nil
}

// wrapOutgoing wraps request data into an event.
func wrapOutgoing(id string, req flowevent.Request) (Outgoing, error) {
	msg, err := flowevent.NewRequestMsg(id, req)
	if err != nil {
		return Outgoing{}, err
	}
	return Outgoing{ID: id, Msg: msg, Problems: req.Problems(flowevent.ValidateOptions{})}, nil
}

// Generator builds request events from a node configuration and profile
// (and optional trigger) templates: JSON text in which every {{seq}}
// becomes the event's number.
type Generator struct {
	// Node is the node configuration document (a node, or request data
	// whose profile and trigger the templates replace).
	Node []byte
	// Profile and Trigger are the templates; Trigger may be nil.
	Profile, Trigger []byte
	// Defaults gives the ids a node configuration lacks.
	Defaults Defaults
	// IDPrefix starts every event id: IDPrefix-<seq>.
	IDPrefix string
}

// Event builds event number seq (from 1). With a profile template lacking
// an id, the profile id is "profile-<seq>".
func (g *Generator) Event(seq int) (Outgoing, error) {
	n := []byte(strconv.Itoa(seq))
	d := g.Defaults
	if g.Profile != nil {
		p, err := ParseProfile(bytes.ReplaceAll(g.Profile, seqMarker, n))
		if err != nil {
			return Outgoing{}, err
		}
		if p.ID == DefaultProfileID {
			p.ID = "profile-" + string(n)
		}
		d.Profile = p
	}
	if g.Trigger != nil {
		t, err := ParseTrigger(bytes.ReplaceAll(g.Trigger, seqMarker, n))
		if err != nil {
			return Outgoing{}, err
		}
		d.Trigger = t
	}
	s, kind, err := ParseSample(bytes.ReplaceAll(g.Node, seqMarker, n), d)
	if err != nil {
		return Outgoing{}, err
	}
	if kind == KindEvent {
		return Outgoing{}, errors.New("preview: --node is a whole request event; publish it with --file")
	}
	return wrapOutgoing(g.IDPrefix+"-"+string(n), s.Request)
}

var seqMarker = []byte("{{seq}}")
