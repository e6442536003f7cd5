package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flowhook/flowhook/internal/nodestats"
	"github.com/flowhook/flowhook/pkg/flowevent"
)

func init() {
	register("stats", "show node stats: one node, one flow, or an account's worst nodes", runStats)
}

// statsFlags are the stats command's own flags.
type statsFlags struct {
	account, flow, node, bucket string
	worst, asJSON               bool
	limit                       int
	timeout                     time.Duration
}

func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("stats", "stats --account ID [--flow ID [--node-id ID]] [--worst [--limit N]] [--json]\n\n"+
		"Reads node stats from the NATS key-value bucket flowhook serve aggregates into:\n"+
		"one node (--flow and --node-id), every node of a flow (--flow), every node of an\n"+
		"account, or the account's worst nodes (--worst: error spikes first, then most\n"+
		"errors in the last hour). Exit 0: shown; 1: no stats or NATS unreachable; 2: bad flags.",
		"flowhook stats --nats-url nats://nats:4222 --account acme --worst", stderr)
	conn := bindNATSFlags(fs)
	var f statsFlags
	fs.StringVar(&f.account, "account", "", "account id (required)")
	fs.StringVar(&f.flow, "flow", "", "flow id: that flow's nodes")
	fs.StringVar(&f.node, "node-id", "", "node id (with --flow): that node alone, in detail")
	fs.BoolVar(&f.worst, "worst", false, "the account's worst nodes")
	fs.IntVar(&f.limit, "limit", 10, "how many worst nodes")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON (the admin API's /v1/stats format) instead of a table")
	fs.StringVar(&f.bucket, "bucket", nodestats.DefaultBucket, "node stats key-value bucket")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "give up after this long")
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "flowhook stats:", err)
		return exitUsage
	}
	if err := f.check(fs.NArg()); err != nil {
		fmt.Fprintln(stderr, "flowhook stats:", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	nc, js, err := connectJetStream(*conn, "flowhook-stats")
	if err != nil {
		fmt.Fprintln(stderr, "flowhook stats:", err)
		return exitFailure
	}
	defer nc.Close()
	v, err := f.query(ctx, nodestats.NewReader(js, f.bucket))
	if err != nil {
		fmt.Fprintln(stderr, "flowhook stats:", explain(err))
		return exitFailure
	}
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
		return exitOK
	}
	switch v := v.(type) {
	case nodestats.View:
		printNode(stdout, v, time.Now())
	case nodestats.Report:
		printReport(stdout, v, f.worst, time.Now())
	}
	return exitOK
}

func (f statsFlags) check(nargs int) error {
	switch {
	case nargs > 0:
		return errors.New("unexpected arguments; use --account, --flow, --node-id")
	case !flowevent.ValidAccount(f.account):
		return errors.New("--account is required: 1 to 64 characters from A-Z a-z 0-9 _ -")
	case f.node != "" && f.flow == "":
		return errors.New("--node-id needs --flow")
	case f.worst && (f.flow != "" || f.node != ""):
		return errors.New("--worst ranks a whole account: drop --flow and --node-id")
	case f.limit < 1 || f.limit > nodestats.MaxLimit:
		return fmt.Errorf("--limit must be from 1 to %d", nodestats.MaxLimit)
	}
	return nil
}

// query returns a nodestats.View (one node) or a nodestats.Report.
func (f statsFlags) query(ctx context.Context, r *nodestats.Reader) (any, error) {
	switch {
	case f.node != "":
		return r.Node(ctx, f.account, f.flow, f.node)
	case f.worst:
		rep, err := r.Worst(ctx, f.account, f.limit)
		if err == nil && len(rep.Nodes) == 0 {
			return nil, nodestats.ErrNotFound
		}
		return rep, err
	default:
		rep, err := r.Flow(ctx, f.account, f.flow)
		if err == nil && len(rep.Nodes) == 0 {
			return nil, nodestats.ErrNotFound
		}
		return rep, err
	}
}

func explain(err error) string {
	switch {
	case errors.Is(err, nodestats.ErrNotFound):
		return "no stats yet for this selection (no outcome counted; is a flowhook serve with --node-stats running?)"
	case errors.Is(err, nodestats.ErrUnavailable):
		return "node stats unavailable: " + err.Error()
	}
	return err.Error()
}

// printNode shows one node in detail.
func printNode(w io.Writer, v nodestats.View, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s / %s / %s\n", v.Account, v.FlowID, v.NodeID)
	fmt.Fprintf(tw, "  passed through\t%d\t(last hour %d, last %d min %d)\n", v.Total, v.Hour.Total, v.Recent.Minutes, v.Recent.Total)
	fmt.Fprintf(tw, "  routes\tyes %d   no %d   exit %d\n", v.Routes[flowevent.RouteYes], v.Routes[flowevent.RouteNo], v.Routes[flowevent.RouteExit])
	fmt.Fprintf(tw, "  errors\t%d (%s)\tlast hour %d (%s), last %d min %d (%s)%s\n", v.Errors, pct(v.ErrorRate),
		v.Hour.Errors, pct(v.Hour.ErrorRate), v.Recent.Minutes, v.Recent.Errors, pct(v.Recent.ErrorRate), spikeMark(v.Spike))
	fmt.Fprintf(tw, "  reasons\t%s\n", reasons(v.Reasons))
	fmt.Fprintf(tw, "  retries\t%d\n", v.Retries)
	fmt.Fprintf(tw, "  latency\t%s\t(%d requests)\n", latency(v.Latency), v.Latency.Count)
	fmt.Fprintf(tw, "  last error\t%s\n", lastError(v.LastError, now))
	fmt.Fprintf(tw, "  credentials\t%s\n", credentials(v.CredentialsRejected, now))
	fmt.Fprintf(tw, "  errors/minute\t%s\t(last %d min, oldest first)\n", sparkline(v.ErrorsByMinute), len(v.ErrorsByMinute))
	_ = tw.Flush()
}

// printReport shows one line per node, then the total. The table fits a
// 120-column terminal with ids of usual length: totals since the start,
// the last five minutes' counts, p90 and the failure details are in the
// one-node view and --json; ids longer than maxIDColumn are shortened.
func printReport(w io.Writer, r nodestats.Report, worst bool, now time.Time) {
	title := r.Account
	switch {
	case worst:
		title += ": worst nodes (error spikes first, then errors in the last hour)"
	case r.FlowID != "":
		title += " / " + r.FlowID
	}
	fmt.Fprintln(w, title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FLOW\tNODE\tPASSED\tYES/NO/EXIT\tERRORS 1H\tPER 5 MIN\tP50/P99 MS\tLAST ERROR, AGE")
	for _, v := range r.Nodes {
		printRow(tw, v, now)
	}
	t := r.Total
	t.FlowID, t.NodeID = "TOTAL", fmt.Sprintf("%d nodes", t.Nodes)
	printRow(tw, t, now)
	_ = tw.Flush()
	printRejected(w, r.Nodes, now)
}

// printRejected lists the nodes whose credentials are rejected, below a
// report's table.
func printRejected(w io.Writer, nodes []nodestats.View, now time.Time) {
	for _, v := range nodes {
		if v.CredentialsRejected != nil {
			fmt.Fprintf(w, "%s / %s: %s\n", v.FlowID, v.NodeID, credentials(v.CredentialsRejected, now))
		}
	}
}

// credentials says whether a node's credentials are being rejected:
// "credentials rejected since <time>, N times".
func credentials(r *nodestats.Rejection, now time.Time) string {
	if r == nil {
		return "not rejected"
	}
	return fmt.Sprintf("CREDENTIALS REJECTED since %s (%s ago), %d times, last %s ago",
		r.Since.UTC().Format(time.RFC3339), ago(now.Sub(r.Since)), r.Times, ago(now.Sub(r.Last)))
}

// maxIDColumn is the widest flow or node id shown whole in the table.
const maxIDColumn = 14

// printRow writes a node's row: the hour's errors per 5 minutes as a
// sparkline, marked SPIKE in an error spike.
func printRow(w io.Writer, v nodestats.View, now time.Time) {
	trend := bars(squeeze(v.ErrorsByMinute, 5))
	if v.Spike {
		trend += " SPIKE"
	}
	fmt.Fprintf(w, "%s\t%s\t%d\t%d/%d/%d\t%d (%s)\t%s\t%s\t%s\n",
		shorten(v.FlowID, maxIDColumn), shorten(v.NodeID, maxIDColumn), v.Total,
		v.Routes[flowevent.RouteYes], v.Routes[flowevent.RouteNo], v.Routes[flowevent.RouteExit],
		v.Hour.Errors, pctShort(v.Hour.ErrorRate), trend,
		latencyShort(v.Latency), lastErrorShort(v.LastError, now))
}

// shorten cuts s to n characters, the last one an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func pct(r float64) string { return fmt.Sprintf("%.1f%%", 100*r) }

// pctShort is a rate in whole percent; a non-zero rate under 1% is "<1%".
func pctShort(r float64) string {
	if r > 0 && r < 0.01 {
		return "<1%"
	}
	return fmt.Sprintf("%.0f%%", 100*r)
}

func spikeMark(spike bool) string {
	if spike {
		return "  ERROR SPIKE"
	}
	return ""
}

func reasons(m map[flowevent.Reason]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := m[flowevent.Reason(keys[i])], m[flowevent.Reason(keys[j])]
		return a > b || a == b && keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[flowevent.Reason(k)])
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func latency(l nodestats.Latency) string {
	if l.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %.0f ms, p90 %.0f ms, p99 %.0f ms", l.P50, l.P90, l.P99)
}

func latencyShort(l nodestats.Latency) string {
	if l.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f/%.0f", l.P50, l.P99)
}

func lastError(e *nodestats.LastError, now time.Time) string {
	if e == nil {
		return "none"
	}
	s := string(e.Reason)
	if e.Status != 0 {
		s += fmt.Sprintf(" (status %d)", e.Status)
	}
	if e.Detail != "" {
		s += fmt.Sprintf(" %q", e.Detail)
	}
	return s + fmt.Sprintf(", %s ago (%s)", ago(now.Sub(e.At)), e.At.UTC().Format(time.RFC3339))
}

func lastErrorShort(e *nodestats.LastError, now time.Time) string {
	if e == nil {
		return "-"
	}
	return fmt.Sprintf("%s %s", e.Reason, agoShort(now.Sub(e.At)))
}

// agoShort is d in its largest whole unit: 45s, 12m, 3h, 2d.
func agoShort(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d/time.Second)))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// ago rounds d for people.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return d.Round(time.Minute).String()
	default:
		return d.Round(time.Hour).String()
	}
}

// squeeze sums every n consecutive values.
func squeeze(vals []uint32, n int) []uint32 {
	out := make([]uint32, 0, (len(vals)+n-1)/n)
	for i := 0; i < len(vals); i += n {
		var s uint32
		for _, v := range vals[i:min(i+n, len(vals))] {
			s += v
		}
		out = append(out, s)
	}
	return out
}

// sparkline draws vals as block characters scaled to their maximum, with
// the maximum appended; all zero draws a flat line.
func sparkline(vals []uint32) string {
	var peak uint32
	for _, v := range vals {
		peak = max(peak, v)
	}
	return bars(vals) + fmt.Sprintf(" max %d", peak)
}

// bars draws vals as block characters scaled to their maximum.
func bars(vals []uint32) string {
	levels := []rune("▁▂▃▄▅▆▇█")
	var peak uint32
	for _, v := range vals {
		peak = max(peak, v)
	}
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if peak > 0 && v > 0 {
			i = 1 + int(uint64(v)*uint64(len(levels)-2)/uint64(peak))
		}
		b.WriteRune(levels[i])
	}
	return b.String()
}
