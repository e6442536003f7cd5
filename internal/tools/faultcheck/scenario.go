package faultcheck

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// Timing every scenario shares. The ack wait is the shortest the topology
// check allows, so that redeliveries after a crash come quickly.
const (
	ackWait    = 3 * time.Second
	maxDeliver = 5
	// breakerOpen is how long a tripped breaker refuses requests.
	breakerOpen = time.Second
)

// scenario is one fault and what must hold despite it.
type scenario struct {
	name, about string
	// maxDeliver overrides the consumer's MaxDeliver when not zero.
	maxDeliver int
	// flags are added to every replica's serve flags.
	flags []string
	// node adjusts the node every event carries.
	node func(n *flowevent.NodeConfig)
	// faultEnv is the fault point of replica i's n-th start ("" none).
	faultEnv func(p Params, i, start int) string
	// receiver answers requests; default 200 at once.
	receiver func(p Params, start time.Time) behaviour
	// inject runs while events are published: the fault itself.
	inject func(ctx context.Context, r *run) error
	// expect returns the route and reason id's outcome must have.
	expect func(r *run, id string) (flowevent.Route, flowevent.Reason)
	// check adds the scenario's own findings to the report.
	check func(r *run, rep *Report)
}

// matched is what a healthy event ends with.
func matched(*run, string) (flowevent.Route, flowevent.Reason) {
	return flowevent.RouteYes, flowevent.ReasonMatched
}

// scenarios returns every scenario, in the order they run.
func scenarios() []scenario {
	return []scenario{
		{
			name:  "kill-after-response",
			about: "SIGKILL after the receiver answered, before the outcome is published",
			faultEnv: func(p Params, i, start int) string {
				return firstStartOnly(start, fmt.Sprintf("%s:%d", dispatch.FaultAfterResponse, killAt(p, i)))
			},
			expect: matched,
			check: func(r *run, rep *Report) {
				requireCrashes(rep, r.p.Replicas)
				// The event answered but not published is sent again.
				if rep.DuplicateDeliveries == 0 {
					rep.fail("no event was delivered twice: the kill did not land between the answer and the publish")
				}
			},
		},
		{
			name:  "kill-before-ack",
			about: "SIGKILL after the outcome's PubAck, before the input's ack",
			faultEnv: func(p Params, i, start int) string {
				return firstStartOnly(start, fmt.Sprintf("%s:%d", dispatch.FaultBeforeAck, killAt(p, i)))
			},
			expect: matched,
			check:  func(r *run, rep *Report) { requireCrashes(rep, r.p.Replicas) },
		},
		{
			name:  "nats-restart",
			about: "the NATS server restarts under load (file storage, same port and store), retries pending on it",
			// Every event's first try fails, so each has a retry scheduled
			// on the bus when the server goes down; the breaker stays out
			// of the way.
			flags:    []string{"--breaker-failures", "1000000"},
			receiver: firstTryFails,
			node: func(n *flowevent.NodeConfig) {
				n.Retry = &flowevent.RetryPolicy{MaxAttempts: 3, InitialDelayMS: 1000, DeadlineMS: 45_000}
			},
			inject: restartNATS,
			expect: matched,
			check: func(r *run, rep *Report) {
				if r.natsRestarts == 0 {
					rep.fail("NATS was not restarted")
				}
				if r.schedulesAtRestart == 0 {
					rep.fail("no retry was pending on the bus when NATS went down")
				}
				rep.note("%d retries pending on the bus at the restart", r.schedulesAtRestart)
			},
		},
		{
			name:     "flapping-retry",
			about:    "the receiver fails (503) for a while, then recovers; nodes retry",
			receiver: flapping,
			node: func(n *flowevent.NodeConfig) {
				n.Retry = &flowevent.RetryPolicy{MaxAttempts: 15, InitialDelayMS: 200, MaxDelayMS: 1000, DeadlineMS: 45_000}
			},
			expect: matched,
			check:  requireRetries,
		},
		{
			name:     "flapping-hold",
			about:    "the receiver fails (503) for a while, then recovers; nodes hold while the breaker is open",
			receiver: flapping,
			node: func(n *flowevent.NodeConfig) {
				// Few tries: waiting through open periods must not use them.
				n.Retry = &flowevent.RetryPolicy{MaxAttempts: 4, InitialDelayMS: 200, MaxDelayMS: 1000, DeadlineMS: 45_000}
				n.Hold = &flowevent.HoldPolicy{MaxWaitMS: 45_000}
			},
			expect: matched,
			check: func(r *run, rep *Report) {
				requireRetries(r, rep)
				if rep.ScheduledHolds == 0 {
					rep.fail("no event was held: the breaker did not open while events were sent")
				}
			},
		},
		{
			name:  "slow-receiver",
			about: "the receiver answers after 3/4 of the ack wait",
			// Every worker may call the one slow endpoint: with the
			// default cap (half the workers) the full run's 2000 events
			// take longer than the scenario's timeout, and the cap is not
			// what this scenario is about.
			flags: []string{"--endpoint-max-concurrency", "-1"},
			receiver: func(Params, time.Time) behaviour {
				return func(string, time.Time) (int, time.Duration) { return http.StatusOK, ackWait * 3 / 4 }
			},
			expect: matched,
			check: func(r *run, rep *Report) {
				// In-progress signals keep every message with its replica.
				if rep.DuplicateDeliveries != 0 {
					rep.fail("%d duplicate deliveries: a slow call was redelivered", rep.DuplicateDeliveries)
				}
			},
		},
		{
			name:       "poison",
			about:      "one event kills every process that takes it, until MaxDeliver",
			maxDeliver: 3,
			faultEnv: func(p Params, _, _ int) string {
				return dispatch.FaultEvent + ":" + poisonID(p)
			},
			expect: func(r *run, id string) (flowevent.Route, flowevent.Reason) {
				if id == poisonID(r.p) {
					return flowevent.RouteNo, flowevent.ReasonMaxDeliveries
				}
				return flowevent.RouteYes, flowevent.ReasonMatched
			},
			check: func(r *run, rep *Report) {
				requireCrashes(rep, 3)
				if rep.DeadLetters[flowevent.ReasonMaxDeliveries] != 1 {
					rep.fail("dead letters %v, want one max_deliveries", rep.DeadLetters)
				}
			},
		},
		{
			name:  "sigterm",
			about: "SIGTERM to every replica under load, then a restart",
			receiver: func(Params, time.Time) behaviour {
				return func(string, time.Time) (int, time.Duration) { return http.StatusOK, 100 * time.Millisecond }
			},
			inject: terminateAll,
			expect: matched,
			check: func(r *run, rep *Report) {
				if rep.Terminations == 0 {
					rep.fail("no replica was terminated")
				}
				if rep.UncleanExits != 0 {
					rep.fail("%d replicas did not exit cleanly within the grace period", rep.UncleanExits)
				}
				// What finished before the SIGTERM is not redelivered.
				if rep.DuplicateDeliveries != 0 {
					rep.fail("%d duplicate deliveries after a graceful stop", rep.DuplicateDeliveries)
				}
			},
		},
	}
}

// killAt is the event count at which replica i kills itself: different
// per replica, early enough that work remains.
func killAt(p Params, i int) int { return max(1, p.Events/(4*p.Replicas)*(i+1)) }

func firstStartOnly(start int, env string) string {
	if start == 0 {
		return env
	}
	return ""
}

// poisonID is the id of the poison event: one in the middle.
func poisonID(p Params) string { return eventID("poison", p.Events/2) }

// flapping answers 503 from half a second after start for a third of the
// publishing window (at least two seconds), then 200.
func flapping(p Params, start time.Time) behaviour {
	from := start.Add(500 * time.Millisecond)
	until := from.Add(max(2*time.Second, p.Duration/3))
	return func(_ string, at time.Time) (int, time.Duration) {
		if at.After(from) && at.Before(until) {
			return http.StatusServiceUnavailable, 0
		}
		return http.StatusOK, 0
	}
}

// firstTryFails answers an id's first request 503 and every later one
// 200, each after 100ms so that work is in flight at any moment.
func firstTryFails(Params, time.Time) behaviour {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(id string, _ time.Time) (int, time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if !seen[id] {
			seen[id] = true
			return http.StatusServiceUnavailable, 100 * time.Millisecond
		}
		return http.StatusOK, 100 * time.Millisecond
	}
}

// restartNATS restarts the server halfway through publishing, down for a
// quarter of the window (at least 2s; longer than the ack wait in the full
// version).
func restartNATS(ctx context.Context, r *run) error {
	if !sleepCtx(ctx, r.p.Duration/2) {
		return nil
	}
	r.natsRestarts++
	r.schedulesAtRestart = r.pendingSchedules(ctx)
	down := max(2*time.Second, r.p.Duration/4)
	r.note("NATS down for %s", down)
	return r.nats.restart(down)
}

// terminateAll sends SIGTERM to every replica halfway through publishing;
// their supervisors start them again a second after they exit.
func terminateAll(ctx context.Context, r *run) error {
	if !sleepCtx(ctx, r.p.Duration/2) {
		return nil
	}
	for _, rep := range r.replicas {
		rep.signal(syscall.SIGTERM)
	}
	return nil
}

func requireCrashes(rep *Report, n int) {
	if rep.Crashes < n {
		rep.fail("%d replica crashes, want at least %d: the fault point was not reached", rep.Crashes, n)
	}
}

func requireRetries(_ *run, rep *Report) {
	if rep.MaxAttempts < 2 {
		rep.fail("no event needed a second attempt: the receiver did not flap while events were sent")
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
