package flowevent

import (
	"errors"
	"fmt"
	"strings"

	"github.com/flowhook/flowhook/pkg/flowevent/internal/envelope"
)

// Sentinel errors of the codec. Every error returned by a Decode function is
// a *DecodeError whose Err wraps exactly one of them, so that
// errors.Is(err, ErrNotCloudEvent) and friends tell a caller what to record.
var (
	// ErrNotCloudEvent reports input that is not a valid CloudEvent 1.0:
	// unreadable envelope, missing or malformed required attributes, wrong
	// specversion.
	ErrNotCloudEvent = errors.New("not a CloudEvent")
	// ErrWrongType reports a valid CloudEvent of a type other than the one
	// expected.
	ErrWrongType = errors.New("wrong event type")
	// ErrBadData reports a CloudEvent whose data is missing, not JSON, or not
	// the expected structure.
	ErrBadData = errors.New("data undecodable")
	// ErrInconsistent reports an event whose attributes and data disagree,
	// e.g. a request event whose source does not name the flow and node its
	// data names.
	ErrInconsistent = errors.New("attributes and data disagree")
)

// decodeStage names the step of decoding at which a DecodeError happened,
// for its message; its sentinel error says the same to a program.
type decodeStage string

// Decoding stages, in the order they run.
const (
	stageEnvelope decodeStage = "envelope" // ErrNotCloudEvent
	stageType     decodeStage = "type"     // ErrWrongType
	stageData     decodeStage = "data"     // ErrBadData, ErrInconsistent
)

// DecodeError is the error of every Decode function. It carries what could
// be read before decoding failed, so that a caller can still answer for a
// profile at a node (see DecodeRequest).
//
// Its message holds the stage (envelope, type or data, as the sentinel
// tells), the event id and the cause; it never holds data values, header
// values or query strings.
type DecodeError struct {
	// EventID is the event's id attribute, when it could be read.
	EventID string
	// Partial holds the request ids that could be read (Account, FlowID,
	// NodeID, Profile.ID and Node.OnError when valid), for DecodeRequest;
	// nothing else of it is set.
	Partial Request
	// Err wraps one of the sentinel errors.
	Err error

	stage decodeStage
}

// Error describes the failure without echoing payload values.
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("flowevent: decode")
	if e.EventID != "" {
		fmt.Fprintf(&b, " event %q", truncate(e.EventID, 128))
	}
	fmt.Fprintf(&b, ": %s: %v", e.stage, e.Err)
	return b.String()
}

// Unwrap returns Err.
func (e *DecodeError) Unwrap() error { return e.Err }

// stageErr builds a *DecodeError at stage, wrapping sentinel with a message.
func stageErr(stage decodeStage, id string, sentinel error, format string, args ...any) *DecodeError {
	return &DecodeError{stage: stage, EventID: id, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// envelopeError is the *DecodeError of an envelope that did not decode:
// ErrBadData when its data is at fault, ErrNotCloudEvent otherwise.
func envelopeError(id string, err error) *DecodeError {
	var data *envelope.DataError
	if errors.As(err, &data) {
		return stageErr(stageData, id, ErrBadData, "%v", data.Err)
	}
	return stageErr(stageEnvelope, id, ErrNotCloudEvent, "%v", err)
}

// truncate shortens s to at most n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// errEncode builds an encoding error.
func errEncode(what string, args ...any) error {
	return errors.New("flowevent: encode: " + fmt.Sprintf(what, args...))
}

// errSummary is ParseOutcomeSummary's error.
var errSummary = errors.New("flowevent: malformed outcome summary")

// ValidationError reports an invalid configuration: every problem found,
// errors and warnings, in field order. It is returned only when at least
// one problem is an error.
type ValidationError struct {
	Problems []Problem
}

// Error lists the errors (not the warnings).
func (e *ValidationError) Error() string {
	errs := e.Errors()
	parts := make([]string, len(errs))
	for i, p := range errs {
		parts[i] = p.String()
	}
	return fmt.Sprintf("flowevent: invalid configuration (%d errors): %s", len(errs), strings.Join(parts, "; "))
}

// Errors returns the problems that make the configuration invalid.
func (e *ValidationError) Errors() []Problem { return filterProblems(e.Problems, false) }

// Warnings returns the problems that are advice only.
func (e *ValidationError) Warnings() []Problem { return filterProblems(e.Problems, true) }

func filterProblems(ps []Problem, warning bool) []Problem {
	var out []Problem
	for _, p := range ps {
		if p.Warning == warning {
			out = append(out, p)
		}
	}
	return out
}
