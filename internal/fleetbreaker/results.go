package fleetbreaker

import (
	"encoding/json"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// result is one broadcast result of an account's call to an origin whose
// breaker was closed: a fault, or the success that ended a run of faults.
type result struct {
	Account string `json:"account"`
	Origin  string `json:"origin"`
	Replica string `json:"replica"`
	Fault   bool   `json:"fault"`
}

// counted shares the result of one of this replica's calls (not a probe).
// A fault is always sent; a success only when it ends a run of faults
// this replica knows of, so a healthy endpoint costs no message.
func (f *Fleet) counted(key breaker.Key, res breaker.Result) {
	switch res {
	case breaker.Fault:
		f.markFailing(key)
		f.broadcast(key, true)
	case breaker.Success:
		if f.nFailing.Load() > 0 && f.clearFailing(key) {
			f.broadcast(key, false)
		}
	}
}

func (f *Fleet) broadcast(key breaker.Key, fault bool) {
	data, err := json.Marshal(result{Account: key.Account, Origin: key.Origin, Replica: f.cfg.Replica, Fault: fault})
	if err == nil {
		err = f.nc.Publish(f.cfg.Subject, data)
	}
	if err != nil {
		f.log.Debug().Err(err).Str("account", key.Account).Str("origin", key.Origin).Msg("fleetbreaker: result not shared")
	}
}

// received records another replica's result in the local breaker.
func (f *Fleet) received(m *nats.Msg) {
	var r result
	// A result without an account comes from a release that shared
	// breakers among accounts: it cannot be attributed, so it is dropped.
	if json.Unmarshal(m.Data, &r) != nil || r.Origin == "" || !flowevent.ValidAccount(r.Account) || r.Replica == f.cfg.Replica {
		return
	}
	key := breaker.Key{Account: r.Account, Origin: r.Origin}
	if r.Fault {
		f.markFailing(key)
		f.reg.Record(key, breaker.Fault)
		return
	}
	if f.nFailing.Load() > 0 {
		f.clearFailing(key)
	}
	f.reg.Record(key, breaker.Success)
}

func (f *Fleet) markFailing(key breaker.Key) {
	if _, loaded := f.failing.Swap(key, f.clock.Now()); !loaded {
		f.nFailing.Add(1)
	}
}

// clearFailing forgets key's run of faults; it reports whether there was
// one.
func (f *Fleet) clearFailing(key breaker.Key) bool {
	if _, ok := f.failing.LoadAndDelete(key); ok {
		f.nFailing.Add(-1)
		return true
	}
	return false
}
