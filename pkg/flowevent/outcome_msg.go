package flowevent

import (
	"encoding/json"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

// NewOutcomeMsg builds the outcome event answering requestEvent: structured
// mode, id and Nats-Msg-Id OutcomeKey(o.Account, requestEvent.ID) (so a
// redelivered request yields the same, de-duplicated outcome, and two
// accounts' equal request ids never collide), subject
// OutcomeSubject(o.Account, requestEvent.ID), source OutcomeSource,
// subject attribute the profile id, time o.CompletedAt (now when zero), the
// request's traceparent and tracestate, a HeaderRoute header and a
// HeaderSummary header.
//
// o.RequestID defaults to requestEvent.ID and must equal it; o.Account must
// be valid, o.Route valid and o.Reason set. Encoding is one json.Marshal.
func NewOutcomeMsg(requestEvent Event, o Outcome) (*nats.Msg, error) {
	if o.RequestID == "" {
		o.RequestID = requestEvent.ID
	}
	if err := checkOutcome(requestEvent, o); err != nil {
		return nil, err
	}
	if o.CompletedAt.IsZero() {
		o.CompletedAt = time.Now()
	}
	parent, state := envelope.CleanTraceContext(requestEvent.TraceParent, requestEvent.TraceState)
	env := envelope.Structured{
		SpecVersion: SpecVersion, ID: OutcomeKey(o.Account, o.RequestID), Source: OutcomeSource,
		Type: OutcomeType, Subject: o.ProfileID, DataContentType: ContentTypeJSON,
		Time: envelope.FormatTime(o.CompletedAt), TraceParent: parent, TraceState: state,
	}
	payload, err := appendOutcomeEvent(make([]byte, 0, 1024), &env, &o)
	if err != nil {
		return nil, err
	}
	msg := newStructuredMsg(OutcomeSubject(o.Account, o.RequestID), env.ID, payload)
	msg.Header[HeaderRoute] = []string{string(o.Route)}
	msg.Header[HeaderSummary] = []string{o.Summary().Encode()}
	return msg, nil
}

// checkOutcome checks what NewOutcomeMsg needs of its arguments.
func checkOutcome(requestEvent Event, o Outcome) error {
	switch {
	case requestEvent.ID == "":
		return errEncode("outcome: request event has no id")
	case o.RequestID != requestEvent.ID:
		return errEncode("outcome: request_id differs from the request event's id")
	case !ValidAccount(o.Account):
		return errEncode("outcome: invalid account")
	case !o.Route.Valid():
		return errEncode("outcome: route must be yes, no or exit")
	case o.Reason == "":
		return errEncode("outcome: reason missing")
	case o.ProfileID != "" && !validID(o.ProfileID):
		return errEncode("outcome: profile id must be printable text of at most %d bytes", maxIDLen)
	}
	return nil
}

// DecodeOutcome decodes an outcome event: type OutcomeType, data an
// Outcome with a valid route and a reason (reasons unknown to this version
// are accepted), id equal to OutcomeKey of its account and request_id (or,
// for outcomes stored by releases before account-scoped ids, the key of
// its request_id alone).
func DecodeOutcome(msg *nats.Msg) (Event, Outcome, error) {
	ev, err := decodeTypedMsg(msg, OutcomeType)
	if err != nil {
		return ev, Outcome{}, err
	}
	o, ok := decodeOutcomeFast(ev.Data)
	if !ok {
		o = Outcome{}
		if err := json.Unmarshal(ev.Data, &o); err != nil {
			return ev, Outcome{}, stageErr(StageData, ev.ID, ErrBadData, "%s", jsoncodec.SafeError(err))
		}
	}
	if !o.Route.Valid() || o.Reason == "" {
		return ev, o, stageErr(StageData, ev.ID, ErrBadData, "route must be yes, no or exit, and reason set")
	}
	if ev.ID != OutcomeKey(o.Account, o.RequestID) && ev.ID != legacyOutcomeKey(o.RequestID) {
		return ev, o, stageErr(StageData, ev.ID, ErrInconsistent, "id is not the outcome key of account and request_id")
	}
	return ev, o, nil
}
