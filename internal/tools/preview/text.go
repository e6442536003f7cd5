package preview

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/flowhook/flowhook/pkg/flowevent"
)

// WriteText prints r for people: the request line, the query table, the
// headers, what counts as success, the secrets it needs and the curl
// command. Values are escaped so that no control character reaches the
// terminal.
func (r *Rendered) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("%s %s\n", r.Method, printable(r.URL))
	r.writeQuery(ew)
	r.writeHeaders(ew)
	r.writeBody(ew)
	r.writeConditional(ew)
	r.writeCredentials(ew)
	ew.printf("\nSuccess when: %s; otherwise the profile takes the %q path. Timeout %s.\n", printable(r.Check), r.OnError, r.Timeout)
	r.writeSecrets(ew)
	ew.printf("\nAs curl (secrets read from environment variables, never printed):\n%s\n", r.Curl)
	return ew.err
}

func (r *Rendered) writeBody(ew *errWriter) {
	switch {
	case r.Body != "":
		ew.printf("\nBody (%s):\n%s\n", r.BodyMode, printableBlock(r.Body))
	case r.BodyMode.HasBody():
		ew.printf("\nBody (%s): empty\n", r.BodyMode)
	default:
		ew.printf("\nBody: none (the node sends its parameters in the URL query)\n")
	}
	if r.Signed != "" {
		ew.printf("\nSigned (Standard Webhooks) with secret %s: the timestamp and signature are computed when sent.\n", r.Signed)
	}
}

func (r *Rendered) writeQuery(ew *errWriter) {
	if len(r.Query) == 0 {
		ew.printf("\nQuery parameters: none\n")
		return
	}
	rows := [][]string{{"NAME", "VALUE", "FROM"}}
	for _, q := range r.Query {
		v := printable(q.Value)
		if q.Empty {
			v = "(empty)"
		}
		rows = append(rows, []string{printable(q.Name), v, printable(q.Source)})
	}
	ew.printf("\nQuery parameters, in the order sent:\n%s", table(rows))
}

func (r *Rendered) writeHeaders(ew *errWriter) {
	var rows [][]string
	for _, h := range r.Headers {
		note := ""
		if h.Secret != "" {
			note = "(secret " + h.Secret + ")"
		}
		if h.Note != "" {
			note = "(" + h.Note + ")"
		}
		rows = append(rows, []string{h.Name + ": " + printable(h.Value), note})
	}
	for _, h := range r.TransportHeaders {
		rows = append(rows, []string{h.Name + ": " + printable(h.Value), "(added by the HTTP client)"})
	}
	ew.printf("\nHeaders:\n%s", table(rows))
}

func (r *Rendered) writeSecrets(ew *errWriter) {
	if len(r.Secrets) == 0 {
		return
	}
	ew.printf("\nSecrets (values never shown):\n")
	for _, s := range r.Secrets {
		state := "set: " + s.Source
		switch {
		case !s.Found:
			state = "NOT set here for account " + s.Account + ": a send would end in secret_missing"
		case s.Problem != "":
			state = "set, but INVALID: " + s.Problem
		}
		from := "the file " + s.File + " in --secrets-dir"
		if s.EnvVar != "" {
			from += " or $" + s.EnvVar
		}
		ew.printf("  %s (account %s): from %s, or a shared secret granted to the account (%s)\n", s.Name, s.Account, from, state)
	}
}

// table aligns rows in columns, indented by two spaces, without trailing
// blanks.
func table(rows [][]string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintf(tw, "  %s\n", strings.Join(row, "\t"))
	}
	_ = tw.Flush()
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// WriteText prints what a send did: the response (status, headers with
// credentials masked, up to maxBody bytes of body), how it was judged and
// the route the profile takes.
func (s Sent) WriteText(w io.Writer, maxBody int) error {
	ew := &errWriter{w: w}
	o := s.Outcome
	if s.Response == nil {
		ew.printf("No response (%.1f ms).\n", o.DurationMS)
	} else {
		writeResponse(ew, s.Response.Status, s.Response.Header, s.Response.Body, s.Response.Truncated, o.DurationMS, maxBody)
	}
	ew.printf("\nJudged: %s", o.Reason)
	if o.Detail != "" {
		ew.printf(": %s", printable(o.Detail))
	}
	writeCaptured(ew, o)
	ew.printf("\nRoute:  %s", o.Route)
	if !o.Success {
		ew.printf(" (the node's error action)")
	}
	ew.printf("\n")
	return ew.err
}

// writeCaptured lists the response values the outcome carries (the node's
// capture fields), and why any is missing.
func writeCaptured(ew *errWriter, o flowevent.Outcome) {
	names := make([]string, 0, len(o.Captured)+len(o.CaptureMissing))
	for n := range o.Captured {
		names = append(names, n)
	}
	for n := range o.CaptureMissing {
		names = append(names, n)
	}
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	ew.printf("\nCaptured into the outcome:")
	for _, n := range names {
		if v, ok := o.Captured[n]; ok {
			ew.printf("\n  %s = %s", printable(n), printable(string(v)))
		} else {
			ew.printf("\n  %s: not captured (%s)", printable(n), o.CaptureMissing[n])
		}
	}
}

func writeResponse(ew *errWriter, status int, h http.Header, body []byte, truncated bool, ms float64, maxBody int) {
	ew.printf("Response: %d %s (%.1f ms)\n", status, http.StatusText(status), ms)
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			if credentialHeader(k) {
				v = Mask
			}
			ew.printf("  %s: %s\n", k, printable(v))
		}
	}
	if len(body) == 0 {
		ew.printf("Body: empty\n")
		return
	}
	shown := body
	if maxBody >= 0 && len(shown) > maxBody {
		shown = shown[:maxBody]
	}
	more := ""
	if len(shown) < len(body) || truncated {
		more = fmt.Sprintf(" (first %d bytes)", len(shown))
	}
	ew.printf("Body%s:\n%s\n", more, printableBlock(string(shown)))
}

// credentialHeader reports a response header whose value is masked.
func credentialHeader(name string) bool {
	return flowevent.IsCredentialHeader(name) || strings.EqualFold(name, "Set-Cookie")
}

// Printable escapes control and other non-printable characters (and
// invalid UTF-8) Go-style, so that text from a profile, a response or an
// event cannot drive the terminal it is printed on.
func Printable(s string) string { return printable(s) }

func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0 {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// printableBlock is printable for multi-line text: newlines and tabs are
// kept.
func printableBlock(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		parts := strings.Split(l, "\t")
		for j, p := range parts {
			parts[j] = printable(p)
		}
		lines[i] = "  " + strings.Join(parts, "\t")
	}
	return strings.Join(lines, "\n")
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
