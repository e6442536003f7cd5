package dispatch

import (
	"context"
	"time"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Attempt runs one decoded request event's node exactly as the dispatcher
// does — validate, build the request, ask the endpoint's breaker, send,
// judge, choose the route — and returns the outcome without publishing
// anything. Only deps.Builder, deps.Sender, deps.Breakers, deps.Tokens
// and deps.Log are used; cfg supplies the validation options and the timeout cap. It lets
// tools (flowhook send) try a node down the dispatcher's own path.
//
// When ctx ends during the call, the outcome is the node's error action
// with reason connection_error (the dispatcher would instead hand the
// event back for redelivery).
func Attempt(ctx context.Context, cfg Config, deps Deps, ev flowevent.Event, req *flowevent.Request) flowevent.Outcome {
	d := &Dispatcher{
		cfg:      cfg.withDefaults(),
		builder:  deps.Builder,
		sender:   deps.Sender,
		breakers: deps.Breakers,
		tokens:   deps.Tokens,
		log:      deps.Log,
		now:      time.Now,
	}
	out, interrupted := d.process(ctx, ev, req)
	if interrupted {
		draft := outcomeDraft{Outcome: out, onError: req.Node.OnError}
		draft.finish(req.Node.OnError, flowevent.ReasonConnectionError, "canceled before the endpoint answered", false)
		out = draft.Outcome
	}
	return out
}
