package flowevent

// CloudEvents attributes of the events in this contract.
const (
	// SpecVersion is the CloudEvents specification version used.
	SpecVersion = "1.0"
	// RequestType is the type of a request event (flow engine -> flowhook).
	RequestType = "io.flowhook.webhook.request.v1"
	// OutcomeType is the type of an outcome (routing) event (flowhook -> flow engine).
	OutcomeType = "io.flowhook.webhook.outcome.v1"
	// DeadLetterType is the type of a dead-letter record.
	DeadLetterType = "io.flowhook.webhook.deadletter.v1"
	// ContentTypeJSON is the datacontenttype of every event's data.
	ContentTypeJSON = "application/json"
	// ContentTypeStructured is the Content-Type of a structured-mode CloudEvent.
	ContentTypeStructured = "application/cloudevents+json"
	// OutcomeSource is the source attribute of outcome events and dead letters.
	OutcomeSource = "flowhook"
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
