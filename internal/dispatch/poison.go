package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// poisonQueue is the queue group of the max-deliveries advisory
// subscription: each advisory reaches one replica.
const poisonQueue = "flowhook-poison"

// poisonAdvisory is the part of JetStream's max-deliveries advisory that
// flowhook reads.
type poisonAdvisory struct {
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// poisonMsg is a request-stream message that exhausted MaxDeliver, and
// how it was found ("advisory" or "sweep").
type poisonMsg struct {
	seq, deliveries uint64
	via             string
}

// poisonWatch is the advisory subscription and the request stream.
type poisonWatch struct {
	stream jetstream.Stream
	sub    *nats.Subscription
	found  chan poisonMsg
}

// watchPoison subscribes to the lanes' max-deliveries advisories (in a
// queue group: each advisory reaches one replica). Run calls it before it
// starts pulling, so that no advisory its own pulls cause is missed.
func (d *Dispatcher) watchPoison(ctx context.Context) *poisonWatch {
	info := d.lanes[0].CachedInfo()
	lanes := map[string]bool{}
	for _, c := range d.lanes {
		lanes[c.CachedInfo().Name] = true
	}
	w := &poisonWatch{found: make(chan poisonMsg, 256)}
	stream, err := d.js.Stream(ctx, info.Stream)
	if err != nil {
		d.log.Error().Err(err).Msg("dispatch: poison watch: request stream; max-delivered events are not captured")
		return w
	}
	w.stream = stream
	subject := fmt.Sprintf("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.%s.*", info.Stream)
	nc := d.js.Conn()
	w.sub, err = nc.QueueSubscribe(subject, poisonQueue, func(m *nats.Msg) {
		var a poisonAdvisory
		if json.Unmarshal(m.Data, &a) != nil || a.StreamSeq == 0 || !lanes[a.Consumer] {
			return
		}
		select {
		case w.found <- poisonMsg{seq: a.StreamSeq, deliveries: a.Deliveries, via: "advisory"}:
		default: // the sweep will find it
		}
	})
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		d.log.Error().Err(err).Msg("dispatch: poison watch: subscribe to advisories; relying on the sweep")
	}
	return w
}

// capturePoison captures, until ctx ends, every request event that
// exhausted the consumer's MaxDeliver: JetStream keeps such a message in
// the stream and only sends an advisory. Advisories are core NATS, lost
// when the replica that got one dies before acting on it, so a sweep also
// runs at start and every PoisonSweep: it captures request messages the
// consumer has passed (at or below its ack floor) but that are still in
// the work-queue stream.
func (d *Dispatcher) capturePoison(ctx context.Context, w *poisonWatch) {
	if w.sub != nil {
		defer func() { _ = w.sub.Unsubscribe() }()
	}
	if w.stream == nil {
		return
	}
	d.sweepPoison(ctx, w.stream)
	tick := time.NewTicker(d.cfg.PoisonSweep)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-w.found:
			d.captureSeq(ctx, w.stream, p)
		case <-tick.C:
			d.sweepPoison(ctx, w.stream)
		}
	}
}

// sweepPoison captures every request message at or below its lane's ack
// floor: in a work-queue stream an acked message is gone, so what is left
// there was given up after MaxDeliver. The server moves the floor a moment
// before it removes an acked message, so a candidate is captured only if
// it is still there sweepConfirm later.
func (d *Dispatcher) sweepPoison(ctx context.Context, stream jetstream.Stream) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var suspects []poisonMsg
	for _, lane := range d.lanes {
		ci, err := lane.Info(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return // stopping: not a problem to report
			}
			d.log.Warn().Err(err).Msg("dispatch: poison sweep: consumer info")
			continue
		}
		for _, seq := range d.poisonSuspects(ctx, stream, ci.Config.FilterSubject, ci.AckFloor.Stream) {
			suspects = append(suspects, poisonMsg{seq: seq, deliveries: uint64(ci.Config.MaxDeliver), via: "sweep"})
		}
	}
	if len(suspects) == 0 {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(sweepConfirm):
	}
	for _, p := range suspects {
		d.captureSeq(ctx, stream, p)
	}
}

// sweepConfirm is how long a sweep's suspect must stay in the stream to be
// taken for poison: far longer than the server takes to remove an acked
// message.
var sweepConfirm = time.Second

// maxSuspects bounds one sweep's work; the next sweep takes the rest.
const maxSuspects = 1000

// poisonSuspects lists a lane's messages (subject filter) at or below its
// ack floor.
func (d *Dispatcher) poisonSuspects(ctx context.Context, stream jetstream.Stream, filter string, floor uint64) []uint64 {
	var out []uint64
	for seq := uint64(1); seq <= floor && len(out) < maxSuspects; {
		raw, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if err != nil {
			if !errors.Is(err, jetstream.ErrMsgNotFound) && ctx.Err() == nil {
				d.log.Warn().Err(err).Msg("dispatch: poison sweep")
			}
			break
		}
		if raw.Sequence > floor {
			break
		}
		out = append(out, raw.Sequence)
		seq = raw.Sequence + 1
	}
	return out
}

// captureSeq captures the message an advisory names.
func (d *Dispatcher) captureSeq(ctx context.Context, stream jetstream.Stream, p poisonMsg) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	raw, err := stream.GetMsg(ctx, p.seq)
	if err != nil {
		if !errors.Is(err, jetstream.ErrMsgNotFound) {
			d.log.Warn().Err(err).Uint64("stream_seq", p.seq).Msg("dispatch: poison message not read; the sweep retries")
		}
		return
	}
	d.capture(ctx, stream, raw, p)
}

// capture gives a max-delivered request event its end: a terminal outcome
// (reason max_deliveries, the node's error action) when it names a profile
// at a node and has none stored yet, a dead letter, then its removal from
// the stream. Every step is idempotent (outcome and dead letter are
// de-duplicated by id), so replicas racing on one message, or a crash
// half-way, store each record once; a failed step leaves the message for
// the next sweep.
func (d *Dispatcher) capture(ctx context.Context, stream jetstream.Stream, raw *jetstream.RawStreamMsg, p poisonMsg) {
	deliveries := p.deliveries
	if !hasPrefixFold(raw.Subject, flowevent.RequestSubjectPrefix) {
		return
	}
	ev, req, decodeErr := flowevent.DecodeRequest(raw.Header, raw.Data)
	if decodeErr != nil {
		var de *flowevent.DecodeError
		if errors.As(decodeErr, &de) {
			ev, req = flowevent.Event{ID: de.EventID}, de.Partial
		}
	}
	req.Account, _ = flowevent.AccountOfRequestSubject(raw.Subject)
	ev.ID = answerableID(ev.ID, raw.Sequence)
	detail := fmt.Sprintf("delivered %d times without finishing (max deliver); the event made the process fail or stall", deliveries)
	log := d.log.With().Uint64("stream_seq", raw.Sequence).Str("request_id", ev.ID).Str("found_by", p.via).Logger()
	named := ev.ID != "" && flowevent.ValidAccount(req.Account) && req.FlowID != "" && req.NodeID != "" && req.Profile.ID != ""
	if named && d.outcomeStored(ctx, req.Account, ev.ID) {
		// It finished, only its ack was lost every time: nothing to answer.
		log.Info().Msg("dispatch: max-delivered event already has its outcome; removing it")
		d.deletePoison(ctx, stream, raw.Sequence, log)
		return
	}
	if p.via == "sweep" && d.mayStillFinish(raw, req.Node, deliveries) {
		log.Debug().Msg("dispatch: poison sweep: suspect too young to judge; left for a later sweep")
		return
	}
	dl := flowevent.DeadLetter{
		Reason: flowevent.ReasonMaxDeliveries, Detail: detail, Subject: publishedSubject(raw.Subject),
		Headers: raw.Header, Original: raw.Data, StreamSeq: raw.Sequence, Deliveries: deliveries,
		RequestID: ev.ID, Account: req.Account, FlowID: req.FlowID, NodeID: req.NodeID, ProfileID: req.Profile.ID,
		DeadLetteredAt: d.now().UTC(),
	}
	if named {
		out := newOutcome(ev, &req, d.now)
		out.finish(req.Node.OnError, flowevent.ReasonMaxDeliveries, detail, false)
		st := readState(raw.Header, d.now())
		out.Attempts, out.DurationMS = st.sent, st.spentMS
		if err := d.publishSync(ctx, func() (*nats.Msg, error) { return flowevent.NewOutcomeMsg(ev, out.Outcome) }); err != nil {
			log.Warn().Err(err).Msg("dispatch: outcome of max-delivered event not stored; the sweep retries")
			return
		}
		dl.OutcomePublished = true
		d.obs.Outcome(out.Outcome)
	}
	if err := d.publishSync(ctx, func() (*nats.Msg, error) { return flowevent.NewDeadLetterMsg(dl, d.maxPayload()) }); err != nil {
		log.Warn().Err(err).Msg("dispatch: dead letter of max-delivered event not stored; the sweep retries")
		return
	}
	log.Warn().Str("reason", string(flowevent.ReasonMaxDeliveries)).Bool("outcome_published", dl.OutcomePublished).
		Msg("dispatch: input dead-lettered")
	d.obs.DeadLettered(flowevent.ReasonMaxDeliveries)
	d.deletePoison(ctx, stream, raw.Sequence, log)
}

// mayStillFinish reports whether a message the sweep found may be a copy
// whose event is still being worked on: an input acked (for its outcome or
// its scheduled retry) whose removal from the work-queue stream was lost,
// as when the server stops between the two. Such a message looks like
// poison, but its event's own outcome is still to come, so the sweep gives
// it the time the event may legitimately take (its node's retry deadline
// or hold limit, every delivery's ack wait and the longest call) before it
// answers for it. The advisory, sent only for a message the server really
// gave up on, needs no such wait.
func (d *Dispatcher) mayStillFinish(raw *jetstream.RawStreamMsg, node flowevent.NodeConfig, maxDeliver uint64) bool {
	grace := node.LongestWait() + d.cfg.AckWait*time.Duration(max(maxDeliver, 1)) + d.cfg.MaxTimeout
	return d.now().Before(raw.Time.Add(grace))
}

// publishSync builds a message and publishes it, waiting for its PubAck.
func (d *Dispatcher) publishSync(ctx context.Context, build func() (*nats.Msg, error)) error {
	m, err := build()
	if err != nil {
		return err
	}
	_, err = d.js.PublishMsg(ctx, m)
	return err
}

func (d *Dispatcher) deletePoison(ctx context.Context, stream jetstream.Stream, seq uint64, log zerolog.Logger) {
	if err := stream.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		log.Warn().Err(err).Msg("dispatch: max-delivered event not removed; the sweep retries")
	}
}
