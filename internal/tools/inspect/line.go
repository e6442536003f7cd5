package inspect

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Line formats a capture for a terminal: one line with the time, seq,
// method, path and query (re-encoded, credentials masked), body size and
// answer, then one indented line per masked credential header, so that an
// integrator sees the credential arrived without seeing it. Everything
// received is percent-encoded or a token: no control character from a
// request reaches the terminal.
func Line(c Capture) string {
	var b strings.Builder
	b.WriteString(c.Time.Format("15:04:05.000"))
	b.WriteString("  #")
	b.WriteString(strconv.FormatInt(c.Seq, 10))
	b.WriteString("  ")
	b.WriteString(c.Method)
	b.WriteByte(' ')
	b.WriteString(c.Path)
	writeQuery(&b, c.Query)
	if c.BodyBytes > 0 {
		b.WriteString("  body ")
		b.WriteString(strconv.FormatInt(c.BodyBytes, 10))
		b.WriteString(" B")
	}
	b.WriteString("  -> ")
	b.WriteString(answerText(c))
	for _, h := range c.Headers {
		if h.Masked {
			b.WriteString("\n      ")
			b.WriteString(h.Name)
			b.WriteString(": ")
			b.WriteString(h.Value)
		}
	}
	return b.String()
}

func writeQuery(b *strings.Builder, query []Field) {
	for i, f := range query {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		if f.Raw {
			b.WriteString(url.QueryEscape(f.Name))
			b.WriteString("=<undecodable>")
			continue
		}
		b.WriteString(url.QueryEscape(f.Name))
		b.WriteByte('=')
		if f.Masked {
			b.WriteString(Mask)
		} else {
			b.WriteString(url.QueryEscape(f.Value))
		}
	}
}

// GiveUpLine formats, for a terminal, that the client of a capture went
// away before its delayed answer.
func GiveUpLine(c Capture) string {
	return c.Time.Format("15:04:05.000") + "  #" + strconv.FormatInt(c.Seq, 10) + "  " + answerText(c)
}

// answerText says how the catcher answered a capture: its status, a
// dropped connection, an answer still waiting for its delay, or a client
// that went away before it.
func answerText(c Capture) string {
	var s string
	switch {
	case c.GaveUp:
		return fmt.Sprintf("client gave up after %s, before the %s delay ended: nothing answered", msText(c.GaveUpAfterMS), msText(c.DelayMS))
	case c.Status == 0:
		s = "dropped connection"
	default:
		s = strconv.Itoa(c.Status)
	}
	if c.Pending {
		s += fmt.Sprintf(" due after the %s delay", msText(c.DelayMS))
	}
	if c.Failed {
		s += " (injected failure)"
	}
	return s
}

// msText writes milliseconds as a duration: 250ms, 2.5s.
func msText(ms float64) string {
	return time.Duration(ms * float64(time.Millisecond)).Round(time.Millisecond).String()
}
