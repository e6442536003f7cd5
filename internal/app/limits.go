package app

import (
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/endpointlimit"
)

// limiter returns the dispatcher's endpoint limiter: one applying
// Config.EndpointLimits as every origin's default and the nodes' own
// limits over them. Nodes may set limits even when the defaults set none.
func (a *App) limiter() dispatch.Limiter {
	return endpointlimit.New(endpointlimit.Config{Default: a.cfg.EndpointLimits, MaxWait: a.cfg.EndpointWait}, nil)
}
