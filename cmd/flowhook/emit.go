package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/bus"
	"github.com/flowhook/flowhook/internal/tools/preview"
)

func init() {
	register("emit", "publish request events to NATS, from a file or generated from a node and a profile template", runEmit)
}

// defaultNATSURL is where `flowhook serve`'s embedded server listens.
const defaultNATSURL = "nats://127.0.0.1:4222"

// bindNATSFlags binds serve's NATS connection flags, the URL defaulting to
// a local server.
func bindNATSFlags(fs *flag.FlagSet) *bus.ConnectOptions {
	o := &bus.ConnectOptions{}
	fs.Var(newJoinedList(&o.URL, defaultNATSURL, ","), "nats-url", "NATS server URL(s); serve's embedded server listens on the default"+listUsage)
	fs.StringVar(&o.CredsFile, "nats-creds", "", "NATS credentials file (JWT + NKey seed)")
	fs.StringVar(&o.NKeyFile, "nats-nkey", "", "NATS NKey seed file")
	fs.StringVar(&o.User, "nats-user", "", "NATS user name")
	fs.StringVar(&o.Password, "nats-password", "", "NATS password (prefer the FLOWHOOK_NATS_PASSWORD environment variable)")
	fs.StringVar(&o.Token, "nats-token", "", "NATS token (prefer the FLOWHOOK_NATS_TOKEN environment variable)")
	fs.StringVar(&o.TLSCA, "nats-tls-ca", "", "CA file to verify the NATS server")
	fs.StringVar(&o.TLSCert, "nats-tls-cert", "", "client certificate file for mutual TLS")
	fs.StringVar(&o.TLSKey, "nats-tls-key", "", "client key file for mutual TLS")
	return o
}

// connectJetStream connects without the reconnect chatter of a service.
// When no server answers, the error names the URL tried and how to start
// a server there.
func connectJetStream(o bus.ConnectOptions, name string) (*nats.Conn, jetstream.JetStream, error) {
	o.Name = name
	nc, err := bus.Connect(o, zerolog.Nop())
	if errors.Is(err, nats.ErrNoServers) {
		return nil, nil, noServerError(o.URL, err)
	}
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// noServerError says which URL was tried and how to get a server there.
func noServerError(urls string, err error) error {
	hint := "point --nats-url at a running NATS server"
	if urls == defaultNATSURL {
		hint = "start one with `flowhook serve` (its embedded NATS server listens there), or point --nats-url at yours"
	}
	return fmt.Errorf("cannot connect to NATS at %s (%v): %s", redactURLs(urls), err, hint)
}

// redactURLs returns comma-separated NATS URLs with any password or token
// in them replaced.
func redactURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		u, err := url.Parse(p)
		switch {
		case err != nil:
			parts[i] = "(unparsable URL)"
		case u.User != nil:
			parts[i] = u.Redacted()
			if _, hasPassword := u.User.Password(); !hasPassword {
				u.User = url.User("xxxxx")
				parts[i] = u.String()
			}
		default:
			parts[i] = p
		}
	}
	return strings.Join(parts, ",")
}

// emitFlags are emit's own flags.
type emitFlags struct {
	file, node, profile, trigger string
	count                        int
	idPrefix                     string
	account, flow, nodeID        string
	window                       int
	timeout                      time.Duration
}

func runEmit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("emit", "emit [flags] (--file FILE | --node FILE --profile TEMPLATE [--trigger TEMPLATE] [--count N])\n\n"+
		"Publishes request events as a flow engine would, for flowhook serve to dispatch.\n"+
		"--file: one event or a JSON array of them, each a structured CloudEvent (published as\n"+
		"written) or a request event's data (wrapped into one). --node: events generated from a\n"+
		"node configuration and a profile template in which {{seq}} becomes 1..N.\n\n"+
		"exit codes: 0 every event stored (PubAck); 1 an event is unreadable or was not stored;\n"+
		"2 bad flags or unreadable file",
		`flowhook emit --node node.json --profile '{"id":"p-{{seq}}","attributes":{"email":"user{{seq}}@example.com"}}' --count 100`, stderr)
	nf := bindNATSFlags(fs)
	var f emitFlags
	fs.StringVar(&f.file, "file", "", "JSON file of request events (- reads stdin)")
	fs.StringVar(&f.node, "node", "", "node configuration file to generate events from (or request data)")
	fs.StringVar(&f.profile, "profile", "", "profile template (file or inline JSON); {{seq}} becomes the event number")
	fs.StringVar(&f.trigger, "trigger", "", "triggering event template (file or inline JSON); {{seq}} becomes the event number")
	fs.IntVar(&f.count, "count", 1, "events to generate with --node")
	fs.StringVar(&f.idPrefix, "id-prefix", "", "event ids are <id-prefix>-<n> (default: emit-<random>)")
	fs.StringVar(&f.account, "account", preview.DefaultAccount, "account of generated events")
	fs.StringVar(&f.flow, "flow", preview.DefaultFlowID, "flow id of generated events")
	fs.StringVar(&f.nodeID, "node-id", preview.DefaultNodeID, "node id of generated events")
	fs.IntVar(&f.window, "window", 256, "publishes awaiting their PubAck at once")
	fs.DurationVar(&f.timeout, "ack-timeout", 30*time.Second, "give up on a PubAck after this long")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook emit:", err)
		return exitUsage
	}
	source, err := f.source()
	if err != nil {
		return failUsage(stderr, "emit", err)
	}
	nc, js, err := connectJetStream(*nf, "flowhook-emit")
	if err != nil {
		fmt.Fprintln(stderr, "flowhook emit:", err)
		return exitFailure
	}
	defer nc.Close()
	return publishAll(ctx, js, source, f, stdout, stderr)
}

// eventSource yields the events to publish, by index from 0.
type eventSource struct {
	total int
	event func(i int) (preview.Outgoing, error)
	// sameNode is true when every event shares one node configuration, so
	// its problems are reported once.
	sameNode bool
}

// source checks the flags and prepares the events.
func (f *emitFlags) source() (eventSource, error) {
	switch {
	case f.file != "" && f.node != "":
		return eventSource{}, usageError{errors.New("give --file or --node, not both")}
	case f.file == "" && f.node == "":
		return eventSource{}, usageError{errors.New("give --file FILE (events) or --node FILE with --profile (generated events)")}
	case f.count < 1:
		return eventSource{}, usageError{errors.New("--count must be at least 1")}
	case f.window < 1:
		return eventSource{}, usageError{errors.New("--window must be at least 1")}
	}
	if f.idPrefix == "" {
		f.idPrefix = newID("emit")
	}
	if f.file != "" {
		return f.fileSource()
	}
	return f.generatedSource()
}

func (f *emitFlags) fileSource() (eventSource, error) {
	data, err := readInput(f.file)
	if err != nil {
		return eventSource{}, usageError{err}
	}
	events, err := preview.ParseEvents(data, f.idPrefix)
	if err != nil {
		return eventSource{}, fmt.Errorf("%s: %w; nothing was published (every event is read before the first is sent)", f.file, err)
	}
	return eventSource{total: len(events), event: func(i int) (preview.Outgoing, error) { return events[i], nil }}, nil
}

func (f *emitFlags) generatedSource() (eventSource, error) {
	g := &preview.Generator{
		IDPrefix: f.idPrefix,
		Defaults: preview.Defaults{Account: f.account, FlowID: f.flow, NodeID: f.nodeID},
	}
	var err error
	if g.Node, err = readInput(f.node); err != nil {
		return eventSource{}, usageError{fmt.Errorf("--node: %w", err)}
	}
	if f.profile != "" {
		if g.Profile, err = fileOrInline("--profile", f.profile); err != nil {
			return eventSource{}, err
		}
	}
	if f.trigger != "" {
		if g.Trigger, err = fileOrInline("--trigger", f.trigger); err != nil {
			return eventSource{}, err
		}
	}
	// Build the first event now, so that a bad template fails before
	// anything is published.
	if _, err := g.Event(1); err != nil {
		return eventSource{}, fmt.Errorf("event 1: %w", err)
	}
	return eventSource{total: f.count, sameNode: true, event: func(i int) (preview.Outgoing, error) { return g.Event(i + 1) }}, nil
}

// publishAll publishes every event with at most f.window awaiting their
// PubAck, reporting progress, and returns the exit code.
func publishAll(ctx context.Context, js jetstream.JetStream, src eventSource, f emitFlags, stdout, stderr io.Writer) int {
	first, err := src.event(0)
	if err != nil {
		fmt.Fprintln(stderr, "flowhook emit: events[0]:", err)
		return exitFailure
	}
	if err := checkStream(ctx, js, first.Msg.Subject); err != nil {
		fmt.Fprintln(stderr, "flowhook emit:", err)
		return exitFailure
	}
	verbose := src.total <= 10
	progressOut := stderr
	if verbose {
		progressOut = io.Discard // one line per event instead
	}
	progress := preview.NewProgress(progressOut, "published", src.total, isTerminal(progressOut), nil)
	p := &publisher{js: js, progress: progress, stdout: stdout, stderr: stderr, verbose: verbose}
	warned := 0
	for i := 0; i < src.total && ctx.Err() == nil; i++ {
		o, err := src.event(i)
		if err != nil {
			fmt.Fprintf(stderr, "flowhook emit: events[%d]: %v\n", i, err)
			p.failed++
			continue
		}
		if len(o.Problems) > 0 && (!src.sameNode || i == 0) && warned < 20 {
			warned++
			reportProblems(stderr, i, o)
		}
		p.publish(ctx, o, f.window, f.timeout)
	}
	p.drain(ctx, f.timeout)
	progress.Finish()
	fmt.Fprintf(stdout, "%s\n", progress.Summary())
	if p.failed > 0 || ctx.Err() != nil {
		return exitFailure
	}
	return exitOK
}

func reportProblems(w io.Writer, i int, o preview.Outgoing) {
	for _, pr := range o.Problems {
		level := "warning"
		if !pr.Warning {
			level = "error (the dispatcher will answer invalid_config)"
		}
		fmt.Fprintf(w, "flowhook emit: events[%d] %s: %s: %s: %s\n", i, o.ID, level, pr.Path, pr.Message)
	}
}

// checkStream reports, clearly, that no stream stores request events: the
// streams are created by flowhook serve.
func checkStream(ctx context.Context, js jetstream.JetStream, subject string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := js.StreamNameBySubject(ctx, subject); err != nil {
		return fmt.Errorf("no JetStream stream stores %s (%v): start flowhook serve first, it creates the streams", subject, err)
	}
	return nil
}

// publisher publishes asynchronously and settles PubAcks in order.
type publisher struct {
	js       jetstream.JetStream
	progress *preview.Progress
	stdout   io.Writer
	stderr   io.Writer
	verbose  bool
	pending  []pendingPub
	failed   int
}

type pendingPub struct {
	id     string
	future jetstream.PubAckFuture
}

func (p *publisher) publish(ctx context.Context, o preview.Outgoing, window int, timeout time.Duration) {
	for len(p.pending) >= window {
		p.settle(ctx, timeout)
	}
	fut, err := p.js.PublishMsgAsync(o.Msg)
	if err != nil {
		fmt.Fprintf(p.stderr, "flowhook emit: %s: %v\n", o.ID, err)
		p.failed++
		p.progress.Add("failed")
		return
	}
	p.pending = append(p.pending, pendingPub{id: o.ID, future: fut})
}

// settle waits for the oldest pending PubAck.
func (p *publisher) settle(ctx context.Context, timeout time.Duration) {
	pp := p.pending[0]
	p.pending = p.pending[1:]
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case ack := <-pp.future.Ok():
		category := "stored"
		if ack.Duplicate {
			category = "duplicate"
		}
		if p.verbose {
			fmt.Fprintf(p.stdout, "%s %s -> stream %s seq %d\n", category, pp.id, ack.Stream, ack.Sequence)
		}
		p.progress.Add(category)
	case err := <-pp.future.Err():
		fmt.Fprintf(p.stderr, "flowhook emit: %s: not stored: %v\n", pp.id, err)
		p.failed++
		p.progress.Add("failed")
	case <-t.C:
		fmt.Fprintf(p.stderr, "flowhook emit: %s: no PubAck within %s\n", pp.id, timeout)
		p.failed++
		p.progress.Add("failed")
	case <-ctx.Done():
		p.failed++
	}
}

func (p *publisher) drain(ctx context.Context, timeout time.Duration) {
	for len(p.pending) > 0 {
		p.settle(ctx, timeout)
	}
}
