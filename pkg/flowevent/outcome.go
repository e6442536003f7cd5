package flowevent

import (
	"encoding/json"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
	"github.com/flowhook/flowhook/pkg/flowevent/internal/jsoncodec"
	"github.com/nats-io/nats.go"
)

// Outcome is the data of an outcome (routing) event: how one request event
// ended and which path the profile takes. Exactly one outcome is stored per
// request event. It never carries query parameters, header values or
// profile attributes; Captured carries values of the receiver's response,
// and only when the node asks for them (NodeConfig.Capture).
type Outcome struct {
	// RequestID is the id of the request event this outcome answers.
	RequestID string `json:"request_id"`
	Account   string `json:"account"`
	FlowID    string `json:"flow_id,omitempty"`
	NodeID    string `json:"node_id,omitempty"`
	ProfileID string `json:"profile_id,omitempty"`
	// Route is the path the profile takes: yes, no or exit.
	Route Route `json:"route"`
	// Success reports whether the response matched the node's check.
	Success bool `json:"success"`
	// Reason is machine-readable: see the Reason constants.
	Reason Reason `json:"reason"`
	// Detail explains Reason for people (expected vs. got); it never holds
	// personal data or secrets.
	Detail string `json:"detail,omitempty"`
	// Status is the HTTP status of the last response, 0 when there was
	// none; for ReasonTokenFailed, the token endpoint's status.
	Status int `json:"status,omitempty"`
	// DurationMS is the time spent on the request(s), in milliseconds.
	DurationMS float64 `json:"duration_ms"`
	// Attempts is how many HTTP requests were sent (0 when none was).
	Attempts int `json:"attempts"`
	// Endpoint is the origin called: scheme, host and port, never path or query.
	Endpoint *Endpoint `json:"endpoint,omitempty"`
	// CompletedAt is when flowhook decided the outcome.
	CompletedAt time.Time `json:"completed_at"`
	// Captured holds, by capture field name, the values of a matched JSON
	// response that the node's Capture names, as compact JSON (typed:
	// strings, numbers, booleans, null, objects, arrays). They are the
	// receiver's answer and may be personal data by design: flowhook never
	// logs them. Set only when Success is true and a value was found.
	Captured map[string]json.RawMessage `json:"captured,omitempty"`
	// CaptureMissing says, by capture field name, why a field of the
	// node's Capture has no value in Captured. Set only when Success is
	// true.
	CaptureMissing map[string]CaptureMiss `json:"capture_missing,omitempty"`
}

// Endpoint is the origin of a node's URL.
type Endpoint struct {
	Scheme string `json:"scheme"`
	Host   string `json:"host"`
	Port   int    `json:"port"`
}

// Reason says why an outcome has its route.
type Reason string

// Reasons. Matched is the only reason with Success true.
const (
	ReasonMatched            Reason = "matched"
	ReasonStatusMismatch     Reason = "status_mismatch"
	ReasonBodyMismatch       Reason = "body_mismatch"
	ReasonTimeout            Reason = "timeout"
	ReasonConnectionError    Reason = "connection_error"
	ReasonTLSError           Reason = "tls_error"
	ReasonCircuitOpen        Reason = "circuit_open"
	ReasonBlockedDestination Reason = "blocked_destination"
	ReasonResponseTooLarge   Reason = "response_too_large"
	ReasonInvalidConfig      Reason = "invalid_config"
	ReasonInvalidEvent       Reason = "invalid_event"
	ReasonSecretMissing      Reason = "secret_missing"
	ReasonMaxDeliveries      Reason = "max_deliveries"
	// ReasonAuthFailed: the endpoint rejected the node's credentials: it
	// answered 401, 403 or one of the node's AuthFailedStatuses (and the
	// response did not match the node's check), or refused the client
	// certificate during the TLS handshake.
	ReasonAuthFailed Reason = "auth_failed"
	// ReasonTokenFailed: no OAuth 2.0 access token could be had from the
	// node's token endpoint (unreachable, refused, or an unusable answer);
	// nothing was sent to the endpoint, unless the failure came on the
	// refresh after a 401. Outcome.Status is then the token endpoint's
	// status (0 when it did not answer).
	ReasonTokenFailed Reason = "token_failed"
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
			return ev, Outcome{}, stageErr(stageData, ev.ID, ErrBadData, "%s", jsoncodec.SafeError(err))
		}
	}
	if !o.Route.Valid() || o.Reason == "" {
		return ev, o, stageErr(stageData, ev.ID, ErrBadData, "route must be yes, no or exit, and reason set")
	}
	if ev.ID != OutcomeKey(o.Account, o.RequestID) && ev.ID != legacyOutcomeKey(o.RequestID) {
		return ev, o, stageErr(stageData, ev.ID, ErrInconsistent, "id is not the outcome key of account and request_id")
	}
	return ev, o, nil
}
