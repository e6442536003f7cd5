package preview

import (
	"context"

	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/request"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Sender sends one request through the egress guard and limits
// (internal/egress.Client implements it).
type Sender interface {
	Do(ctx context.Context, req *egress.Request) (*egress.Response, error)
}

// SendDeps are what Send works with: the same parts the dispatcher has.
type SendDeps struct {
	// Secrets resolves the node's secrets for real.
	Secrets Secrets
	// UserAgent is sent as User-Agent.
	UserAgent string
	Sender    Sender
	// Breakers guards endpoints; share one across calls so that repeated
	// sends trip it as the dispatcher's would.
	Breakers dispatch.Breakers
	// Tokens fetches the OAuth 2.0 access tokens of nodes with auth kind
	// oauth2 (internal/oauth.Tokens over the same Sender); share one
	// across calls, as the dispatcher does.
	Tokens dispatch.Tokens
	// Attempt supplies the validation options and the timeout cap.
	Attempt dispatch.AttemptConfig
}

// Sent is what one send did.
type Sent struct {
	// Outcome is the outcome the dispatcher would publish.
	Outcome flowevent.Outcome
	// Response is the endpoint's response as read (status, headers, a
	// bounded body); nil when there was none.
	Response *egress.Response
}

// Send sends sample's request once, down the dispatcher's path
// (dispatch.Attempter), and returns the outcome with the response. The
// sample's event id is the idempotency key: give each try its own. Its
// error is dispatch.ErrMissingDependency when deps lack a part.
func Send(ctx context.Context, s Sample, deps SendDeps) (Sent, error) {
	rec := &recorder{next: deps.Sender}
	ev := s.Event
	if ev.ID == "" {
		ev.ID = requestID(s)
	}
	a, err := dispatch.NewAttempter(deps.Attempt, dispatch.AttemptDeps{
		Builder:  request.NewBuilder(deps.Secrets, deps.UserAgent),
		Sender:   rec,
		Breakers: deps.Breakers,
		Tokens:   deps.Tokens,
	})
	if err != nil {
		return Sent{}, err
	}
	out, err := a.Attempt(ctx, ev, &s.Request)
	return Sent{Outcome: out, Response: rec.resp}, err
}

// recorder keeps the response of the one request it passes on.
type recorder struct {
	next Sender
	resp *egress.Response
}

func (r *recorder) Do(ctx context.Context, req *egress.Request) (*egress.Response, error) {
	resp, err := r.next.Do(ctx, req)
	r.resp = resp
	return resp, err
}
