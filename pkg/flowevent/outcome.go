package flowevent

import (
	"encoding/json"
	"time"
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
