package dispatch

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// handle takes one message to its end: an outcome (acked after its PubAck),
// a dead letter (then terminated), or a hand-back (Nak) when shutdown cut
// the work short.
func (d *Dispatcher) handle(work context.Context, msg jetstream.Msg) {
	defer d.keeper.release(d.keeper.keep(msg))
	defer d.track()()

	if len(msg.Data()) > d.cfg.MaxEventBytes {
		d.reject(work, msg, flowevent.ReasonEventTooLarge, "request event exceeds the size cap", nil)
		return
	}
	ev, req, err := d.decoder.DecodeReferenced(msg.Headers(), msg.Data())
	if err != nil {
		d.reject(work, msg, flowevent.ReasonInvalidEvent, err.Error(), err)
		return
	}
	if acct, _ := flowevent.AccountOfRequestSubject(msg.Subject()); acct != req.Account {
		d.reject(work, msg, flowevent.ReasonInvalidEvent, "data.account does not match the subject's account token", nil)
		return
	}
	st := readState(msg.Headers(), d.now())
	if (st.scheduled() || d.mayHaveOutcome(msg)) && d.outcomeStored(work, req.Account, ev.ID) {
		d.log.Debug().Str("request_id", ev.ID).Msg("dispatch: outcome already stored; acking redelivery")
		_ = msg.Ack()
		return
	}
	d.faults.event(ev.ID)
	ev, endSpan := d.tracer.Start(work, ev, &req)
	r := d.attempt.try(work, ev, &req)
	if r.handBack {
		endSpan(flowevent.Outcome{})
		_ = msg.Nak()
		return
	}
	if r.throttled {
		endSpan(flowevent.Outcome{})
		d.park(ev, req.Account, msg, st, r)
		return
	}
	if r.sent {
		d.faults.hit(FaultAfterResponse)
	}
	again, out := d.plan(req.Node, st, r, d.now())
	endSpan(out)
	if again != nil {
		d.schedule(ev, req.Account, msg, again)
		return
	}
	d.publishOutcome(ev, out, msg)
}

func (d *Dispatcher) redelivered(msg jetstream.Msg) bool {
	meta, err := msg.Metadata()
	return err == nil && meta.NumDelivered > 1
}

// outcomeStored reports whether the outcome of account's requestID is
// already on the outcome stream (a redelivery after the outcome was stored
// but before the ack reached the server). An event stored before the
// upgrade to account-scoped ids may have its outcome under the old key:
// that subject is the account's too, and is looked up second.
func (d *Dispatcher) outcomeStored(ctx context.Context, account, requestID string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, subject := range [...]string{flowevent.OutcomeSubject(account, requestID), flowevent.LegacyOutcomeSubject(account, requestID)} {
		if _, err := d.outcomes.GetLastMsgForSubject(ctx, subject); err == nil {
			return true
		}
	}
	return false
}
