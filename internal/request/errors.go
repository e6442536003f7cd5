package request

import (
	"errors"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// errNilContext reports a programming error of the caller.
var errNilContext = errors.New("request: nil context")

// Error is why a request could not be built. Its Detail names the offending
// parameter, header or secret by position and name, never by value, and
// never quotes the URL: it is safe to log and to put in an outcome.
type Error struct {
	// Reason is secret_missing when a secret could not be resolved,
	// invalid_config when the node cannot be turned into a request, and
	// invalid_event when the request event itself is unusable.
	Reason flowevent.Reason
	// Detail explains Reason for people.
	Detail string
}

// Error implements error.
func (e *Error) Error() string { return "request: " + string(e.Reason) + ": " + e.Detail }

func configError(detail string) *Error {
	return &Error{Reason: flowevent.ReasonInvalidConfig, Detail: detail}
}

func missingSecret(detail string) *Error {
	return &Error{Reason: flowevent.ReasonSecretMissing, Detail: detail}
}
