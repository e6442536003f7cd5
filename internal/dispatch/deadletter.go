package dispatch

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// reject dead-letters an input flowhook cannot process and terminates it on
// the input stream. When the input still names a profile at a node, an
// outcome is published first (route: the node's error action if it could be
// read, else flowevent.DefaultErrorAction), so the profile is not left
// waiting. If either publish fails the input is handed back instead, so
// nothing is lost.
func (d *Dispatcher) reject(work context.Context, msg jetstream.Msg, reason flowevent.Reason, detail string, decodeErr error) {
	meta, _ := msg.Metadata()
	dl := flowevent.DeadLetter{
		Reason:         reason,
		Detail:         detail,
		Subject:        publishedSubject(msg.Subject()),
		Headers:        msg.Headers(),
		Original:       msg.Data(),
		DeadLetteredAt: d.now().UTC(),
	}
	if meta != nil {
		dl.StreamSeq, dl.Deliveries = meta.Sequence.Stream, meta.NumDelivered
	}
	ev, req := partialRequest(msg, decodeErr)
	ev.ID = answerableID(ev.ID, dl.StreamSeq)
	// The subject's account token is the authoritative tenant: NATS
	// permissions protect subjects, not payloads.
	req.Account, _ = flowevent.AccountOfRequestSubject(msg.Subject())
	dl.RequestID, dl.Account, dl.FlowID, dl.NodeID, dl.ProfileID = ev.ID, req.Account, req.FlowID, req.NodeID, req.Profile.ID

	ctx, cancel := context.WithTimeout(work, 10*time.Second)
	defer cancel()
	if ev.ID != "" && flowevent.ValidAccount(req.Account) && req.FlowID != "" && req.NodeID != "" && req.Profile.ID != "" {
		out := newOutcome(ev, &req, d.now)
		out.finish(req.Node.OnError, reason, detail, false)
		m, err := flowevent.NewOutcomeMsg(ev, out.Outcome)
		if err == nil {
			_, err = d.js.PublishMsg(ctx, m)
		}
		if err != nil {
			d.log.Warn().Err(err).Str("request_id", ev.ID).Msg("dispatch: outcome for rejected input not stored; handing back")
			_ = msg.NakWithDelay(time.Second)
			return
		}
		dl.OutcomePublished = true
		d.obs.Outcome(out.Outcome)
	}
	m, err := flowevent.NewDeadLetterMsg(dl, d.maxPayload())
	if err == nil {
		m.Header.Set(jetstreamMsgID, "dl-"+strconv.FormatUint(dl.StreamSeq, 10))
		_, err = d.js.PublishMsg(ctx, m)
	}
	if err != nil {
		d.log.Warn().Err(err).Uint64("stream_seq", dl.StreamSeq).Msg("dispatch: dead letter not stored; handing back")
		_ = msg.NakWithDelay(time.Second)
		return
	}
	d.log.Warn().Str("reason", string(reason)).Str("detail", detail).Uint64("stream_seq", dl.StreamSeq).
		Str("request_id", ev.ID).Bool("outcome_published", dl.OutcomePublished).Msg("dispatch: input dead-lettered")
	d.obs.DeadLettered(reason)
	_ = msg.TermWithReason(string(reason))
}

const jetstreamMsgID = "Nats-Msg-Id"

// maxPayload is the largest message the NATS server takes (0: unknown):
// a dead letter is cut to fit it rather than refused.
func (d *Dispatcher) maxPayload() int {
	if nc := d.js.Conn(); nc != nil {
		return int(nc.MaxPayload())
	}
	return 0
}

// unidentifiedPrefix starts the request id flowhook gives the outcome of
// an input without an id of its own that still names a profile at a node:
// "_seq-" and the input's position in the request stream, which stays the
// same on every redelivery, so the outcome is still published once.
const unidentifiedPrefix = "_seq-"

// answerableID is id, or for an input without one the id its outcome and
// dead letter carry (see unidentifiedPrefix); "" when neither is known.
func answerableID(id string, streamSeq uint64) string {
	if id != "" || streamSeq == 0 {
		return id
	}
	return unidentifiedPrefix + strconv.FormatUint(streamSeq, 10)
}

// publishedSubject is the subject a request event was published on, as a
// dead letter records it: the request stream files events under a
// partition (flowhook.request.<partition>.<account>), which is not part of
// the contract.
func publishedSubject(stored string) string {
	if account, ok := flowevent.AccountOfRequestSubject(stored); ok {
		return flowevent.RequestSubject(account)
	}
	return stored
}

// partialRequest returns what could be read of an input's ids: from the
// decode error when decoding failed, else by decoding again.
func partialRequest(msg jetstream.Msg, decodeErr error) (flowevent.Event, flowevent.Request) {
	var de *flowevent.DecodeError
	if errors.As(decodeErr, &de) {
		return flowevent.Event{ID: de.EventID}, de.Partial
	}
	ev, req, _ := flowevent.DecodeRequest(msg.Headers(), msg.Data())
	return ev, req
}
