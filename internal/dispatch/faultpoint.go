package dispatch

// The fault points: what the fault checker (internal/tools/faultcheck)
// and the build of flowhook it runs agree on. Only a build with the tag
// FaultTag acts on them (fault.go); the default build has no
// fault-injection code, and these names alone compile to nothing.
const (
	// FaultTag is the build tag that compiles fault injection in:
	// go build -tags faultinject ./cmd/flowhook.
	FaultTag = "faultinject"
	// FaultPointEnv names the environment variable that sets a process's
	// fault point: "after_response:N", "before_ack:N" (die the N-th time
	// the point is reached, N >= 1) or "event:ID" (die whenever the event
	// ID is taken up).
	FaultPointEnv = "FLOWHOOK_FAULT_POINT"

	// FaultAfterResponse: the endpoint answered; nothing is published for
	// the event yet.
	FaultAfterResponse = "after_response"
	// FaultBeforeAck: JetStream acknowledged what was stored for the event
	// (its outcome or its scheduled retry); the input is not acked yet.
	FaultBeforeAck = "before_ack"
	// FaultEvent: the event with the given id is taken up (a poison
	// event: the process dies on it every time).
	FaultEvent = "event"
)
