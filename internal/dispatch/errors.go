package dispatch

import (
	"errors"
	"fmt"

	"github.com/flowhook/flowhook/internal/oauth"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// The package's errors. How an event ended is not among them: outcome
// reasons travel as data, in outcome events and dead letters
// (flowevent.Reason). The fault-injection build's own errors (a malformed
// fault point) live in fault.go, which the default build leaves out.
var (
	// ErrMissingDependency is returned by New and NewAttempter when a
	// required dependency is nil; the error names it.
	ErrMissingDependency = errors.New("dispatch: missing dependency")
	// ErrConsumer is returned by Run when a lane's consumer cannot be
	// read at start (deleted, or NATS unreachable); it wraps the cause.
	ErrConsumer = errors.New("dispatch: consumer unavailable")
	// ErrThrottled is returned by Attempter.Attempt when the endpoint (or
	// the account's share) had no room within the limiter's bounded wait:
	// nothing was sent.
	ErrThrottled = errors.New("dispatch: endpoint at its limit, nothing sent")
)

// missing is ErrMissingDependency for the named dependency.
func missing(name string) error { return fmt.Errorf("%w: %s", ErrMissingDependency, name) }

// consumerError is ErrConsumer for the named consumer, wrapping why.
func consumerError(name string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrConsumer, name, err)
}

// errNoTokenSource ends the try of an OAuth 2.0 node when the Attempter
// has no Tokens: a token_failed outcome, not retryable.
var errNoTokenSource = &oauth.Error{Reason: flowevent.ReasonTokenFailed, Detail: "no token source configured"}
