package fleetbreaker

import (
	"encoding/json"

	"github.com/nats-io/nats.go"

	"github.com/flowhook/flowhook/internal/breaker"
)

// result is one broadcast result of a call to an origin whose breaker was
// closed: a fault, or the success that ended a run of faults.
type result struct {
	Origin  string `json:"origin"`
	Replica string `json:"replica"`
	Fault   bool   `json:"fault"`
}

// counted shares the result of one of this replica's calls (not a probe).
// A fault is always sent; a success only when it ends a run of faults
// this replica knows of, so a healthy endpoint costs no message.
func (f *Fleet) counted(origin string, res breaker.Result) {
	switch res {
	case breaker.Fault:
		f.markFailing(origin)
		f.broadcast(origin, true)
	case breaker.Success:
		if f.nFailing.Load() > 0 && f.clearFailing(origin) {
			f.broadcast(origin, false)
		}
	}
}

func (f *Fleet) broadcast(origin string, fault bool) {
	data, err := json.Marshal(result{Origin: origin, Replica: f.cfg.Replica, Fault: fault})
	if err == nil {
		err = f.nc.Publish(f.cfg.Subject, data)
	}
	if err != nil {
		f.log.Debug().Err(err).Str("origin", origin).Msg("fleetbreaker: result not shared")
	}
}

// received records another replica's result in the local breaker.
func (f *Fleet) received(m *nats.Msg) {
	var r result
	if json.Unmarshal(m.Data, &r) != nil || r.Origin == "" || r.Replica == f.cfg.Replica {
		return
	}
	if r.Fault {
		f.markFailing(r.Origin)
		f.reg.Record(r.Origin, breaker.Fault)
		return
	}
	if f.nFailing.Load() > 0 {
		f.clearFailing(r.Origin)
	}
	f.reg.Record(r.Origin, breaker.Success)
}

func (f *Fleet) markFailing(origin string) {
	if _, loaded := f.failing.Swap(origin, f.clock.Now()); !loaded {
		f.nFailing.Add(1)
	}
}

// clearFailing forgets origin's run of faults; it reports whether there
// was one.
func (f *Fleet) clearFailing(origin string) bool {
	if _, ok := f.failing.LoadAndDelete(origin); ok {
		f.nFailing.Add(-1)
		return true
	}
	return false
}
