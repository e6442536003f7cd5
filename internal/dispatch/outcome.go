package dispatch

import (
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// outcomeDraft is an outcome being filled in.
type outcomeDraft struct {
	flowevent.Outcome
	// onError is the node's error action.
	onError flowevent.Route
	// now is the clock of CompletedAt.
	now func() time.Time
}

// newOutcome starts the outcome of ev: its ids, completed now until
// finish says when.
func newOutcome(ev flowevent.Event, req *flowevent.Request, now func() time.Time) *outcomeDraft {
	return &outcomeDraft{onError: req.Node.OnError, now: now, Outcome: flowevent.Outcome{
		RequestID:   ev.ID,
		Account:     req.Account,
		FlowID:      req.FlowID,
		NodeID:      req.NodeID,
		ProfileID:   req.Profile.ID,
		CompletedAt: now(),
	}}
}

// finish sets the route, reason and success, completed now. An
// unreadable error action falls back to flowevent.DefaultErrorAction.
func (o *outcomeDraft) finish(route flowevent.Route, reason flowevent.Reason, detail string, success bool) {
	if !route.Valid() {
		route = flowevent.DefaultErrorAction
	}
	o.Route, o.Reason, o.Detail, o.Success = route, reason, detail, success
	o.CompletedAt = o.now().UTC()
}

// pendingAck is an input waiting for the PubAck of what was stored for it
// (its outcome or its schedule). It is kept in progress meanwhile: its ack
// wait runs, and the acker may be waiting on an earlier PubAck.
type pendingAck struct {
	future    jetstream.PubAckFuture
	msg       jetstream.Msg
	requestID string
	// kept holds the input's in-progress signals until it is settled.
	kept keepToken
}

// queueAck hands msg to the acker, to be acked after fut's PubAck.
func (d *Dispatcher) queueAck(fut jetstream.PubAckFuture, msg jetstream.Msg, requestID string) {
	d.acks <- pendingAck{future: fut, msg: msg, requestID: requestID, kept: d.keeper.keep(msg)}
}

// publishOutcome publishes the outcome asynchronously; the acker acks the
// input once JetStream acknowledged the outcome. If the publish cannot
// even be started, the input is handed back for redelivery.
func (d *Dispatcher) publishOutcome(ev flowevent.Event, out flowevent.Outcome, msg jetstream.Msg) {
	m, err := flowevent.NewOutcomeMsg(ev, out)
	if err != nil {
		d.log.Error().Err(err).Str("request_id", ev.ID).Msg("dispatch: encode outcome")
		_ = msg.NakWithDelay(time.Second)
		return
	}
	fut, err := d.js.PublishMsgAsync(m)
	if err != nil {
		d.log.Warn().Err(err).Str("request_id", ev.ID).Msg("dispatch: publish outcome; handing input back")
		_ = msg.NakWithDelay(time.Second)
		return
	}
	d.logOutcome(out)
	d.obs.Outcome(out)
	d.queueAck(fut, msg, ev.ID)
}

// runAcker acks inputs in the order their outcomes were published, each
// after its PubAck; an outcome whose publish failed leaves its input to be
// handed back and redelivered. It returns when d.acks is closed and empty.
func (d *Dispatcher) runAcker() {
	for p := range d.acks {
		select {
		case <-p.future.Ok():
			d.faults.hit(FaultBeforeAck)
			_ = p.msg.Ack()
		case err := <-p.future.Err():
			d.log.Warn().Err(err).Str("request_id", p.requestID).Msg("dispatch: outcome not stored; handing input back")
			_ = p.msg.NakWithDelay(time.Second)
		}
		d.keeper.release(p.kept)
	}
}

// logOutcome logs one outcome: at debug level when it matched, at info
// when it did not, at warn for a blocked destination (a node aimed at an
// internal address). The endpoint is named by its origin only; the detail
// is the outcome's own, free of personal data and secrets by contract.
func (d *Dispatcher) logOutcome(o flowevent.Outcome) {
	ev := d.log.Debug()
	switch {
	case o.Reason == flowevent.ReasonBlockedDestination:
		ev = d.log.Warn()
	case !o.Success:
		ev = d.log.Info()
	}
	if !ev.Enabled() {
		return
	}
	ev = ev.Str("request_id", o.RequestID).Str("account", o.Account).Str("flow_id", o.FlowID).
		Str("node_id", o.NodeID).Str("route", string(o.Route)).Str("reason", string(o.Reason))
	if o.Endpoint != nil {
		ev = ev.Str("origin", endpointOrigin(o.Endpoint))
	}
	if o.Detail != "" {
		ev = ev.Str("detail", o.Detail)
	}
	ev.Int("status", o.Status).Float64("duration_ms", o.DurationMS).Msg("outcome")
}

// endpointOrigin writes an endpoint as scheme://host:port, an IPv6 host in
// brackets: the form of request.Target.Origin and the breakers' keys.
func endpointOrigin(e *flowevent.Endpoint) string {
	host := e.Host
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]"
	}
	return e.Scheme + "://" + host + ":" + strconv.Itoa(e.Port)
}
