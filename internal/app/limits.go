package app

import (
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/endpointlimit"
)

// limiter returns the dispatcher's endpoint limiter: Config.EndpointLimits
// are every origin's limits, shared by the accounts active at it; the
// nodes' own limits bound their account's requests on top of them. Nodes
// may set limits even when the origins have none.
func (a *App) limiter() dispatch.Limiter {
	return endpointlimit.New(endpointlimit.Config{Default: a.cfg.EndpointLimits, MaxWait: a.cfg.EndpointWait}, nil)
}

// accountShare returns the dispatcher's share of the workers among
// accounts: each account with work on this replica may hold workers /
// (accounts with work), never fewer than Config.AccountMinWorkers; nil when
// AccountMinWorkers is negative (no share).
func (a *App) accountShare(workers int) dispatch.Limiter {
	if a.cfg.AccountMinWorkers < 0 {
		return nil
	}
	minWorkers := a.cfg.AccountMinWorkers
	if minWorkers == 0 {
		minWorkers = max(1, workers/8)
	}
	return endpointlimit.New(endpointlimit.Config{
		Default:  endpointlimit.Limits{MaxConcurrency: workers},
		MinShare: minWorkers,
		MaxWait:  a.cfg.EndpointWait,
	}, nil)
}
