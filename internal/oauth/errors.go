package oauth

import (
	"errors"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// errTruncated reports a token endpoint answer larger than egress reads.
var errTruncated = errors.New("oauth: token endpoint answer exceeds the response size limit")

// Error is why no token could be had. Its Detail names the token endpoint
// by origin, its status and OAuth 2.0 error code: never a token, a secret,
// the token URL's path or query, or the endpoint's answer.
type Error struct {
	// Reason is token_failed, or secret_missing when the client secret
	// does not resolve in the account's scope.
	Reason flowevent.Reason
	// Status is the token endpoint's status, 0 when it did not answer.
	Status int
	// Retryable reports a failure that may pass by itself: no answer, a
	// timeout, 408, 429 or 5xx.
	Retryable bool
	Detail    string
}

// Error implements error.
func (e *Error) Error() string { return "oauth: " + string(e.Reason) + ": " + e.Detail }
