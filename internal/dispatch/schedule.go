package dispatch

import (
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

// JetStream message-schedule headers (nats-server 2.12 and later).
const (
	headerSchedule       = "Nats-Schedule"
	headerScheduleTarget = "Nats-Schedule-Target"
)

// scheduleSubject is where the pending schedule of a request event lives:
// one subject per event, so a newer schedule replaces an older one.
func scheduleSubject(account, requestID string) string {
	return bus.ScheduleSubjectPrefix + account + "." + flowevent.OutcomeKey(account, requestID)
}

// schedule asks JetStream to put a copy of msg back on its account's
// request subject at
// n.at, carrying the delivery state n.state, and acks msg once the
// schedule is stored (the acker waits for its PubAck). If the schedule
// cannot be stored msg is handed back, so the event is never lost.
//
// The schedule lives on the request stream under flowhook.schedule.>,
// which the dispatchers' consumer does not see; it takes no MaxAckPending
// slot and survives any replica. When it is due, JetStream stores the copy
// on the request subject and removes the schedule.
func (d *Dispatcher) schedule(ev flowevent.Event, account string, msg jetstream.Msg, n *next) {
	m := scheduleMsg(ev.ID, account, msg, n)
	fut, err := d.js.PublishMsgAsync(m)
	if err != nil {
		d.log.Warn().Err(err).Str("request_id", ev.ID).Msg("dispatch: schedule retry; handing input back")
		_ = msg.NakWithDelay(time.Second)
		return
	}
	kind, log := "retry", d.log.Info()
	switch {
	case n.hold:
		kind = "hold"
	case n.throttle:
		kind, log = "throttle", d.log.Debug() // routine under load
	}
	log.Str("request_id", ev.ID).Str("kind", kind).Int("attempt", n.state.tries).
		Int("holds", n.state.holds).Str("last_reason", string(n.state.lastReason)).
		Time("due", n.at).Msg("dispatch: try scheduled")
	d.queueAck(fut, msg, ev.ID)
}

// scheduleMsg builds the schedule: the input's payload and headers, minus
// NATS' own and the previous delivery state, plus the new state and the
// schedule headers. Its Nats-Msg-Id names the event and the try, so that a
// redelivered input schedules the same copy only once.
func scheduleMsg(requestID, account string, msg jetstream.Msg, n *next) *nats.Msg {
	m := nats.NewMsg(scheduleSubject(account, requestID))
	for k, v := range msg.Headers() {
		if hasPrefixFold(k, "Nats-") || hasPrefixFold(k, "Flowhook-") {
			continue
		}
		m.Header[k] = v
	}
	n.state.write(m.Header)
	m.Header[headerSchedule] = []string{"@at " + n.at.UTC().Format(time.RFC3339Nano)}
	// The target is the subject a flow engine publishes to: the request
	// stream files the copy as it files a new event (in the account's
	// partition), whatever subject the input was stored under.
	m.Header[headerScheduleTarget] = []string{flowevent.RequestSubject(account)}
	m.Header[nats.MsgIdHdr] = []string{scheduleID(account, requestID, n.state)}
	m.Data = msg.Data()
	return m
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// scheduleID is the Nats-Msg-Id of a schedule: the event and its delivery
// state, which changes with every scheduled copy (a try, a hold or a wait
// for room at the endpoint counts up), so that no two copies of an event
// share an id while a redelivered input reuses its own.
func scheduleID(account, requestID string, st deliveryState) string {
	id := "sched-" + flowevent.OutcomeKey(account, requestID) + "-" + strconv.Itoa(st.tries) + "-" + strconv.Itoa(st.holds)
	if st.throttles > 0 {
		id += "-t" + strconv.Itoa(st.throttles)
	}
	return id
}
