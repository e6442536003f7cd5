package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flowhook/flowhook/internal/tools/preview"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

func init() {
	register("tail", "follow outcome events, one readable line each (or raw JSON)", runTail)
}

// tailFilter selects outcomes; empty fields match everything.
type tailFilter struct {
	account, flow, node, route string
}

func (f tailFilter) subject() string {
	if f.account == "" {
		return flowevent.OutcomeSubjectPrefix + ">"
	}
	return flowevent.OutcomeSubjectPrefix + f.account + ".*"
}

func (f tailFilter) match(o flowevent.Outcome) bool {
	return (f.account == "" || o.Account == f.account) && (f.flow == "" || o.FlowID == f.flow) &&
		(f.node == "" || o.NodeID == f.node) && (f.route == "" || string(o.Route) == f.route)
}

// tailOptions are tail's own flags.
type tailOptions struct {
	filter  tailFilter
	json    bool
	all     bool
	since   timeFlag
	count   int
	timeout time.Duration
}

func runTail(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("tail", "tail [flags]\n\n"+
		"Follows outcome events as flowhook publishes them: one line per outcome (time, route,\n"+
		"reason, status, duration, account, flow/node, profile, request id, detail), or the\n"+
		"raw CloudEvent JSON with --json. New outcomes only, unless --all or --since.\n\n"+
		"exit codes: 0 stopped (Ctrl-C, --count reached, or --timeout without --count);\n"+
		"1 cannot connect, no outcome stream, or --timeout before --count; 2 bad flags",
		"flowhook tail --account acme --route no", stderr)
	nf := bindNATSFlags(fs)
	var o tailOptions
	fs.StringVar(&o.filter.account, "account", "", "only this account")
	fs.StringVar(&o.filter.flow, "flow", "", "only this flow id")
	fs.StringVar(&o.filter.node, "node-id", "", "only this node id")
	fs.StringVar(&o.filter.route, "route", "", "only this route: yes, no or exit")
	fs.BoolVar(&o.json, "json", false, "print each outcome event as its raw JSON, one per line")
	fs.BoolVar(&o.all, "all", false, "start with every stored outcome")
	fs.Var(&o.since, "since", "start with the outcomes stored since this time: RFC 3339 (2026-03-01T10:00:00Z) or a duration back from now (10m)")
	fs.IntVar(&o.count, "count", 0, "stop after this many outcomes (0: never)")
	fs.DurationVar(&o.timeout, "timeout", 0, "stop after this long (0: never)")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook tail:", err)
		return exitUsage
	}
	if err := o.check(fs.NArg()); err != nil {
		fmt.Fprintln(stderr, "flowhook tail:", err)
		return exitUsage
	}
	nc, js, err := connectJetStream(*nf, "flowhook-tail")
	if err != nil {
		fmt.Fprintln(stderr, "flowhook tail:", err)
		return exitFailure
	}
	defer nc.Close()
	reportConnection(nc, stderr)
	return follow(ctx, js, o, stdout, stderr)
}

func (o tailOptions) check(nargs int) error {
	switch {
	case nargs != 0:
		return errors.New("tail takes no arguments")
	case o.filter.route != "" && !flowevent.Route(o.filter.route).Valid():
		return fmt.Errorf("--route: want yes, no or exit, got %q", o.filter.route)
	case o.filter.account != "" && !flowevent.ValidAccount(o.filter.account):
		return errors.New("--account: must be 1 to 64 characters from [A-Za-z0-9_-]")
	case o.all && !o.since.t.IsZero():
		return errors.New("give --all or --since, not both")
	case o.count < 0 || o.timeout < 0:
		return errors.New("--count and --timeout must not be negative")
	}
	return nil
}

// reportConnection says on w when the connection to NATS is lost and when
// it is back: a tail that silently stops printing looks like a quiet flow.
func reportConnection(nc *nats.Conn, w io.Writer) {
	nc.SetDisconnectErrHandler(func(c *nats.Conn, err error) {
		if c.IsClosed() {
			return // we are stopping
		}
		why := ""
		if err != nil {
			why = " (" + err.Error() + ")"
		}
		fmt.Fprintf(w, "flowhook tail: lost the connection to NATS%s; reconnecting\n", why)
	})
	nc.SetReconnectHandler(func(c *nats.Conn) {
		fmt.Fprintf(w, "flowhook tail: reconnected to %s; following again\n", c.ConnectedUrlRedacted())
	})
}

// consumerConfig is the ordered consumer reading the chosen outcomes.
func (o tailOptions) consumerConfig() jetstream.OrderedConsumerConfig {
	cfg := jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{o.filter.subject()},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	}
	switch {
	case o.all:
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	case !o.since.t.IsZero():
		start := o.since.t
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &start
	}
	return cfg
}

// follow prints matching outcomes until ctx ends, --count is reached or
// --timeout passes.
func follow(ctx context.Context, js jetstream.JetStream, o tailOptions, stdout, stderr io.Writer) int {
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	msgs, stream, err := outcomeMessages(ctx, js, o)
	if err != nil {
		fmt.Fprintln(stderr, "flowhook tail:", err)
		return exitFailure
	}
	fmt.Fprintf(stderr, "flowhook tail: following %s on stream %s (%s)\n", o.filter.subject(), stream, o.startsWith())
	defer msgs.Stop()
	go func() { <-ctx.Done(); msgs.Stop() }()
	seen := 0
	for o.count == 0 || seen < o.count {
		msg, err := msgs.Next()
		if err != nil {
			break // stopped: ctx ended
		}
		if printOutcome(stdout, stderr, msg, o) {
			seen++
		}
	}
	if o.count > 0 && seen < o.count && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		fmt.Fprintf(stderr, "flowhook tail: %d of %d outcomes within %s\n", seen, o.count, o.timeout)
		return exitFailure
	}
	return exitOK
}

// outcomeMessages opens an ordered consumer on the outcome stream.
func outcomeMessages(ctx context.Context, js jetstream.JetStream, o tailOptions) (jetstream.MessagesContext, string, error) {
	lookup, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	stream, err := js.StreamNameBySubject(lookup, flowevent.OutcomeSubjectPrefix+">")
	if err != nil {
		return nil, "", fmt.Errorf("no JetStream stream stores outcomes (%v): start flowhook serve first, it creates the streams", err)
	}
	cons, err := js.OrderedConsumer(lookup, stream, o.consumerConfig())
	if err != nil {
		return nil, "", fmt.Errorf("outcome stream %s: %w", stream, err)
	}
	msgs, err := cons.Messages()
	return msgs, stream, err
}

// startsWith says where following starts.
func (o tailOptions) startsWith() string {
	switch {
	case o.all:
		return "every stored outcome, then new ones"
	case !o.since.t.IsZero():
		return "outcomes since " + o.since.t.Local().Format(time.DateTime) + ", then new ones"
	}
	return "new outcomes only; --all for stored ones"
}

// printOutcome prints one outcome if it matches, and reports whether it
// did. Undecodable messages are reported on stderr.
func printOutcome(stdout, stderr io.Writer, msg jetstream.Msg, o tailOptions) bool {
	_, out, err := flowevent.DecodeOutcome(&nats.Msg{Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data()})
	if err != nil {
		fmt.Fprintf(stderr, "flowhook tail: %s: %v\n", preview.Printable(msg.Subject()), err)
		return false
	}
	if !o.filter.match(out) {
		return false
	}
	if o.json {
		fmt.Fprintf(stdout, "%s\n", msg.Data())
		return true
	}
	fmt.Fprintln(stdout, outcomeLine(out))
	return true
}

// outcomeLine formats an outcome on one line: time, route, reason, status,
// duration, account, flow/node, profile, request id, and the detail of a
// failure.
func outcomeLine(o flowevent.Outcome) string {
	status := "-"
	if o.Status != 0 {
		status = fmt.Sprint(o.Status)
	}
	line := fmt.Sprintf("%s  %-4s %-19s %3s %8.1fms  %s %s/%s  profile %s  request %s",
		o.CompletedAt.Local().Format("15:04:05.000"), preview.Printable(string(o.Route)),
		preview.Printable(string(o.Reason)), status, o.DurationMS,
		preview.Printable(o.Account), preview.Printable(o.FlowID), preview.Printable(o.NodeID),
		preview.Printable(o.ProfileID), preview.Printable(o.RequestID))
	if o.Detail != "" && !o.Success {
		line += "  " + preview.Printable(o.Detail)
	}
	return line
}
