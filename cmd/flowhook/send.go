package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/flowhook/flowhook/internal/breaker"
	"github.com/flowhook/flowhook/internal/dispatch"
	"github.com/flowhook/flowhook/internal/egress"
	"github.com/flowhook/flowhook/internal/oauth"
	"github.com/flowhook/flowhook/internal/tools/preview"
)

func init() {
	register("send", "send a node's request for real and show the response, the judgement and the route", runSend)
}

// egressFlags are serve's outbound-HTTP flags that matter for one send.
type egressFlags struct {
	cfg                   egress.Config
	allowCIDRs, denyCIDRs prefixList
	allowHosts            stringList
	allowPorts            intList
}

func bindEgressFlags(fs *flag.FlagSet) *egressFlags {
	f := &egressFlags{}
	c := &f.cfg
	fs.Var(&f.allowCIDRs, "allow-cidrs", "CIDRs let through although denied by default, as for serve (e.g. 127.0.0.1/32 to reach flowhook inspect)"+listUsage)
	fs.Var(&f.denyCIDRs, "deny-cidrs", "CIDRs denied on top of the built-in list"+listUsage)
	fs.Var(&f.allowHosts, "allow-hosts", "host names let through whatever they resolve to (exact, or *.suffix)"+listUsage)
	fs.Var(&f.allowPorts, "allow-ports", "destination ports allowed (empty: any)"+listUsage)
	fs.IntVar(&c.FollowRedirects, "follow-redirects", 0, "redirect hops followed (0: a 3xx is judged as the response)")
	fs.Int64Var(&c.MaxResponseBytes, "max-response-bytes", 64<<10, "response body bytes read (after decompression) and searched")
	fs.DurationVar(&c.ConnectTimeout, "connect-timeout", 5*time.Second, "TCP connect deadline")
	fs.DurationVar(&c.TLSHandshakeTimeout, "tls-timeout", 5*time.Second, "TLS handshake deadline")
	fs.DurationVar(&c.ResponseHeaderTimeout, "header-timeout", 10*time.Second, "deadline for response headers")
	return f
}

func (f *egressFlags) config(userAgent string) egress.Config {
	c := f.cfg
	c.AllowCIDRs, c.DenyCIDRs = f.allowCIDRs, f.denyCIDRs
	c.AllowHosts, c.AllowPorts = f.allowHosts, f.allowPorts
	c.UserAgent = userAgent
	return c
}

// sendOptions are send's own flags.
type sendOptions struct {
	repeat     int
	interval   time.Duration
	showBody   int
	quiet      bool
	breaker    breaker.Settings
	maxTimeout time.Duration
}

func bindSendOptions(fs *flag.FlagSet) *sendOptions {
	o := &sendOptions{}
	fs.IntVar(&o.repeat, "repeat", 1, "send this many times, each with a new event id, through one breaker (watch it open on a failing endpoint)")
	fs.DurationVar(&o.interval, "interval", 0, "pause between repeated sends")
	fs.IntVar(&o.showBody, "show-body", 2048, "response body bytes shown (-1: all that was read)")
	fs.BoolVar(&o.quiet, "quiet", false, "do not print the request before sending it")
	fs.Func("breaker-failures", "consecutive endpoint faults that open the breaker (default 5, as serve)", func(s string) error {
		_, err := fmt.Sscan(s, &o.breaker.FailureThreshold)
		return err
	})
	fs.DurationVar(&o.breaker.OpenTimeout, "breaker-open", 30*time.Second, "how long an open breaker refuses requests before a probe")
	fs.DurationVar(&o.maxTimeout, "max-timeout", 120*time.Second, "cap on the node's request timeout, as serve --max-timeout")
	return o
}

func runSend(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("send", "send [flags] FILE\n\n"+
		"Sends the request of FILE (as for render) for real, through the dispatcher's own path:\n"+
		"validation, the SSRF guard and limits, the endpoint's circuit breaker, the response check.\n"+
		"Prints the request (secrets masked), the response, how it was judged and which path\n"+
		"(yes / no / exit) the profile would take. Private and loopback addresses are refused\n"+
		"unless allowed, as in serve: --allow-cidrs 127.0.0.1/32 to reach flowhook inspect.\n\n"+
		"exit codes: 0 the response matched (route yes, every time with --repeat); 1 the profile\n"+
		"would take the node's error path (or the node is invalid); 2 bad flags or unreadable file",
		`flowhook send node.json --profile profile.json --allow-cidrs 127.0.0.1/32`, stderr)
	sf := bindSampleFlags(fs)
	ef := bindEgressFlags(fs)
	so := bindSendOptions(fs)
	if code, done := parseArgs(fs, args, "send", stderr); done {
		return code
	}
	if so.repeat < 1 {
		fmt.Fprintln(stderr, "flowhook send: --repeat must be at least 1")
		return exitUsage
	}
	s, _, err := sf.load(fs.Arg(0))
	if err != nil {
		return failUsage(stderr, "send", err)
	}
	secrets, err := sf.secrets()
	if err != nil {
		return failUsage(stderr, "send", err)
	}
	client, err := egress.New(ef.config(sf.userAgent))
	if err != nil {
		return failUsage(stderr, "send", usageError{err})
	}
	defer client.Close()
	deps := preview.SendDeps{
		Secrets: secrets, UserAgent: sf.userAgent, Sender: client,
		Breakers: breaker.NewRegistry(so.breaker, nil, zerolog.Nop()),
		Tokens:   oauth.New(client, secrets, oauth.Config{}),
		Attempt:  dispatch.AttemptConfig{Validate: sf.validateOptions(), MaxTimeout: so.maxTimeout},
	}
	checkSample(stderr, s, sf.validateOptions()) // warnings; errors end in invalid_config below
	if !so.quiet {
		showRequest(ctx, stdout, s, sf)
	}
	matched := sendRepeated(ctx, stdout, stderr, s, deps, so)
	if !matched {
		return exitFailure
	}
	return exitOK
}

// showRequest prints what is about to be sent, secrets masked.
func showRequest(ctx context.Context, w io.Writer, s preview.Sample, sf *sampleFlags) {
	r, err := preview.Render(ctx, s, preview.Options{UserAgent: sf.userAgent, EnvPrefix: sf.secretsPrefix})
	if err != nil {
		return // the send reports the same error as its outcome
	}
	fmt.Fprintf(w, "Sending %s %s\n", r.Method, preview.Printable(r.URL))
	for _, h := range r.Headers {
		fmt.Fprintf(w, "  %s: %s\n", h.Name, preview.Printable(h.Value))
	}
	if r.Body != "" {
		fmt.Fprintf(w, "  body (%s): %s\n", r.BodyMode, preview.Printable(r.Body))
	}
	fmt.Fprintln(w)
}

// sendRepeated sends so.repeat times; the first result is printed in
// full, the rest counted on a progress display, then summarised by route
// and reason. It reports whether every send matched.
func sendRepeated(ctx context.Context, stdout, stderr io.Writer, s preview.Sample, deps preview.SendDeps, so *sendOptions) bool {
	var progress *preview.Progress
	if so.repeat > 1 {
		progress = preview.NewProgress(stderr, "sent", so.repeat, isTerminal(stderr), nil)
	}
	reasons := map[string]int{}
	allMatched := true
	baseID := s.Event.ID
	for i := 1; i <= so.repeat && ctx.Err() == nil; i++ {
		if so.repeat > 1 {
			s.Event.ID = fmt.Sprintf("%s-%d", baseID, i)
		}
		sent, err := preview.Send(ctx, s, deps)
		if err != nil {
			fmt.Fprintln(stderr, "flowhook send:", err)
			return false
		}
		allMatched = allMatched && sent.Outcome.Success
		reasons[string(sent.Outcome.Route)+" "+string(sent.Outcome.Reason)]++
		if i == 1 {
			_ = sent.WriteText(stdout, so.showBody)
		}
		if progress != nil {
			progress.Add(string(sent.Outcome.Route))
		}
		if so.interval > 0 && i < so.repeat {
			pause(ctx, so.interval)
		}
	}
	if progress != nil {
		progress.Finish()
		fmt.Fprintf(stdout, "\n%s\n%s", progress.Summary(), reasonTable(reasons))
	}
	return allMatched && ctx.Err() == nil
}

// reasonTable lists "route reason: count", most frequent first.
func reasonTable(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	for _, k := range keys {
		route, reason, _ := strings.Cut(k, " ")
		fmt.Fprintf(&b, "  %-4s %-20s %d\n", route, reason, counts[k])
	}
	return b.String()
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
