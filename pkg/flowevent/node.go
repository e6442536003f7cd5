package flowevent

import (
	"encoding/json"
	"time"
)

// NodeConfig is a Webhook node's configuration. The zero value of every
// optional field keeps the baseline behaviour: data as URL query
// parameters, no retries, the error action applied at once (see Retry and
// Hold for the opt-in policies).
type NodeConfig struct {
	// Method is GET, POST, PUT, PATCH or DELETE.
	Method string `json:"method"`
	// URL is the endpoint, http or https; its own (static) query parameters
	// are kept and the node's parameters are appended after them.
	URL string `json:"url"`
	// Params are sent as URL query parameters, in this order, or as the
	// fields of a body (see Body).
	Params []Param `json:"params,omitempty"`
	// Headers are added to the request, in this order.
	Headers []Header `json:"headers,omitempty"`
	// Response says what counts as a successful response.
	Response ResponseCheck `json:"response"`
	// OnError is the route taken when the response does not match or the
	// request fails: yes, no or exit.
	OnError Route `json:"on_error"`
	// TimeoutMS bounds one request, body read included. 0 means the
	// default (DefaultTimeoutMS).
	TimeoutMS int `json:"timeout_ms,omitempty"`
	// Retry, when set, retries retryable failures (opt-in; see
	// RetryPolicy). Nil keeps the baseline: one try.
	Retry *RetryPolicy `json:"retry,omitempty"`
	// Hold, when set, lets the event wait while the endpoint's circuit
	// breaker is open (opt-in; see HoldPolicy). Nil applies the error
	// action at once.
	Hold *HoldPolicy `json:"hold,omitempty"`
	// Body says where the parameters travel (opt-in; see BodyMode): empty
	// or query keeps the baseline, URL query parameters.
	Body BodyMode `json:"body,omitempty"`
	// Capture names fields of a matched JSON response to copy into the
	// outcome event (opt-in; see CaptureField). Empty captures nothing.
	Capture []CaptureField `json:"capture,omitempty"`
	// Signing, when set, signs the request (opt-in; see Signing). Nil
	// sends it unsigned.
	Signing *Signing `json:"signing,omitempty"`
	// MaxConcurrency caps this node's requests in flight to its endpoint's
	// origin, on each flowhook replica: 1..MaxNodeConcurrency, 0 keeps the
	// operator's default. A request over the cap waits on the bus (it is
	// not an attempt) until the endpoint has room.
	MaxConcurrency int `json:"max_concurrency,omitempty"`
	// RatePerSecond caps how many of this node's requests start per second
	// toward its endpoint's origin, on each replica, evenly spaced:
	// MinRatePerSecond..MaxRatePerSecond, 0 keeps the operator's default
	// (usually none).
	RatePerSecond float64 `json:"rate_per_second,omitempty"`
	// Auth, when set, authenticates the node's requests with HTTP Basic
	// or an OAuth 2.0 client-credentials token (opt-in; see Auth). A node
	// with Auth may not set an Authorization header itself.
	Auth *Auth `json:"auth,omitempty"`
	// TLS, when set, gives the node its own TLS identity toward its
	// endpoint: a client certificate and key, private certificate
	// authorities (opt-in; see TLS).
	TLS *TLS `json:"tls,omitempty"`
	// AuthFailedStatuses are statuses that, besides 401 and 403, mean
	// the endpoint rejected the node's credentials (say 419 or 498): a
	// response with one of them that does not match the node's check ends
	// as ReasonAuthFailed instead of ReasonStatusMismatch or
	// ReasonBodyMismatch. 400..599, at most MaxAuthFailedStatuses.
	AuthFailedStatuses []int `json:"auth_failed_statuses,omitempty"`
}

// Timeout is the bound on one request of this node: TimeoutMS, or
// DefaultTimeoutMS when it is 0, and never more than limit when limit > 0.
func (n NodeConfig) Timeout(limit time.Duration) time.Duration {
	t := time.Duration(n.TimeoutMS) * time.Millisecond
	if n.TimeoutMS <= 0 {
		t = DefaultTimeoutMS * time.Millisecond
	}
	if limit > 0 {
		t = min(t, limit)
	}
	return t
}

// Timeout bounds for NodeConfig.TimeoutMS.
const (
	DefaultTimeoutMS = 10_000
	MinTimeoutMS     = 100
	MaxTimeoutMS     = 120_000
)

// Methods a node may use.
const (
	MethodGet    = "GET"
	MethodPost   = "POST"
	MethodPut    = "PUT"
	MethodPatch  = "PATCH"
	MethodDelete = "DELETE"
)

// Param is one named parameter and where its value comes from.
type Param struct {
	// Name is the key the receiving system expects, sent exactly as given.
	Name string `json:"name"`
	// From is the value's source: profile, event, static or secret.
	From ParamSource `json:"from"`
	// Path names the value for profile (an attribute name; dots walk into
	// nested objects when no attribute has the full name) and event (a dotted
	// path into the triggering event's data; "type" alone is not special).
	Path string `json:"path,omitempty"`
	// Value is the value of a static parameter.
	Value string `json:"value,omitempty"`
	// Secret names the secret whose value is sent, for From == secret.
	Secret string `json:"secret,omitempty"`
	// OmitEmpty leaves the parameter out (no name, no value) when its
	// profile or event value has none: missing, null or the empty string.
	// Without it such a parameter is sent with an empty value (null in a
	// json body), the baseline.
	OmitEmpty bool `json:"omit_empty,omitempty"`
	// When, when set, sends the parameter only for the profiles and
	// events for which the condition holds (see Condition); otherwise it
	// is left out.
	When *Condition `json:"when,omitempty"`
}

// ParamSource says where a parameter's value comes from.
type ParamSource string

// Parameter sources.
const (
	FromProfile ParamSource = "profile"
	FromEvent   ParamSource = "event"
	FromStatic  ParamSource = "static"
	FromSecret  ParamSource = "secret"
)

// Header is one request header. Its value is either Value (inline) or, when
// Secret is set, Prefix followed by the value of the named secret, resolved
// by flowhook when the request is built; the secret's value never travels in
// an event.
type Header struct {
	Name   string `json:"name"`
	Value  string `json:"value,omitempty"`
	Secret string `json:"secret,omitempty"`
	Prefix string `json:"prefix,omitempty"`
}

// ResponseCheck says what response counts as success. Kind picks the
// check; only the fields of that kind are read.
type ResponseCheck struct {
	// Kind is "status" (exact status code), "body_contains" (a string that
	// must appear in the response body), or one of the opt-in kinds
	// "status_in", "status_class" and "json_equals".
	Kind CheckKind `json:"kind"`
	// Status is the exact status code expected, for Kind == status.
	Status int `json:"status,omitempty"`
	// Contains is the string expected in the body, for Kind == body_contains.
	Contains string `json:"contains,omitempty"`
	// Statuses are the accepted status codes, for Kind == status_in.
	Statuses []int `json:"statuses,omitempty"`
	// Class is the accepted status class, "1xx" to "5xx", for Kind ==
	// status_class.
	Class string `json:"class,omitempty"`
	// Pointer is an RFC 6901 JSON Pointer into the response body ("" is
	// the whole body), for Kind == json_equals.
	Pointer string `json:"pointer,omitempty"`
	// Equals is the JSON value expected at Pointer, for Kind ==
	// json_equals. Values are compared as JSON: numbers by value (1.0
	// equals 1), objects whatever their key order.
	Equals json.RawMessage `json:"equals,omitempty"`
}

// CheckKind names a kind of response check.
type CheckKind string

// Response check kinds.
const (
	CheckStatus       CheckKind = "status"
	CheckBodyContains CheckKind = "body_contains"
	// CheckStatusIn matches any status of ResponseCheck.Statuses.
	CheckStatusIn CheckKind = "status_in"
	// CheckStatusClass matches any status of ResponseCheck.Class.
	CheckStatusClass CheckKind = "status_class"
	// CheckJSONEquals matches a response whose body is JSON with
	// ResponseCheck.Equals at ResponseCheck.Pointer.
	CheckJSONEquals CheckKind = "json_equals"
)

// Route is the path a profile takes after the node.
type Route string

// Routes.
const (
	RouteYes  Route = "yes"
	RouteNo   Route = "no"
	RouteExit Route = "exit"
)

// DefaultErrorAction is the route used when a request event's node
// configuration cannot be read, so its own error action is unknown: the No
// path, which the node's documentation recommends as the safest choice.
const DefaultErrorAction = RouteNo

// Valid reports whether r is one of yes, no, exit.
func (r Route) Valid() bool { return r == RouteYes || r == RouteNo || r == RouteExit }
