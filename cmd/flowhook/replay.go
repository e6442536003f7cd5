package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

func init() {
	register("replay", "re-publish dead-lettered request events after a fix (--dry-run lists them)", runReplay)
}

// replayFlags select dead letters and say what to do with them.
type replayFlags struct {
	account, flow, node, reason string
	since, until                timeFlag
	stream                      string
	dryRun                      bool
	limit                       int
	timeout                     time.Duration
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", "replay [--account ID] [--flow ID] [--node-id ID] [--reason R] [--since T] [--until T] [--dry-run]\n\n"+
		"Re-publishes dead-lettered request events to the subject they came on, with their\n"+
		"original bytes and headers (NATS and Flowhook-* bookkeeping headers dropped, so each\n"+
		"starts afresh) and a Flowhook-Replay header. Each keeps its CloudEvent id, so its\n"+
		"outcome id and idempotency key are the ones it would have had. Dead letters whose\n"+
		"event already got an outcome (the profile took the node's error path) are skipped:\n"+
		"replaying them would route the profile twice. The dead-letter records stay.\n"+
		"T is RFC 3339 (2026-03-01T10:00:00Z) or a duration back from now (90m, 24h).\n"+
		"Exit 0: done (or nothing selected); 1: a publish failed or NATS unreachable; 2: bad flags.",
		"flowhook replay --nats-url nats://nats:4222 --account acme --reason max_deliveries --since 24h --dry-run", stderr)
	conn := bindNATSFlags(fs)
	var f replayFlags
	fs.StringVar(&f.account, "account", "", "only dead letters of this account")
	fs.StringVar(&f.flow, "flow", "", "only this flow")
	fs.StringVar(&f.node, "node-id", "", "only this node id")
	fs.StringVar(&f.reason, "reason", "", "only this dead-letter reason (e.g. invalid_event, event_too_large, max_deliveries)")
	fs.Var(&f.since, "since", "only dead letters written at or after this time: RFC 3339 (2026-03-01T10:00:00Z) or a duration back from now (24h)")
	fs.Var(&f.until, "until", "only dead letters written before this time: RFC 3339 or a duration back from now")
	fs.StringVar(&f.stream, "stream", bus.DefaultDeadLetterStream, "dead-letter stream")
	fs.BoolVar(&f.dryRun, "dry-run", false, "list what would be replayed; publish nothing")
	fs.IntVar(&f.limit, "limit", 0, "replay at most this many (0: no limit)")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up after this long")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook replay:", err)
		return exitUsage
	}
	if err := f.check(fs.NArg()); err != nil {
		fmt.Fprintln(stderr, "flowhook replay:", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	nc, js, err := connectJetStream(*conn, "flowhook-replay")
	if err != nil {
		fmt.Fprintln(stderr, "flowhook replay:", err)
		return exitFailure
	}
	defer nc.Close()
	r := &replayer{flags: f, js: js, out: stdout, now: time.Now()}
	err = r.run(ctx)
	r.summary()
	if err != nil {
		fmt.Fprintln(stderr, "flowhook replay:", err)
		return exitFailure
	}
	return exitOK
}

func (f replayFlags) check(nargs int) error {
	switch {
	case nargs > 0:
		return errors.New("unexpected arguments")
	case f.account != "" && !flowevent.ValidAccount(f.account):
		return errors.New("--account: 1 to 64 characters from A-Z a-z 0-9 _ -")
	case !f.since.t.IsZero() && !f.until.t.IsZero() && !f.until.t.After(f.since.t):
		return errors.New("--until must be after --since")
	case f.limit < 0:
		return errors.New("--limit must be >= 0")
	}
	return nil
}

// replayer walks the dead-letter stream once and replays what is selected.
type replayer struct {
	flags replayFlags
	js    jetstream.JetStream
	out   io.Writer
	now   time.Time
	// counts
	seen, replayed, duplicate int
	skipped                   map[string]int
}

// run reads every dead letter in the selection, oldest first, up to the
// stream's last message when it started.
func (r *replayer) run(ctx context.Context) error {
	r.skipped = map[string]int{}
	stream, err := r.js.Stream(ctx, r.flags.stream)
	if err != nil {
		return fmt.Errorf("dead-letter stream %s: %w", r.flags.stream, err)
	}
	last := stream.CachedInfo().State.LastSeq
	if stream.CachedInfo().State.Msgs == 0 {
		return nil
	}
	cons, err := r.js.OrderedConsumer(ctx, r.flags.stream, r.consumerConfig())
	if err != nil {
		return fmt.Errorf("read dead letters: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("read dead letters: %w", err)
	}
	defer it.Stop()
	for {
		msg, err := it.Next(jetstream.NextMaxWait(2 * time.Second))
		if err != nil {
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil // nothing (more) matches the filter
			}
			return fmt.Errorf("read dead letters: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("read dead letters: %w", err)
		}
		if meta.Sequence.Stream > last {
			return nil
		}
		if err := r.one(ctx, msg, meta.Sequence.Stream); err != nil {
			return err
		}
		if meta.NumPending == 0 || meta.Sequence.Stream == last || r.full() {
			return nil
		}
	}
}

func (r *replayer) consumerConfig() jetstream.OrderedConsumerConfig {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{flowevent.DeadLetterSubjectPrefix + ">"}}
	if r.flags.account != "" {
		cfg.FilterSubjects = []string{flowevent.DeadLetterSubject(r.flags.account)}
	}
	if !r.flags.since.t.IsZero() {
		since := r.flags.since.t
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	return cfg
}

func (r *replayer) full() bool { return r.flags.limit > 0 && r.replayed+r.duplicate >= r.flags.limit }

// one handles one dead-letter record at dead-letter stream sequence seq.
func (r *replayer) one(ctx context.Context, msg jetstream.Msg, seq uint64) error {
	ev, dl, err := flowevent.DecodeDeadLetter(&nats.Msg{Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data()})
	if err != nil {
		r.skip(seq, dl, "unreadable dead-letter record")
		return nil
	}
	if !r.selected(dl) {
		return nil
	}
	r.seen++
	if why := replayable(dl); why != "" {
		r.skip(seq, dl, why)
		return nil
	}
	if r.flags.dryRun {
		r.replayed++
		r.line("would replay", seq, dl, "")
		return nil
	}
	ack, err := r.js.PublishMsg(ctx, replayMsg(ev, dl, r.now))
	if err != nil {
		return fmt.Errorf("replay dead letter %d (request %s): %w", seq, dl.RequestID, err)
	}
	if ack.Duplicate {
		r.duplicate++
		r.line("already replayed", seq, dl, "(within the request stream's dedup window)")
		return nil
	}
	r.replayed++
	r.line("replayed", seq, dl, fmt.Sprintf("-> %s seq %d", ack.Stream, ack.Sequence))
	return nil
}

// selected applies the filters the consumer could not.
func (r *replayer) selected(dl flowevent.DeadLetter) bool {
	f := r.flags
	switch {
	case f.account != "" && dl.Account != f.account,
		f.flow != "" && dl.FlowID != f.flow,
		f.node != "" && dl.NodeID != f.node,
		f.reason != "" && string(dl.Reason) != f.reason,
		!f.since.t.IsZero() && dl.DeadLetteredAt.Before(f.since.t),
		!f.until.t.IsZero() && !dl.DeadLetteredAt.Before(f.until.t):
		return false
	}
	return true
}

// replayable returns why dl cannot be replayed, or "".
func replayable(dl flowevent.DeadLetter) string {
	switch {
	case dl.OutcomePublished:
		return "skip: an outcome was already published (the profile took the node's error path)"
	case len(dl.Original) == 0:
		return "skip: no original bytes"
	case dl.OriginalTruncated:
		return "skip: only the first bytes of the input were kept (it did not fit the NATS server's max_payload)"
	}
	if _, ok := flowevent.AccountOfRequestSubject(dl.Subject); !ok {
		return "skip: not published on a request subject"
	}
	return ""
}

// replayMsg rebuilds the original request event: published on its
// account's request subject, same bytes and headers, minus NATS and
// Flowhook bookkeeping headers, plus the replay mark. Its Nats-Msg-Id derives from the dead-letter record, so replaying
// the same record twice within the request stream's dedup window stores it
// once.
func replayMsg(dlEvent flowevent.Event, dl flowevent.DeadLetter, now time.Time) *nats.Msg {
	account, _ := flowevent.AccountOfRequestSubject(dl.Subject) // replayable checked it
	m := nats.NewMsg(flowevent.RequestSubject(account))
	for k, vs := range dl.Headers {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "nats-") || strings.HasPrefix(lk, "flowhook-") {
			continue
		}
		m.Header[k] = append([]string(nil), vs...)
	}
	m.Header.Set(dispatch.HeaderReplay, now.UTC().Format(time.RFC3339))
	m.Header.Set(jetstream.MsgIDHeader, "replay-"+dlEvent.ID)
	m.Data = dl.Original
	return m
}

func (r *replayer) skip(seq uint64, dl flowevent.DeadLetter, why string) {
	r.skipped[why]++
	r.line(why, seq, dl, "")
}

func (r *replayer) line(what string, seq uint64, dl flowevent.DeadLetter, extra string) {
	where := strings.Join([]string{orDash(dl.Account), orDash(dl.FlowID), orDash(dl.NodeID)}, "/")
	fmt.Fprintf(r.out, "%s: dead letter %d, %s, %s, request %s, reason %s %s\n", what, seq,
		dl.DeadLetteredAt.UTC().Format(time.RFC3339), where, orDash(dl.RequestID), dl.Reason, extra)
}

func (r *replayer) summary() {
	verb := "replayed"
	if r.flags.dryRun {
		verb = "would replay"
	}
	skipped := 0
	for _, n := range r.skipped {
		skipped += n
	}
	fmt.Fprintf(r.out, "%d selected: %s %d, already replayed %d, skipped %d\n", r.seen, verb, r.replayed, r.duplicate, skipped)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// timeFlag is an RFC 3339 time, or a duration meaning that long ago.
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(s string) error {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return errors.New("a duration back from now must be positive")
		}
		f.t = time.Now().Add(-d)
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errors.New("want RFC 3339 (2026-03-01T10:00:00Z) or a duration (90m, 24h)")
	}
	f.t = t
	return nil
}
